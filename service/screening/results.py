"""The screen's output: one row per patient (JSON lines and Parquet) and the run's summary.

    OUT/results.jsonl      one JSON object per patient (Spark: a folder of part files)
    OUT/results.parquet    the same rows (Spark: a folder of part files)
    OUT/rejected.jsonl     every line that could not be used: file, line number, reason
    OUT/summary.json       counts by disposition and finding, patients not evaluated and
                           why, lines rejected, resource types not read

The columns are declared once (`FIELDS`) and turned into the Parquet schema of each
engine, so both write the same table.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# (name, type): "string", "strings" (a list), or a list of structs with string members.
FIELDS: tuple[tuple[str, Any], ...] = (
    ("patient_id", "string"),
    ("status", "string"),  # "evaluated" or "not_evaluated"
    ("disposition", "string"),  # refer, avoid, caution, suitable; null when not evaluated
    ("finding_codes", "strings"),
    ("not_checked", ("kind", "item", "reason")),
    ("notes", ("source", "text")),
    ("reason", "string"),  # why the patient was not evaluated
    ("knowledge_base_version", "string"),
)
DISPOSITIONS = ("refer", "avoid", "caution", "suitable")
EXAMPLES = 20  # rejected lines quoted in the summary; rejected.jsonl has them all


def arrow_schema() -> Any:
    """The Parquet schema of a result row (pyarrow)."""
    import pyarrow as pa

    def kind(spec: Any) -> Any:
        if spec == "string":
            return pa.string()
        if spec == "strings":
            return pa.list_(pa.string())
        return pa.list_(pa.struct([(name, pa.string()) for name in spec]))

    return pa.schema([(name, kind(spec)) for name, spec in FIELDS])


def spark_schema() -> Any:
    """The Spark schema of a result row (pyspark)."""
    from pyspark.sql import types as T

    def kind(spec: Any) -> Any:
        if spec == "string":
            return T.StringType()
        if spec == "strings":
            return T.ArrayType(T.StringType(), containsNull=False)
        return T.ArrayType(
            T.StructType([T.StructField(n, T.StringType()) for n in spec]), containsNull=False
        )

    return T.StructType([T.StructField(name, kind(spec)) for name, spec in FIELDS])


def row_json(row: dict[str, Any]) -> str:
    """One row as its JSON line (without the newline); the same text from either engine."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


class ParquetRows:
    """Write rows to one Parquet file, a row group every `batch` rows."""

    def __init__(self, path: Path, batch: int = 20_000):
        import pyarrow.parquet as pq

        self.schema = arrow_schema()
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.batch = batch
        self.pending: list[dict[str, Any]] = []

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        self.pending.extend(rows)
        if len(self.pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.pending:
            self.writer.write_table(pa.Table.from_pylist(self.pending, schema=self.schema))
            self.pending = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


@dataclass
class PatientCounts:
    """The patients part of the summary; engines add rows, and merge partial counts."""

    total: int = 0
    evaluated: int = 0
    by_disposition: Counter = field(default_factory=Counter)
    by_finding: Counter = field(default_factory=Counter)  # patients with the finding
    not_evaluated_by_reason: Counter = field(default_factory=Counter)
    with_not_checked: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.total += 1
        if row["status"] == "evaluated":
            self.evaluated += 1
            self.by_disposition[row["disposition"]] += 1
            self.by_finding.update(set(row["finding_codes"]))
        else:
            self.not_evaluated_by_reason[row["reason"]] += 1
        self.with_not_checked += bool(row["not_checked"])

    def merge(self, other: PatientCounts) -> PatientCounts:
        self.total += other.total
        self.evaluated += other.evaluated
        self.by_disposition.update(other.by_disposition)
        self.by_finding.update(other.by_finding)
        self.not_evaluated_by_reason.update(other.not_evaluated_by_reason)
        self.with_not_checked += other.with_not_checked
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "evaluated": self.evaluated,
            "not_evaluated": self.total - self.evaluated,
            "by_disposition": {d: self.by_disposition.get(d, 0) for d in DISPOSITIONS},
            "by_finding": _by_count(self.by_finding),
            "not_evaluated_by_reason": _by_count(self.not_evaluated_by_reason),
            "with_not_checked": self.with_not_checked,
        }


@dataclass
class InputCounts:
    """The input part of the summary: what was read, not read and rejected."""

    files: list[str] = field(default_factory=list)
    files_not_read: list[str] = field(default_factory=list)
    lines: int = 0
    resources_read: Counter = field(default_factory=Counter)
    resources_not_read: Counter = field(default_factory=Counter)
    rejected: int = 0
    rejected_by_reason: Counter = field(default_factory=Counter)
    rejected_examples: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: InputCounts) -> InputCounts:
        self.lines += other.lines
        self.resources_read.update(other.resources_read)
        self.resources_not_read.update(other.resources_not_read)
        self.rejected += other.rejected
        self.rejected_by_reason.update(other.rejected_by_reason)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_not_read": self.files_not_read,
            "lines": self.lines,
            "resources_read": dict(sorted(self.resources_read.items())),
            "resources_not_read": dict(sorted(self.resources_not_read.items())),
            "rejected_lines": self.rejected,
            "rejected_by_reason": _by_count(self.rejected_by_reason),
            "rejected_examples": self.rejected_examples[:EXAMPLES],
        }


def rejected_json(file: str, line: int, reason: str) -> str:
    return json.dumps({"file": file, "line": line, "reason": reason}, ensure_ascii=False)


def read_rows(out: Path) -> list[dict[str, Any]]:
    """Every result row in `out` (either engine's layout), sorted by patient id."""
    path = Path(out) / "results.jsonl"
    files = sorted(path.glob("part-*")) if path.is_dir() else [path]
    rows = [json.loads(line) for f in files for line in _text_lines(f)]
    return sorted(rows, key=lambda r: r["patient_id"])


def read_parquet_rows(out: Path) -> list[dict[str, Any]]:
    """Every result row of `out`'s Parquet output (a file or a folder), sorted by patient id."""
    import pyarrow.parquet as pq

    table = pq.read_table(Path(out) / "results.parquet", schema=arrow_schema())
    return sorted(table.to_pylist(), key=lambda r: r["patient_id"])


def _text_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield line


def _by_count(counter: Counter) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))

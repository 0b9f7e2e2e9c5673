"""Run a screen: the input checked, an engine chosen, the rows written, the summary last."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from service.screening import local
from service.screening.bulk import export_files
from service.screening.evaluate import knowledge_base_version
from service.screening.results import EXAMPLES, InputCounts, ParquetRows, PatientCounts, row_json

OUTPUTS = ("results.jsonl", "results.parquet", "rejected.jsonl", "summary.json")


@dataclass(frozen=True)
class ScreenOptions:
    input: str
    out: Path
    today: date
    engine: str = "local"  # or "spark"
    processes: int | None = None  # local: default one per core
    master: str = "local[*]"  # spark
    progress: bool | None = None  # None: on a terminal only


def screen(options: ScreenOptions) -> dict[str, Any]:
    """Screen the export at `options.input` into `options.out`; return the summary."""
    options.out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:  # a previous run's, of either engine's layout
        _remove(options.out / name)
    started = time.perf_counter()
    if options.engine == "spark":
        from service.screening.spark import run as run_spark  # PySpark only when asked for

        input_counts, patients, run = run_spark(options)
    elif options.engine == "local":
        input_counts, patients, run = run_local(options)
    else:
        raise ValueError(f"unknown engine {options.engine!r}: local or spark")
    seconds = time.perf_counter() - started
    run["seconds"] = round(seconds, 3)
    run["patients_per_second"] = round(patients.total / seconds, 1) if seconds else None
    summary = {
        "knowledge_base_version": knowledge_base_version(),
        "as_of": options.today.isoformat(),
        "patients": patients.as_dict(),
        "input": input_counts.as_dict(),
        "outputs": list(OUTPUTS),
        "run": run,
    }
    _replace_file(options.out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def local_input(source: str) -> tuple[Path, list[Path], list[str], list[str]]:
    """The export's folder, its NDJSON files, their reported names and the files not read."""
    root = Path(source)
    files, others = export_files(root)
    base = root if root.is_dir() else root.parent
    names = [p.relative_to(base).as_posix() for p in files]
    return root, files, names, [p.relative_to(base).as_posix() for p in others]


def run_local(options: ScreenOptions) -> tuple[InputCounts, PatientCounts, dict[str, Any]]:
    """The local engine (see service/screening/local.py)."""
    _, files, names, others = local_input(options.input)
    processes = options.processes or local.default_processes()
    chunks, size = local.plan_chunks(files, names)
    partitions = local.partitions_for(size, processes)
    counts = InputCounts(files=names, files_not_read=others)
    patients = PatientCounts()
    work = tempfile.mkdtemp(prefix=".screen-work-", dir=options.out)
    pool = local.Pool(processes)
    try:
        bar = local.progress_bar(options.progress, len(chunks), "file part", "reading")
        with bar:
            for part in pool.map(
                local.split_chunk, chunks, [work] * len(chunks), [partitions] * len(chunks)
            ):
                counts.merge(part)
                bar.update()
        _collect_rejected(work, chunks, options.out, counts)
        expected = counts.resources_read.get("Patient", 0)
        bar = local.progress_bar(options.progress, expected or None, "patient", "evaluating")
        jsonl_path = options.out / "results.jsonl.partial"
        parquet_path = options.out / "results.parquet.partial"
        parquet = ParquetRows(parquet_path)
        try:
            with bar, open(jsonl_path, "w", encoding="utf-8") as jsonl:
                for rows in pool.map(
                    local.evaluate_partition,
                    range(partitions),
                    [work] * partitions,
                    [options.today] * partitions,
                ):
                    for row in rows:
                        patients.add(row)
                        jsonl.write(row_json(row) + "\n")
                    parquet.write(rows)
                    bar.update(len(rows))
        finally:
            parquet.close()
        os.replace(jsonl_path, options.out / "results.jsonl")
        os.replace(parquet_path, options.out / "results.parquet")
    finally:
        pool.close()
        shutil.rmtree(work, ignore_errors=True)
    run = {"engine": "local", "processes": processes, "partitions": partitions}
    return counts, patients, run


def _collect_rejected(work: str, chunks: list[local.Chunk], out: Path, counts: InputCounts) -> None:
    """Join the chunks' rejected lines in file and line order; quote the first in the summary."""
    partial = out / "rejected.jsonl.partial"
    with open(partial, "w", encoding="utf-8") as joined:
        for chunk in chunks:
            with open(Path(work, f"rejected-{chunk.index:06d}.jsonl"), encoding="utf-8") as part:
                for line in part:
                    joined.write(line)
                    if len(counts.rejected_examples) < EXAMPLES:
                        counts.rejected_examples.append(json.loads(line))
    os.replace(partial, out / "rejected.jsonl")


def _replace_file(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()

"""The Spark engine: the same line reader and patient evaluation, run in Spark executors.

    lines (file, line number, bytes)     sc.textFile per file, numbered with zipWithIndex
      → read_line                          the local engine's reader (service/screening/bulk.py)
      → groupByKey(patient id)             one group per patient, in any executor
      → evaluate_patient                   the local engine's evaluation, in mapPartitions

The knowledge base is compiled once per executor Python process: `default_knowledge_base`
keeps it in a module global and PySpark reuses its Python workers
(`spark.python.worker.reuse`, on by default). Counts for the summary are made per partition
in the executors and merged on the driver; rejected lines (few, unless an export is broken)
are sorted by file and line and written by the driver. Results are written by Spark as
folders of part files (`results.jsonl/`, `results.parquet/`), so --out must be a folder the
driver and every executor can write (local disk with `local[*]`, a shared mount on a
cluster).

Lines are read as bytes (`use_unicode=False`), so bytes that are not UTF-8 are a rejected
line here as in the local engine, not a failed job.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from service.screening.bulk import EXPORT_SUFFIXES, read_line
from service.screening.evaluate import Record, evaluate_patient
from service.screening.results import (
    EXAMPLES,
    FIELDS,
    InputCounts,
    PatientCounts,
    rejected_json,
    row_json,
    spark_schema,
)


class SparkUnavailable(Exception):
    """The Spark engine cannot run here (no Java, say); the message says what to install."""


def run(options: Any) -> tuple[InputCounts, PatientCounts, dict[str, Any]]:
    """Screen `options.input` on Spark at `options.master`."""
    session = _session(options.master, options.progress)
    try:
        return _run(session, options)
    finally:
        session.stop()


def _session(master: str, progress: bool | None) -> Any:
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable(
            "the Spark engine needs Java 17 or later (Debian: apt-get install "
            "default-jre-headless); none found on PATH or in JAVA_HOME"
        )
    from pyspark.sql import SparkSession

    # py4j reports every connection at INFO, and again at exit after logging has shut down.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    show = sys.stderr.isatty() if progress is None else progress  # as the local engine's bar
    builder = (
        SparkSession.builder.master(master)
        .appName("magnesium-cds screen")
        .config("spark.ui.showConsoleProgress", "true" if show else "false")
    )
    if master.startswith("local"):
        # Executors on this machine run this interpreter (the one with the project installed);
        # on a cluster the executors' Python comes from the cluster's configuration.
        # PySpark reads PYSPARK_PYTHON (default "python3", which may not be this venv's).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.pyspark.python", sys.executable)
        builder = builder.config("spark.ui.enabled", "false")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def _run(session: Any, options: Any) -> tuple[InputCounts, PatientCounts, dict[str, Any]]:
    from pyspark import StorageLevel

    sc = session.sparkContext
    files, others = list_export(session, options.input)
    numbered = _numbered_lines(sc, files)
    tagged = numbered.flatMap(_tag_line).persist(StorageLevel.MEMORY_AND_DISK)
    counts = InputCounts(files=[name for _, name in files], files_not_read=others)
    for part in tagged.mapPartitions(_count_lines).collect():
        counts.merge(part)

    order = {name: i for i, (_, name) in enumerate(files)}
    rejected = (
        tagged.filter(lambda t: t[0] == "rejected")
        .map(lambda t: t[1])
        .sortBy(lambda r: (order[r[0]], r[1]), numPartitions=1)  # one job to stream
    )
    out = Path(options.out)
    partial = out / "rejected.jsonl.partial"
    with open(partial, "w", encoding="utf-8") as stream:
        for name, number, reason in rejected.toLocalIterator():
            stream.write(rejected_json(name, number, reason) + "\n")
            if len(counts.rejected_examples) < EXAMPLES:
                counts.rejected_examples.append({"file": name, "line": number, "reason": reason})
    os.replace(partial, out / "rejected.jsonl")

    # The Medications, to every executor; of a duplicated id the first in file order wins,
    # as in the local engine.
    shared = sc.broadcast(
        tagged.filter(lambda t: t[0] == "shared")
        .map(lambda t: (t[1], (order[t[2][0]], t[2][1], t[2][2])))
        .reduceByKey(lambda a, b: a if a[:2] <= b[:2] else b)
        .mapValues(lambda v: v[2])
        .collectAsMap()
    )
    today = options.today
    partitions = max(sc.defaultParallelism * 4, 1)
    rows = (
        tagged.filter(lambda t: t[0] == "record")
        .map(lambda t: (t[1], t[2]))
        .groupByKey(numPartitions=partitions)
        .mapPartitions(lambda groups: _evaluate_groups(groups, today, shared.value))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    patients = PatientCounts()
    for part in rows.mapPartitions(_count_rows).collect():
        patients.merge(part)
    rows.map(row_json).saveAsTextFile(_uri(out / "results.jsonl"))
    frame = session.createDataFrame(rows.map(_as_tuple), schema=spark_schema())
    frame.write.parquet(_uri(out / "results.parquet"))
    rows.unpersist()
    tagged.unpersist()
    run = {
        "engine": "spark",
        "master": options.master,
        "partitions": partitions,
        "spark_version": session.version,
    }
    return counts, patients, run


def _numbered_lines(sc: Any, files: list[tuple[str, str]]) -> Any:
    """(file name, line number, bytes) of every line: one counting job for all files.

    The union's partitions are the files' splits in order, so counting each partition's
    lines gives every partition its first line number (zipWithIndex per file would run a
    job per file).
    """
    if not files:
        return sc.parallelize([])
    per_file = [sc.textFile(uri, use_unicode=False) for uri, _ in files]
    union = sc.union(per_file)
    sizes = union.mapPartitions(lambda lines: [sum(1 for _ in lines)]).collect()
    starts: list[tuple[str, int]] = []
    index = 0
    for rdd, (_, name) in zip(per_file, files, strict=True):
        line = 1
        for _ in range(rdd.getNumPartitions()):
            starts.append((name, line))
            line += sizes[index]
            index += 1

    def number(partition: int, lines: Iterable[bytes]) -> Iterator[tuple[str, int, bytes]]:
        name, first = starts[partition]
        for offset, raw in enumerate(lines):
            yield name, first + offset, raw

    return union.mapPartitionsWithIndex(number)


def _tag_line(item: tuple[str, int, bytes]) -> list[tuple[Any, ...]]:
    """One numbered line as a tagged record: a patient's resource, ignored, or rejected."""
    name, number, raw = item
    if not raw.strip():
        return []
    line = read_line(raw)
    if line.rejected is not None:
        return [("rejected", (name, number, line.rejected))]
    if line.shared and line.resource is not None:
        key = f"{line.resource_type}/{line.resource['id']}"
        return [("shared", key, (name, number, line.resource))]
    if line.patient_id is None:
        return [("ignored", line.resource_type)]
    resource = line.resource or {}
    record: Record = (line.resource_type or "", str(resource.get("id", "")), name, number, resource)
    return [("record", line.patient_id, record)]


def _count_lines(tagged: Iterable[tuple[Any, ...]]) -> Iterator[InputCounts]:
    counts = InputCounts()
    for item in tagged:
        counts.lines += 1
        if item[0] == "rejected":
            counts.rejected += 1
            counts.rejected_by_reason[item[1][2]] += 1
        elif item[0] == "ignored":
            counts.resources_not_read[item[1]] += 1
        elif item[0] == "shared":
            counts.resources_read[item[1].split("/", 1)[0]] += 1
        else:
            counts.resources_read[item[2][0]] += 1
    yield counts


def _evaluate_groups(
    groups: Iterable[tuple[str, Iterable[Record]]], today: date, shared: dict[str, Any]
) -> Iterator[dict]:
    for patient_id, records in groups:
        yield evaluate_patient(patient_id, list(records), today, shared)


def _count_rows(rows: Iterable[dict[str, Any]]) -> Iterator[PatientCounts]:
    counts = PatientCounts()
    for row in rows:
        counts.add(row)
    yield counts


def _as_tuple(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row in the schema's column order, structs as tuples in their members' order."""
    out = []
    for name, spec in FIELDS:
        value = row[name]
        if isinstance(spec, tuple):
            value = [tuple(item[member] for member in spec) for item in value]
        out.append(value)
    return tuple(out)


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def list_export(session: Any, source: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(URI, name) of the export's NDJSON files, in the local engine's order, and the others.

    Listed through Hadoop's FileSystem, so any path Spark reads (file:, hdfs:, s3a:) works.
    """
    jvm = session.sparkContext._jvm
    conf = session.sparkContext._jsc.hadoopConfiguration()
    root = jvm.org.apache.hadoop.fs.Path(source if "://" in source else _uri(Path(source)))
    fs = root.getFileSystem(conf)
    if not fs.exists(root):
        raise FileNotFoundError(f"{source}: no such file or folder")
    status = fs.getFileStatus(root)
    if status.isFile():
        return [(root.toString(), root.getName())], []
    files: list[tuple[str, str]] = []
    others: list[str] = []

    def walk(folder: Any, prefix: str) -> None:
        entries = sorted(fs.listStatus(folder), key=lambda s: s.getPath().getName())
        for entry in entries:  # files first, then folders, as os.walk does
            name = entry.getPath().getName()
            if entry.isFile():
                if name.endswith(EXPORT_SUFFIXES):
                    files.append((entry.getPath().toString(), prefix + name))
                else:
                    others.append(prefix + name)
        for entry in entries:
            if entry.isDirectory():
                walk(entry.getPath(), prefix + entry.getPath().getName() + "/")

    walk(root, "")
    return files, others

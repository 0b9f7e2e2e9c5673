"""The local engine: a process pool on one machine, memory bounded by a partition, not the export.

Two passes over temporary files in a work folder (removed at the end):

1. **Split.** Each export file (a plain file in ranges of `CHUNK_BYTES` cut at line ends;
   a gzip file whole) is read line by line by one worker. Every resource of a patient is
   appended to partition `crc32(patient id) % partitions` as a length-prefixed `marshal`
   record; rejected lines go to the chunk's own rejected file with their file and line
   number, shared resources (Medications) to its shared file, which each worker loads once
   in pass 2 (that memory is the export's formulary, not its patients).
2. **Evaluate.** Each partition is loaded by one worker, grouped by patient, and every
   patient evaluated in patient-id order; the rows come back to this process, which writes
   them (JSON lines and Parquet) and counts them for the summary.

The number of partitions grows with the export (`PARTITION_BYTES` of NDJSON each, gzip
counted at 8×), so a worker holds one partition, whatever the export's size; a partition
is never smaller than its largest patient. Workers start by `spawn` and compile the
knowledge base once each, in their initializer. `marshal` (not JSON again) carries the
parsed resources between the passes: it is Python's fastest format for plain values, and
the files never outlive the run or leave the machine.
"""

from __future__ import annotations

import logging
import marshal
import math
import multiprocessing
import os
import sys
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from service.screening.bulk import GZIP_MAGIC, lines, read_line
from service.screening.evaluate import Record, evaluate_patient
from service.screening.results import InputCounts, rejected_json

CHUNK_BYTES = 64 * 1024 * 1024
PARTITION_BYTES = 16 * 1024 * 1024  # about 8x that in parsed resources: ~150 MB a worker
GZIP_RATIO = 8  # NDJSON of FHIR compresses about this much
MAX_PARTITIONS = 512  # files each split task keeps open
PARTITIONS_PER_PROCESS = 4  # enough tasks to keep every worker busy to the end
DAMAGED_GZIP = "the gzip stream is damaged here: the rest of the file was not read"


@dataclass(frozen=True)
class Chunk:
    index: int
    path: str  # absolute
    name: str  # as reported: relative to the export folder
    start: int
    end: int | None
    first_line: int


def plan_chunks(files: list[Path], names: list[str]) -> tuple[list[Chunk], int]:
    """The split tasks, and the export's size in NDJSON bytes (gzip estimated)."""
    chunks: list[Chunk] = []
    size = 0
    for path, name in zip(files, names, strict=True):
        with open(path, "rb") as stream:
            gzipped = stream.read(2) == GZIP_MAGIC
        length = path.stat().st_size
        if gzipped or length <= CHUNK_BYTES:
            chunks.append(Chunk(len(chunks), str(path), name, 0, None, 1))
            size += length * (GZIP_RATIO if gzipped else 1)
            continue
        size += length
        for start, end, first_line in _ranges(path, length):
            chunks.append(Chunk(len(chunks), str(path), name, start, end, first_line))
    return chunks, size


def _ranges(path: Path, length: int) -> Iterator[tuple[int, int, int]]:
    """Byte ranges of about CHUNK_BYTES ending at line ends, with their first line number."""
    start, line = 0, 1
    with open(path, "rb") as stream:
        while start < length:
            stream.seek(start + CHUNK_BYTES)
            stream.readline()  # to the end of the line the cut falls in
            end = min(stream.tell(), length)
            yield start, end, line
            stream.seek(start)
            remaining = end - start
            while remaining:  # count this range's lines, for the next range's numbering
                block = stream.read(min(remaining, 1 << 20))
                line += block.count(b"\n")
                remaining -= len(block)
            start = end


def partitions_for(size: int, processes: int) -> int:
    wanted = max(math.ceil(size / PARTITION_BYTES), processes * PARTITIONS_PER_PROCESS)
    return min(wanted, MAX_PARTITIONS)


def partition_of(patient_id: str, partitions: int) -> int:
    """The partition of a patient: stable across processes (str hashes are not)."""
    return zlib.crc32(patient_id.encode()) % partitions


def split_chunk(chunk: Chunk, work: str, partitions: int) -> InputCounts:
    """Pass 1 for one chunk: append its resources to their partitions, note rejected lines."""
    counts = InputCounts()
    outputs: dict[int, Any] = {}
    rejected_path = Path(work, f"rejected-{chunk.index:06d}.jsonl")
    shared_path = Path(work, f"shared-{chunk.index:06d}")
    with open(rejected_path, "w", encoding="utf-8") as rejected, open(shared_path, "wb") as shared:

        def reject(number: int, reason: str) -> None:
            counts.rejected += 1
            counts.rejected_by_reason[reason] += 1
            rejected.write(rejected_json(chunk.name, number, reason) + "\n")

        number = chunk.first_line - 1
        try:
            for number, raw in enumerate(
                lines(Path(chunk.path), chunk.start, chunk.end), chunk.first_line
            ):
                if not raw.strip():
                    continue  # a blank line (often the last) carries nothing
                counts.lines += 1
                line = read_line(raw)
                if line.rejected is not None:
                    reject(number, line.rejected)
                elif line.shared:
                    assert line.resource is not None and line.resource_type is not None
                    counts.resources_read[line.resource_type] += 1
                    key = f"{line.resource_type}/{line.resource['id']}"
                    data = marshal.dumps((key, line.resource))
                    shared.write(len(data).to_bytes(4, "little") + data)
                elif line.patient_id is None:
                    counts.resources_not_read[line.resource_type] += 1
                else:
                    resource = line.resource
                    assert resource is not None and line.resource_type is not None
                    counts.resources_read[line.resource_type] += 1
                    p = partition_of(line.patient_id, partitions)
                    if p not in outputs:
                        folder = Path(work, f"p{p:04d}")
                        folder.mkdir(exist_ok=True)
                        outputs[p] = open(folder / f"c{chunk.index:06d}", "wb")
                    record = (
                        line.patient_id,
                        line.resource_type,
                        str(resource.get("id", "")),
                        chunk.name,
                        number,
                        resource,
                    )
                    data = marshal.dumps(record)
                    outputs[p].write(len(data).to_bytes(4, "little") + data)
        except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
            reject(number + 1, DAMAGED_GZIP)
        finally:
            for stream in outputs.values():
                stream.close()
    return counts


def evaluate_partition(partition: int, work: str, today: date) -> list[dict[str, Any]]:
    """Pass 2 for one partition: the rows of its patients, in patient-id order."""
    groups: dict[str, list[Record]] = defaultdict(list)
    folder = Path(work, f"p{partition:04d}")
    if not folder.is_dir():
        return []
    for path in sorted(folder.iterdir()):
        for record in _records(path):
            groups[record[0]].append(record[1:])
    shared = _shared(work)
    return [evaluate_patient(pid, groups[pid], today, shared) for pid in sorted(groups)]


_SHARED: dict[str, dict[str, Any]] = {}  # work folder → its Medications, loaded once a worker


def _shared(work: str) -> dict[str, Any]:
    """The export's shared resources by reference; the first of a duplicated id wins."""
    if work not in _SHARED:
        _SHARED.clear()  # one run at a time
        table: dict[str, Any] = {}
        for path in sorted(Path(work).glob("shared-*")):
            for key, resource in _records(path):
                table.setdefault(key, resource)
        _SHARED[work] = table
    return _SHARED[work]


def _records(path: Path) -> Iterator[Any]:
    """The length-prefixed marshal records of `path` (marshal.load on a file is slow)."""
    data = memoryview(path.read_bytes())
    offset = 0
    while offset < len(data):
        size = int.from_bytes(data[offset : offset + 4], "little")
        yield marshal.loads(data[offset + 4 : offset + 4 + size])
        offset += 4 + size


def _init_worker() -> None:
    """Compile the knowledge base once in this worker, before its first patient."""
    from rules import default_knowledge_base

    logging.basicConfig(level=logging.WARNING)
    default_knowledge_base()


class Pool:
    """`processes` spawned workers, or this process alone for one (no pool to pay for)."""

    def __init__(self, processes: int):
        self.processes = processes
        self.executor: ProcessPoolExecutor | None = None
        if processes > 1:
            self.executor = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
            )

    def map(self, function: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        """`function` over the arguments, results in order, at most 2 per worker in flight.

        Executor.map would submit every task at once and hold every finished result until
        the slowest one before it is consumed: all rows of the export, in the worst case.
        """
        if self.executor is None:
            yield from map(function, *iterables)
            return
        pending: deque[Future[Any]] = deque()
        for args in zip(*iterables, strict=True):
            if len(pending) >= 2 * self.processes:
                yield pending.popleft().result()
            pending.append(self.executor.submit(function, *args))
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


def default_processes() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def progress_bar(enabled: bool | None, total: int | None, unit: str, desc: str) -> Any:
    """A tqdm bar on stderr: on a terminal, or when asked (`--progress`)."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        disable=not show,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )

"""An append-only local spool for audit records the database could not take.

Layout of the spool folder (default: <instance>/audit-spool):

- `spool.jsonl`: the active file. Writers append one JSON line per record under an
  exclusive `flock` on `spool.lock`, then `fsync`; the request is answered only after that.
- `replaying-<ns>-<pid>.jsonl`: a file claimed by a replayer. Claiming renames the active
  file under the same lock, so no writer is half-way through a line in it.
- `rejected.jsonl`: records the database refused for a reason retrying cannot fix
  (kept for a human, never dropped).

Replaying writes each record through an idempotent store call (primary key or unique
constraint), in order, and unlinks the claimed file only after its last record is stored.
A replayer that dies half-way leaves its file behind; the next one replays it from the
start and the records already stored are skipped by the database. So each record is in
the database exactly once, however often replay is interrupted. One replayer at a time:
`replay.lock` is taken without blocking; other processes skip that round.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ACTIVE = "spool.jsonl"
REJECTED = "rejected.jsonl"
# /readyz reports not-ready below this much free space: a record must still fit.
MIN_FREE_BYTES = 1_048_576


class SpoolError(Exception):
    """The spool could not take a record (the caller must not claim it was kept)."""


class Unavailable(Exception):
    """Raised by a replay writer when the database is (still) unavailable: stop, keep the file."""


class Spool:
    """The spool folder; safe across threads and processes of one host."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self._lock = threading.Lock()

    # Writing -------------------------------------------------------------------------

    def append(self, kind: str, payload: dict[str, Any]) -> None:
        """Append one record and fsync it before returning."""
        line = json.dumps({"kind": kind, "payload": payload}, default=_json_default)
        data = (line + "\n").encode()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._lock, self._flock("spool.lock", fcntl.LOCK_EX):
                path = self.directory / ACTIVE
                created = not path.exists()
                fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    size = os.fstat(fd).st_size
                    # A writer killed mid-line left no newline: start ours on a fresh line.
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        data = b"\n" + data
                    _write_whole(fd, data, size)
                finally:
                    os.close(fd)
                if created:
                    self._fsync_directory()
        except OSError as exc:
            raise SpoolError(f"cannot write the audit spool in {self.directory}") from exc

    # Reading -------------------------------------------------------------------------

    def files(self) -> list[Path]:
        """Files waiting to be replayed, oldest first (claimed files before the active one)."""
        if not self.directory.is_dir():
            return []
        claimed = sorted(self.directory.glob("replaying-*.jsonl"), key=_claim_order)
        active = self.directory / ACTIVE
        return claimed + ([active] if active.exists() else [])

    def has_pending(self) -> bool:
        """True when any record waits (a cheap stat, done before every audit write)."""
        for path in self.files():
            try:
                if path.stat().st_size > 0:
                    return True
            except FileNotFoundError:
                continue  # replayed and unlinked, or claimed, since it was listed
        return False

    def pending(self) -> int:
        """The number of records waiting."""
        return sum(1 for path in self.files() for _ in _records(path))

    def rejected(self) -> int:
        """The number of records set aside as unwritable."""
        path = self.directory / REJECTED
        return sum(1 for _ in _records(path)) if path.exists() else 0

    def writable(self, min_free_bytes: int = MIN_FREE_BYTES) -> bool:
        """True when a record could be spooled now: enough free space and a test write works.

        The test write (a probe file written, fsynced and removed) finds what a permission
        check cannot: a read-only mount, a full disk or quota, an I/O error.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stats = os.statvfs(self.directory)
            if stats.f_bavail * stats.f_frsize < min_free_bytes:
                return False
            probe = self.directory / f".probe-{os.getpid()}-{threading.get_ident()}"
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_whole(fd, b"probe\n", 0)
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
        except (OSError, SpoolError):
            return False
        return True

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every waiting record, in order (for lookups while the database is down)."""
        for path in self.files():
            yield from _records(path)

    # Replaying -----------------------------------------------------------------------

    def replay(
        self,
        write: Callable[[str, dict[str, Any]], bool],
        reject: Callable[[str, dict[str, Any], Exception], bool] | None = None,
    ) -> int | None:
        """Write every waiting record with `write`; return how many were new.

        `write(kind, payload)` returns True when it stored the record, False when the
        database already had it; it raises `Unavailable` to stop the replay (the file
        stays). `reject(kind, payload, exc)` decides whether another exception means
        the record can never be written (then it moves to rejected.jsonl). Returns None
        when another process is replaying.
        """
        if not self.directory.is_dir():
            return 0
        try:
            handle = open(self.directory / "replay.lock", "a")
        except OSError:
            return None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            self._claim_active()
            stored = 0
            for path in sorted(self.directory.glob("replaying-*.jsonl"), key=_claim_order):
                for kind, payload in _records(path):
                    try:
                        stored += bool(write(kind, payload))
                    except Unavailable:
                        return stored
                    except Exception as exc:
                        if reject is None or not reject(kind, payload, exc):
                            raise
                        self._reject(kind, payload)
                path.unlink()
                self._fsync_directory()
            return stored

    def _claim_active(self) -> None:
        with self._lock, self._flock("spool.lock", fcntl.LOCK_EX):
            active = self.directory / ACTIVE
            if active.exists() and active.stat().st_size > 0:
                active.rename(self.directory / f"replaying-{time.time_ns()}-{os.getpid()}.jsonl")
                self._fsync_directory()

    def _reject(self, kind: str, payload: dict[str, Any]) -> None:
        line = json.dumps({"kind": kind, "payload": payload}, default=_json_default) + "\n"
        with open(self.directory / REJECTED, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        log.error("audit record rejected by the database; kept in %s", REJECTED)

    # Helpers -------------------------------------------------------------------------

    @contextmanager
    def _flock(self, name: str, mode: int) -> Iterator[None]:
        with open(self.directory / name, "a") as handle:
            fcntl.flock(handle, mode)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _fsync_directory(self) -> None:
        # A new or renamed file survives a power cut only once its directory entry is synced.
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_whole(fd: int, data: bytes, size: int) -> None:
    """Write all of `data` at the end of the file (size `size`) and fsync; all or nothing.

    `os.write` may write only part (a full disk, a signal): the rest is written again until
    done. When a write fails, the file is cut back to `size`, so no torn line is left for a
    later record to follow, and SpoolError tells the caller the record was not kept.
    """
    view = memoryview(data)
    try:
        for _ in range(len(data) + 1):  # each round writes at least one byte, or fails
            if not view:
                break
            written = os.write(fd, view)
            if written <= 0:
                raise OSError("the spool write made no progress")
            view = view[written:]
        if view:
            raise OSError("the spool write made no progress")
        os.fsync(fd)
    except OSError as exc:
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError:
            log.exception("could not cut a failed spool write back; the torn line is skipped")
        raise SpoolError("the audit spool could not take the whole record") from exc


def _claim_order(path: Path) -> tuple[int, str]:
    parts = path.stem.split("-")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0, path.name)


def _records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield record["kind"], record["payload"]
            except (ValueError, KeyError, TypeError):
                # Only a writer killed mid-line leaves this, before its request was answered.
                log.warning("skipping a torn audit spool line (%s:%d)", path.name, number)


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(type(value).__name__)

"""An AuditStore that loses nothing: writes the database refuses go to the local spool.

Ordering: while anything waits in the spool, new records go to the spool too, behind
it, so a feedback item is never written before the evaluation it points at. A
background thread per process (started on the first request, so never in a preloading
gunicorn master) replays the spool every CDS_SPOOL_REPLAY_SECONDS.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)

from service.audit.deadline import DatabaseTimeout, call_with_deadline
from service.audit.spool import Spool, Unavailable
from service.audit.store import AuditStore

log = logging.getLogger(__name__)

# The database is down, unreachable, locked, silent past the deadline, or its schema is
# not there yet: retry later.
UNAVAILABLE = (OperationalError, InterfaceError, ProgrammingError, DatabaseTimeout)


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that retrying later can fix."""
    if isinstance(exc, UNAVAILABLE):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class DurableAuditStore(AuditStore):
    """AuditStore whose writes fall back to a `Spool` and are replayed exactly once."""

    def __init__(
        self,
        engine: Engine,
        spool: Spool,
        *,
        replay_seconds: float = 5.0,
        on_spooled: Callable[[str], None] | None = None,
        on_replayed: Callable[[str], None] | None = None,
        before_replay: Callable[[], None] | None = None,
        deadline_seconds: float | None = None,
    ):
        super().__init__(engine)
        # Every database call from a request or the replay waits at most this long
        # (service.audit.deadline); None: unbounded (SQLite, a local file).
        self.deadline_seconds = deadline_seconds
        self.spool = spool
        self.replay_seconds = replay_seconds
        self._on_spooled = on_spooled or (lambda kind: None)
        self._on_replayed = on_replayed or (lambda kind: None)
        self._before_replay = before_replay
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._stop = threading.Event()
        self._thread_lock = threading.Lock()

    # The AuditStore write API, made durable --------------------------------------------

    def record_evaluation(self, row: Mapping[str, Any]) -> bool:
        return self._write("evaluation", dict(row))

    def record_cards(
        self, evaluation_id: str, service_id: str, cards: Iterable[tuple[str, str | None]]
    ) -> None:
        payload = {
            "evaluation_id": evaluation_id,
            "service_id": service_id,
            "cards": [list(card) for card in cards],
        }
        self._write("cards", payload)

    def record_feedback(self, row: Mapping[str, Any]) -> bool:
        return self._write("feedback", dict(row))

    def bounded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` within the deadline; DatabaseTimeout (unavailable) past it."""
        return call_with_deadline(self.deadline_seconds, fn, *args)

    def get_evaluation(self, evaluation_id: str) -> dict[str, Any] | None:
        """The stored row; one still waiting in the spool says so in `audit_state`."""
        try:
            row = self.bounded(super().get_evaluation, evaluation_id)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            spooled = self._spooled_evaluation(evaluation_id)
            if spooled is None:
                raise  # down, and not here either: the caller answers 503
            return spooled
        if row is not None:
            row["audit_state"] = "stored"
            return row
        return self._spooled_evaluation(evaluation_id)

    def card(self, card_uuid: str) -> dict[str, Any] | None:
        """The issued card, from the database or, while it waits, from the spool."""
        try:
            row = self.bounded(super().card, card_uuid)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            spooled = self._spooled_card(card_uuid)
            if spooled is None:
                raise
            return spooled
        return row if row is not None else self._spooled_card(card_uuid)

    def _spooled_card(self, card_uuid: str) -> dict[str, Any] | None:
        for kind, payload in self.spool.records():
            if kind != "cards":
                continue
            for uuid, code in payload["cards"]:
                if uuid == card_uuid:
                    return {
                        "card_uuid": uuid,
                        "evaluation_id": payload["evaluation_id"],
                        "service_id": payload["service_id"],
                        "finding_code": code,
                    }
        return None

    def _spooled_evaluation(self, evaluation_id: str) -> dict[str, Any] | None:
        for kind, payload in self.spool.records():
            if kind == "evaluation" and payload.get("id") == evaluation_id:
                return {**payload, "audit_state": "spooled"}
        return None

    # Writing -----------------------------------------------------------------------------

    def _write(self, kind: str, payload: dict[str, Any]) -> bool:
        if not self.spool.has_pending():
            try:
                return self.bounded(self._store, kind, payload)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                log.warning("audit database unavailable (%s); record spooled", type(exc).__name__)
        self.spool.append(kind, payload)  # raises SpoolError: then the request fails
        self._on_spooled(kind)
        return True

    def _store(self, kind: str, payload: dict[str, Any]) -> bool:
        """Write one record to the database (idempotent); True when it was new."""
        if kind == "evaluation":
            return AuditStore.record_evaluation(self, payload)
        if kind == "feedback":
            payload = dict(payload)
            if isinstance(payload.get("received_at"), str):
                payload["received_at"] = datetime.fromisoformat(payload["received_at"])
            return AuditStore.record_feedback(self, payload)
        if kind == "cards":
            cards = [(uuid, code) for uuid, code in payload["cards"]]
            AuditStore.record_cards(self, payload["evaluation_id"], payload["service_id"], cards)
            return True
        raise ValueError(f"unknown audit record kind {kind!r}")

    # Replaying ---------------------------------------------------------------------------

    def replay(self) -> int | None:
        """Write the spooled records to the database; the number newly stored (None: busy)."""
        if not self.spool.has_pending():
            return 0
        if self._before_replay is not None:
            try:
                self.bounded(self._before_replay)
            except Exception as exc:
                if is_unavailable(exc):
                    return 0
                raise

        def write(kind: str, payload: dict[str, Any]) -> bool:
            try:
                new = self.bounded(self._store, kind, payload)
            except Exception as exc:
                if is_unavailable(exc):
                    raise Unavailable from exc
                raise
            if new:
                self._on_replayed(kind)
            return new

        def reject(kind: str, payload: dict[str, Any], exc: Exception) -> bool:
            # Retrying cannot fix a constraint or data error: set it aside, keep going.
            return isinstance(exc, IntegrityError | DBAPIError | ValueError | KeyError)

        stored = self.spool.replay(write, reject)
        if stored:
            log.info("audit spool replayed: %d records stored", stored)
        return stored

    def ensure_replayer(self) -> None:
        """Start this process's replay thread if it has none (cheap; call per request)."""
        if self._thread_pid == os.getpid() and self._thread is not None:
            return
        with self._thread_lock:
            if self._thread_pid == os.getpid() and self._thread is not None:
                return
            self._stop.clear()
            thread = threading.Thread(target=self._replay_loop, name="audit-spool", daemon=True)
            thread.start()
            self._thread, self._thread_pid = thread, os.getpid()

    def close(self) -> None:
        """Stop the replay thread and close the pool."""
        self._stop.set()
        if self._thread is not None and self._thread_pid == os.getpid():
            self._thread.join(timeout=5)
        self._thread = None
        self.engine.dispose()

    def _replay_loop(self) -> None:
        while not self._stop.wait(self.replay_seconds):
            try:
                self.replay()
            except Exception:  # never let the thread die: the next round retries
                log.exception("audit spool replay failed")

    # Health ------------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise when the database does not answer (within the deadline)."""
        self.bounded(self._ping)

    def _ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

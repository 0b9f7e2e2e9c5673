"""Replay protection for bearer JWTs: each `jti` is accepted once until its token expires.

`ReplayCache` is the whole interface: `DatabaseReplayCache` (the audit database, the
default: shared by every worker), `RedisReplayCache` (Redis `SET key 1 NX EXAT exp`, when
the rate limits use Redis) or `MemoryReplayCache` (one process).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from typing import Any, Protocol

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite

from service.audit.store import jwt_replay

log = logging.getLogger(__name__)


class ReplayCache(Protocol):
    def first_use(self, key: str, expires_at: float) -> bool:
        """Remember `key` until `expires_at` (epoch seconds); False when already seen."""
        ...


class MemoryReplayCache:
    """A per-process replay cache: fine for one worker, not shared between workers."""

    def __init__(self, max_entries: int = 100_000):
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def first_use(self, key: str, expires_at: float) -> bool:
        now = time.time()
        with self._lock:
            if len(self._seen) >= self._max_entries:
                self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
            seen_until = self._seen.get(key)
            if seen_until is not None and seen_until > now:
                return False
            if len(self._seen) >= self._max_entries:
                # Full of live entries: refuse rather than forget one and allow a replay.
                return False
            self._seen[key] = expires_at
            return True


class DatabaseReplayCache:
    """`ReplayCache` in the audit database (`jwt_replay`): one use per jti across every
    worker and replica that shares the database, with nothing else to run.

    A token is remembered until it expires; the unique key makes the second use lose,
    whichever worker it reaches. When the database does not answer (within its deadline)
    the token is refused: fail closed rather than allow a replay. `store` is the
    DurableAuditStore (its engine, and its deadline for each call).
    """

    PRUNE_EVERY = 1000  # expired rows are deleted about once per this many tokens

    def __init__(self, store: Any, clock: Any = time.time):
        self._store = store
        self._clock = clock
        self._uses = 0
        self._lock = threading.Lock()

    def first_use(self, key: str, expires_at: float) -> bool:
        from service.audit.durable import is_unavailable

        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        try:
            return bool(self._store.bounded(self._insert, digest, math.ceil(expires_at)))
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("replay cache unavailable (%s); token refused", type(exc).__name__)
            return False

    def _insert(self, digest: str, expires_at: int) -> bool:
        engine = self._store.engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        now = int(self._clock())
        with engine.begin() as conn:
            if dialect is postgresql:
                # Not waiting for the disk: only a server crash in the next moment could
                # forget a use (then the token could be used once more before it expires).
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            # The same jti after its token expired: the old row guards nothing any more.
            conn.execute(
                delete(jwt_replay).where(
                    (jwt_replay.c.key_hash == digest) & (jwt_replay.c.expires_at < now)
                )
            )
            inserted = conn.execute(
                dialect.insert(jwt_replay)
                .values(key_hash=digest, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=["key_hash"])
                .returning(jwt_replay.c.key_hash)  # a row only when this use was the first
            ).first()
            if self._due_for_pruning():
                conn.execute(delete(jwt_replay).where(jwt_replay.c.expires_at < now))
        return inserted is not None

    def _due_for_pruning(self) -> bool:
        with self._lock:
            self._uses += 1
            return self._uses % self.PRUNE_EVERY == 1

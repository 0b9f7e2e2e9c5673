"""One rate-limit budget per caller across /v1/* and /cds-services, in fixed windows.

Where the counts live (CDS_RATE_LIMIT_STORAGE_URL):

- `database://` (the default): the audit database's `rate_limit_windows` table, one row
  per budget, counted by one upsert. Every gunicorn worker and replica that
  shares the database shares the budget, with nothing else to run. The `limits` library
  has no SQL storage, hence `DatabaseCounter`.
- `redis://…`: Redis through `limits` (faster; the same budget for every worker).
- `memory://`: per process (a budget per worker: for one worker, or tests).

Why not Flask-Limiter (a wrapper around `limits`, used here before): it resolves every
application, route and decorator limit again on each request, about 0.25 ms of a 1.7 ms
recommendation (bench/profile_http.py); this service has one limit.

While the shared storage cannot be reached (or, for the database, does not answer within
its deadline) the count falls back to memory (never a refused request for want of a
counter) and the shared storage is tried again after a short pause.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, text
from sqlalchemy.dialects import postgresql, sqlite

from service.audit.store import rate_limit_windows

log = logging.getLogger(__name__)

RETRY_SHARED_STORAGE_SECONDS = 5.0
DATABASE = "database://"
# Old windows are deleted about once per this many hits in a process.
PRUNE_EVERY = 1000
# A count need not wait for the disk: a server crash loses at most the last few counts
# (the rows stay consistent). Ten times faster per request on PostgreSQL.
RELAXED_COMMIT = text("SET LOCAL synchronous_commit = off")


@dataclass(frozen=True)
class Window:
    """The caller's budget after this request."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window restarts

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers every limited response carries."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def budget_key(caller_key: str, own_budgets: Collection[str] = ()) -> str:
    """The budget a request with this caller key counts against.

    An API key (`key:…`) or an address (`addr:…`, an open API or a failed login) has its
    own. A JWT caller (`jwt:<issuer>#<subject>`) has its own only when listed in
    `own_budgets` (CDS_RATE_LIMIT_SUBJECTS); every other subject of an issuer shares the
    issuer's budget, so minting tokens with fresh subjects buys no extra requests.
    """
    if caller_key.startswith("jwt:") and caller_key not in own_budgets:
        return "issuer:" + caller_key.removeprefix("jwt:").split("#", 1)[0]  # iss: no fragment
    return caller_key


class DatabaseCounter:
    """Fixed windows counted in the audit database, one row per budget.

    A window starts at its budget's first hit and lasts the limit's period, as `limits`
    counts in memory and Redis; one upsert counts a hit, or starts a new window when the
    last one is over. `store` is the DurableAuditStore: its engine, and its deadline.
    """

    def __init__(self, store: Any = None, clock: Any = time.time):
        self._given_store = store
        self._clock = clock
        self._hits = 0
        self._lock = threading.Lock()

    @property
    def _store(self) -> Any:
        """The store given, else the current app's audit store."""
        if self._given_store is not None:
            return self._given_store
        from flask import current_app

        return current_app.extensions["audit"]

    def hit(self, item: RateLimitItem, key: str) -> Window:
        """Count one hit for `key`; raises what the database raises (the caller falls back)."""
        now_ms = int(self._clock() * 1000)
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        period_ms = item.get_expiry() * 1000
        hits, ends_ms = self._store.bounded(self._count, digest, now_ms, period_ms)
        return Window(hits <= item.amount, item.amount, max(0, item.amount - hits), ends_ms / 1000)

    def _count(self, digest: str, now_ms: int, period_ms: int) -> tuple[int, int]:
        engine = self._store.engine
        table = rate_limit_windows
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        over = table.c.expires_at_ms <= now_ms  # the stored window has ended: start anew
        statement = (
            dialect.insert(table)
            .values(
                key_hash=digest, window_start_ms=now_ms, hits=1, expires_at_ms=now_ms + period_ms
            )
            .on_conflict_do_update(
                index_elements=["key_hash"],
                set_={
                    "hits": case((over, 1), else_=table.c.hits + 1),
                    "window_start_ms": case((over, now_ms), else_=table.c.window_start_ms),
                    "expires_at_ms": case((over, now_ms + period_ms), else_=table.c.expires_at_ms),
                },
            )
            .returning(table.c.hits, table.c.expires_at_ms)
        )
        with engine.begin() as conn:
            if dialect is postgresql:
                conn.execute(RELAXED_COMMIT)
            hits, ends_ms = conn.execute(statement).one()
            if self._due_for_pruning():
                conn.execute(delete(table).where(table.c.expires_at_ms <= now_ms))
        return int(hits), int(ends_ms)

    def _due_for_pruning(self) -> bool:
        with self._lock:
            self._hits += 1
            return self._hits % PRUNE_EVERY == 1


class RateLimit:
    """`limit` (e.g. "600 per minute") per caller key, in `storage_uri`.

    `database://` counts in `store` (a DurableAuditStore), by default the current app's.
    """

    def __init__(self, limit: str, storage_uri: str = "memory://", store: Any = None):
        self.item = parse(limit)
        self._counter: DatabaseCounter | None = None
        self._primary: FixedWindowRateLimiter | None = None
        if storage_uri.startswith(DATABASE):
            self._counter = DatabaseCounter(store)
        else:
            self._primary = FixedWindowRateLimiter(
                storage_from_string(storage_uri, wrap_exceptions=True)
            )
        shared = not storage_uri.startswith("memory://")
        self._fallback = FixedWindowRateLimiter(MemoryStorage()) if shared else None
        self._primary_down_until = 0.0

    def hit(self, key: str) -> Window:
        """Count one request for `key` and return its window."""
        if self._fallback is not None and time.monotonic() < self._primary_down_until:
            return self._hit_limiter(self._fallback, key)
        if self._counter is not None:
            from service.audit.durable import is_unavailable

            try:
                return self._counter.hit(self.item, key)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                return self._fall_back(exc, key)
        assert self._primary is not None
        try:
            return self._hit_limiter(self._primary, key)
        except StorageError as exc:
            if self._fallback is None:
                raise
            return self._fall_back(exc.storage_error, key)

    def _fall_back(self, error: BaseException, key: str) -> Window:
        assert self._fallback is not None
        log.warning("rate-limit storage unavailable (%s); counting in memory", type(error).__name__)
        self._primary_down_until = time.monotonic() + RETRY_SHARED_STORAGE_SECONDS
        return self._hit_limiter(self._fallback, key)

    def _hit_limiter(self, limiter: FixedWindowRateLimiter, key: str) -> Window:
        allowed = limiter.hit(self.item, key)
        stats = limiter.get_window_stats(self.item, key)
        return Window(allowed, self.item.amount, stats.remaining, stats.reset_time)

"""One rate-limit budget per caller across /v1/* and /cds-services, in fixed windows.

Where the counts live (CDS_RATE_LIMIT_STORAGE_URL):

- `database://` (the default): the audit database's `rate_limit_windows` table, one row
  per budget and window, counted by one upsert. Every gunicorn worker and replica that
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
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from service.audit.store import rate_limit_windows

log = logging.getLogger(__name__)

RETRY_SHARED_STORAGE_SECONDS = 5.0
DATABASE = "database://"
# Old windows are deleted about once per this many hits in a process.
PRUNE_EVERY = 1000


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


def budget_key(caller: str | None, address: str, own_budgets: Collection[str] = ()) -> str:
    """The budget a request counts against.

    An API key (`key:…`) has its own. A JWT caller (`jwt:<issuer>#<subject>`) has its own
    only when listed in `own_budgets` (CDS_RATE_LIMIT_SUBJECTS); every other subject of
    an issuer shares the issuer's budget, so minting tokens with fresh subjects buys no
    extra requests. A request without an identity (an open API, a failed login) counts
    against its client address.
    """
    if caller is None:
        return f"addr:{address}"
    if caller.startswith("jwt:") and caller not in own_budgets:
        return "issuer:" + caller.removeprefix("jwt:").split("#", 1)[0]  # iss has no fragment
    return caller


class DatabaseCounter:
    """Fixed windows aligned to the clock, counted in the audit database.

    `store` is the DurableAuditStore: its engine, and its deadline for each call.
    """

    def __init__(self, store: Any, clock: Any = time.time):
        self._store = store
        self._clock = clock
        self._hits = 0
        self._lock = threading.Lock()

    def hit(self, item: RateLimitItem, key: str) -> Window:
        """Count one hit for `key`; raises what the database raises (the caller falls back)."""
        period = item.get_expiry()
        now = self._clock()
        start = int(now // period * period)
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        hits = self._store.bounded(self._count, digest, start, start + period, int(now))
        return Window(hits <= item.amount, item.amount, max(0, item.amount - hits), start + period)

    def _count(self, digest: str, start: int, expires_at: int, now: int) -> int:
        engine = self._store.engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(rate_limit_windows).values(
            key_hash=digest, window_start=start, hits=1, expires_at=expires_at
        )
        statement = statement.on_conflict_do_update(
            index_elements=["key_hash", "window_start"],
            set_={"hits": rate_limit_windows.c.hits + 1},
        ).returning(rate_limit_windows.c.hits)
        with engine.begin() as conn:
            hits = int(conn.execute(statement).scalar_one())
            if self._due_for_pruning():
                conn.execute(
                    delete(rate_limit_windows).where(rate_limit_windows.c.expires_at <= now)
                )
        return hits

    def _due_for_pruning(self) -> bool:
        with self._lock:
            self._hits += 1
            return self._hits % PRUNE_EVERY == 1


class RateLimit:
    """`limit` (e.g. "600 per minute") per caller key, in `storage_uri`.

    `database://` needs `store` (the app's DurableAuditStore).
    """

    def __init__(self, limit: str, storage_uri: str = "memory://", store: Any = None):
        self.item = parse(limit)
        self._counter: DatabaseCounter | None = None
        self._primary: FixedWindowRateLimiter | None = None
        if storage_uri.startswith(DATABASE):
            if store is None:
                raise ValueError("database:// rate limits need the audit store")
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
        log.warning("rate-limit storage unavailable (%s); counting in memory",
                    type(error).__name__)
        self._primary_down_until = time.monotonic() + RETRY_SHARED_STORAGE_SECONDS
        return self._hit_limiter(self._fallback, key)

    def _hit_limiter(self, limiter: FixedWindowRateLimiter, key: str) -> Window:
        allowed = limiter.hit(self.item, key)
        stats = limiter.get_window_stats(self.item, key)
        return Window(allowed, self.item.amount, stats.remaining, stats.reset_time)

"""One rate-limit budget per caller across /v1/*, counted by the `limits` library.

Why not Flask-Limiter (a wrapper around the same library, used here before): it resolves
every application, route and decorator limit again on each request, about 0.25 ms of a
1.7 ms recommendation (bench/profile_http.py). This service has a single limit, so a
request costs one fixed-window hit and one read of the window for the headers.

Memory storage counts per process; `redis://…` shares the budget between workers and
replicas. While Redis cannot be reached the count falls back to memory (never a refused
request for want of a counter) and Redis is tried again after a short pause.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

RETRY_SHARED_STORAGE_SECONDS = 5.0


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


class RateLimit:
    """`limit` (e.g. "600 per minute") per caller key, in `storage_uri`."""

    def __init__(self, limit: str, storage_uri: str = "memory://"):
        self.item = parse(limit)
        self._primary = FixedWindowRateLimiter(
            storage_from_string(storage_uri, wrap_exceptions=True)
        )
        shared = not storage_uri.startswith("memory://")
        self._fallback = FixedWindowRateLimiter(MemoryStorage()) if shared else None
        self._primary_down_until = 0.0

    def hit(self, key: str) -> Window:
        """Count one request for `key` and return its window."""
        limiter = self._limiter()
        try:
            allowed = limiter.hit(self.item, key)
            stats = limiter.get_window_stats(self.item, key)
        except StorageError as exc:
            if self._fallback is None or limiter is self._fallback:
                raise
            log.warning("rate-limit storage unavailable (%s); counting in memory",
                        type(exc.storage_error).__name__)
            self._primary_down_until = time.monotonic() + RETRY_SHARED_STORAGE_SECONDS
            return self.hit(key)
        return Window(allowed, self.item.amount, stats.remaining, stats.reset_time)

    def _limiter(self) -> FixedWindowRateLimiter:
        if self._fallback is not None and time.monotonic() < self._primary_down_until:
            return self._fallback
        return self._primary

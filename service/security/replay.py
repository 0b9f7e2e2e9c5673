"""Replay protection for bearer JWTs: each `jti` is accepted once until its token expires.

`ReplayCache` is the whole interface, so a shared store (Redis `SET key 1 NX EXAT exp`)
can replace the in-memory default when more than one process serves requests.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


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

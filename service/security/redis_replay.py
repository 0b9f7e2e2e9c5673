"""A replay cache shared by every worker and replica: Redis `SET key 1 NX EXAT exp`."""

from __future__ import annotations

import redis


class RedisReplayCache:
    """`ReplayCache` on Redis (the same server as the shared rate limits)."""

    def __init__(self, url: str, prefix: str = "cds:jti:"):
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def first_use(self, key: str, expires_at: float) -> bool:
        # Redis down: refuse the token (fail closed) rather than allow a replay.
        try:
            return bool(self._client.set(self._prefix + key, 1, nx=True, exat=int(expires_at) + 1))
        except redis.RedisError:
            return False

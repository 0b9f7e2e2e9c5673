"""The shared JWT replay cache: a jti is accepted once across every worker and replica."""

from __future__ import annotations

import time
import uuid

from service.security.redis_replay import RedisReplayCache


def test_a_jti_is_first_used_once_across_processes(redis_url):
    key = f"https://ehr.example\x00{uuid.uuid4().hex}"
    expires = time.time() + 60
    one, other = RedisReplayCache(redis_url), RedisReplayCache(redis_url)  # two workers
    assert one.first_use(key, expires) is True
    assert other.first_use(key, expires) is False
    assert one.first_use(key + "-other", expires) is True


def test_redis_down_refuses_rather_than_allows_a_replay():
    from tests.tcp_proxy import free_port

    cache = RedisReplayCache(f"redis://127.0.0.1:{free_port()}/0")
    assert cache.first_use("k", time.time() + 60) is False

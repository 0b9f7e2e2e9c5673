"""Replay and rate-limit state in the audit database: the workers agree without Redis.

Two stores on the same database stand for two gunicorn workers (tests/ops/test_shared_
limits.py runs real ones). On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import func, select

from service.audit import migrate
from service.audit.durable import DurableAuditStore
from service.audit.spool import Spool
from service.audit.store import engine_for, jwt_replay, rate_limit_windows
from service.security.ratelimit import RateLimit, budget_key
from service.security.replay import DatabaseReplayCache


@pytest.fixture
def stores(db_url, tmp_path):
    migrate.upgrade(db_url)
    made = [DurableAuditStore(engine_for(db_url), Spool(tmp_path / f"spool-{i}")) for i in range(2)]
    yield made
    for store in made:
        store.close()


def rows(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_each_jti_is_used_once_across_workers(stores):
    first, second = (DatabaseReplayCache(s) for s in stores)
    expires = time.time() + 300
    keys = [f"https://ehr.example\x00{uuid.uuid4()}" for _ in range(10)]
    assert [first.first_use(k, expires) for k in keys] == [True] * 10
    assert [second.first_use(k, expires) for k in keys] == [False] * 10  # the other worker
    assert [first.first_use(k, expires) for k in keys] == [False] * 10


def test_an_expired_jti_row_guards_nothing_and_is_pruned(stores):
    cache = DatabaseReplayCache(stores[0])
    assert cache.first_use("iss\x00old", time.time() - 10) is True
    assert cache.first_use("iss\x00old", time.time() + 300) is True  # its token is dead
    assert cache.first_use("iss\x00old", time.time() + 300) is False
    for i in range(3):
        cache.first_use(f"iss\x00gone-{i}", time.time() - 10)
    cache._uses = 0  # the next use prunes
    cache.first_use("iss\x00fresh", time.time() + 300)
    assert rows(stores[0], jwt_replay) == 2  # "old" (renewed) and "fresh"


def test_a_silent_database_refuses_the_token(stores, monkeypatch):
    from service.audit.deadline import DatabaseTimeout

    cache = DatabaseReplayCache(stores[0])

    def silent(*args):
        raise DatabaseTimeout("no answer")

    monkeypatch.setattr(stores[0], "bounded", silent)
    assert cache.first_use("iss\x00jti", time.time() + 300) is False  # fail closed


def test_one_budget_across_workers(stores):
    first, second = (RateLimit("5 per minute", "database://", store=s) for s in stores)
    key = "key:" + uuid.uuid4().hex[:12]
    allowed = [(first if i % 2 else second).hit(key).allowed for i in range(8)]
    assert allowed == [True] * 5 + [False] * 3
    window = first.hit(key)
    assert window.remaining == 0 and window.limit == 5
    assert time.time() < window.reset_at <= time.time() + 61
    assert second.hit("key:another").remaining == 4  # another caller, its own budget


def test_old_windows_are_pruned(stores):
    limit = RateLimit("5 per second", "database://", store=stores[0])
    for i in range(3):
        limit.hit(f"caller-{i}")
    limit._counter._clock = lambda: time.time() + 5  # the windows above are over
    limit._counter._hits = 0  # the next hit prunes
    limit.hit("caller-new")
    assert rows(stores[0], rate_limit_windows) == 1


def test_a_silent_database_counts_in_memory_for_a_while(stores, monkeypatch, caplog):
    from service.audit.deadline import DatabaseTimeout

    limit = RateLimit("2 per minute", "database://", store=stores[0])

    def silent(*args):
        raise DatabaseTimeout("no answer")

    monkeypatch.setattr(stores[0], "bounded", silent)
    assert [limit.hit("k").allowed for _ in range(3)] == [True, True, False]  # still limited
    assert any("counting in memory" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("caller", "own", "expected"),
    [
        ("addr:10.0.0.9", (), "addr:10.0.0.9"),
        ("key:0123456789ab", (), "key:0123456789ab"),
        ("jwt:https://ehr.example#alice", (), "issuer:https://ehr.example"),
        ("jwt:https://ehr.example#bob", (), "issuer:https://ehr.example"),
        (
            "jwt:https://ehr.example#alice",
            ("jwt:https://ehr.example#alice",),
            "jwt:https://ehr.example#alice",
        ),
        ("jwt:https://ehr.example#a#b", (), "issuer:https://ehr.example"),
    ],
)
def test_budget_keys(caller, own, expected):
    assert budget_key(caller, own) == expected


def test_a_window_starts_again_after_its_period(stores):
    limit = RateLimit("2 per minute", "database://", store=stores[0])
    start = time.time()
    limit._counter._clock = lambda: start
    assert [limit.hit("k").allowed for _ in range(3)] == [True, True, False]
    limit._counter._clock = lambda: start + 59.9  # still the same window
    assert limit.hit("k").allowed is False
    limit._counter._clock = lambda: start + 60
    window = limit.hit("k")
    assert window.allowed is True and window.remaining == 1
    assert window.reset_at == pytest.approx(start + 120, abs=0.01)

"""A silent PostgreSQL partition: the service keeps answering within its timeouts.

The TCP proxy between the app and PostgreSQL black-holes (connections stay open, nothing
comes back, no reset), as a firewall dropping packets does. Each request must finish
within a bound set by the configured statement timeout: the audit write counts as
"database unavailable" and is spooled, the rate limit counts in memory, /readyz says
degraded. When the network is back, every spooled record is stored exactly once.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from service import create_app
from service.audit import migrate
from service.audit.store import engine_for
from tests.tcp_proxy import TcpProxy, free_port

pytestmark = pytest.mark.postgres
KEY = "partition-test-key"
HEADERS = {"X-API-Key": KEY}
PROFILE = {"age": 66, "sex": "female", "kidney": {"egfr": 50}}
TIMEOUT = 1.0  # CDS_DATABASE_STATEMENT_TIMEOUT_SECONDS for this test
# A request makes at most a handful of bounded database calls; far below "for ever".
BOUND = 20 * TIMEOUT


def bounded(call):
    """Run `call()` in a thread; its result, or fail when it has not finished in BOUND."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), "the request hung on the silent database"
    return result[0]


def stored_ids(url: str) -> list[str]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT id FROM evaluations"))]
    finally:
        engine.dispose()


@pytest.fixture
def partitioned(postgres_url, tmp_path):
    migrate.upgrade(postgres_url)
    target = urlsplit(postgres_url)
    proxy = TcpProxy(free_port(), (target.hostname, target.port))
    proxy.start()
    proxied = postgres_url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{proxy.port}")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": proxied,
            "API_KEYS": [KEY],
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "SPOOL_REPLAY_SECONDS": 3600,
            "MIGRATE_ON_START": False,
            "DATABASE_STATEMENT_TIMEOUT_SECONDS": TIMEOUT,
            "DATABASE_CONNECT_TIMEOUT_SECONDS": 1,
        }
    )
    try:
        yield app, proxy, postgres_url
    finally:
        proxy.stop()  # also frees any call still waiting on the silent connection
        app.extensions["audit"].close()


def test_a_silent_partition_delays_no_answer_beyond_the_timeouts(partitioned):
    app, proxy, url = partitioned
    client = app.test_client()
    before = client.post("/v1/recommendations", json=PROFILE, headers=HEADERS)
    assert before.status_code == 200  # pooled connections exist now

    proxy.black_hole()
    answered = []
    for _ in range(3):
        response = bounded(
            lambda: client.post("/v1/recommendations", json=PROFILE, headers=HEADERS)
        )
        assert response.status_code == 200
        answered.append(response.get_json()["evaluation_id"])
    ready = bounded(lambda: client.get("/readyz"))
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"status": "unavailable", "error": "DatabaseTimeout"}
    assert body["checks"]["spool"]["pending"] == 3
    record = bounded(lambda: client.get(f"/v1/evaluations/{answered[0]}", headers=HEADERS))
    assert record.get_json()["audit_state"] == "spooled"

    proxy.restore()
    store = app.extensions["audit"]
    assert bounded(store.replay) == 3
    ids = stored_ids(url)
    assert sorted(ids) == sorted([before.get_json()["evaluation_id"], *answered])  # once each


def test_the_engine_carries_the_timeout_settings(postgres_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": postgres_url,
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "DATABASE_STATEMENT_TIMEOUT_SECONDS": 2.5,
            "DATABASE_TCP_USER_TIMEOUT_SECONDS": 7,
            "DATABASE_KEEPALIVES_IDLE_SECONDS": 11,
        }
    )
    store = app.extensions["audit"]
    try:
        assert store.deadline_seconds == 2.5
        with store.engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "2500ms"
            schema = urlsplit(postgres_url).query  # the URL's own options are kept
            assert conn.execute(text("SHOW search_path")).scalar_one() in schema
            params = conn.connection.dbapi_connection.info.get_parameters()
        assert params["keepalives"] == "1" and params["keepalives_idle"] == "11"
        assert params["tcp_user_timeout"] == "7000"
    finally:
        store.close()

"""The database refuses connections: every evaluation is answered and spooled; when it is
back, each spooled record is written exactly once."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from service import create_app
from service.audit import migrate
from service.audit.store import engine_for
from tests.tcp_proxy import TcpProxy, free_port

KEY = "outage-test-key"
HEADERS = {"X-API-Key": KEY}
PROFILE = {
    "age": 66,
    "sex": "female",
    "kidney": {"egfr": 50},
    "medications": [{"name": "Cipro 500 mg"}],
}


def spooled_total(client) -> float:
    text_ = client.get("/metrics").get_data(as_text=True)
    return sum(
        float(v)
        for v in re.findall(r'^cds_audit_spooled_total\{kind="evaluation"\} (\S+)$', text_, re.M)
    )


def stored_ids(url: str) -> list[str]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT id FROM evaluations"))]
    finally:
        engine.dispose()


def run_outage(client, app, restore, url: str) -> None:
    before = spooled_total(client)
    answered = []
    for _ in range(12):
        response = client.post("/v1/recommendations", json=PROFILE, headers=HEADERS)
        assert response.status_code == 200  # the service keeps answering
        answered.append(response.get_json()["evaluation_id"])
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "unavailable"
    assert body["checks"]["spool"] == {"status": "pending", "pending": 12, "rejected": 0}
    assert spooled_total(client) - before == 12
    # The record is readable while it waits.
    record = client.get(f"/v1/evaluations/{answered[0]}", headers=HEADERS).get_json()
    assert record["audit_state"] == "spooled" and record["disposition"] == "caution"

    restore()
    # Still spooling order: a record made now queues behind the others.
    late = client.post("/v1/recommendations", json=PROFILE, headers=HEADERS)
    answered.append(late.get_json()["evaluation_id"])
    store = app.extensions["audit"]
    assert store.replay() == 13
    assert store.replay() == 0  # replaying again writes nothing twice
    ids = stored_ids(url)
    assert sorted(ids) == sorted(answered)  # each exactly once
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["checks"]["spool"]["pending"] == 0
    stored = client.get(f"/v1/evaluations/{answered[0]}", headers=HEADERS).get_json()
    assert stored["audit_state"] == "stored"
    # Back to normal: written straight to the database.
    client.post("/v1/recommendations", json=PROFILE, headers=HEADERS)
    assert len(stored_ids(url)) == 14 and store.spool.pending() == 0


def test_sqlite_unreachable_then_back(tmp_path):
    folder = tmp_path / "not-yet"  # SQLite cannot open a file in a folder that is missing
    url = f"sqlite:///{folder / 'audit.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "API_KEYS": [KEY],
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "SPOOL_REPLAY_SECONDS": 3600,
        }
    )
    client = app.test_client()
    try:
        # Unreachable at start, so not migrated either: the replay migrates first.
        run_outage(client, app, lambda: folder.mkdir(), url)
    finally:
        app.extensions["audit"].close()


@pytest.mark.postgres
def test_postgres_refusing_connections_then_back(postgres_url, tmp_path):
    migrate.upgrade(postgres_url)
    target = urlsplit(postgres_url)
    port = free_port()  # nothing listens here: connections are refused
    proxied = postgres_url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{port}")
    proxy = TcpProxy(port, (target.hostname, target.port))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": proxied,
            "API_KEYS": [KEY],
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "SPOOL_REPLAY_SECONDS": 3600,
        }
    )
    client = app.test_client()
    try:
        run_outage(client, app, proxy.start, postgres_url)
    finally:
        app.extensions["audit"].close()
        proxy.stop()


def test_the_replay_thread_empties_the_spool_by_itself(tmp_path):
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'audit.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "API_KEYS": [KEY],
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "SPOOL_REPLAY_SECONDS": 0.1,
        }
    )
    client = app.test_client()
    try:
        ids = [
            client.post("/v1/recommendations", json=PROFILE, headers=HEADERS).get_json()[
                "evaluation_id"
            ]
            for _ in range(5)
        ]
        assert app.extensions["audit"].spool.pending() == 5
        folder.mkdir()
        deadline = time.monotonic() + 10
        while app.extensions["audit"].spool.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(stored_ids(url)) == sorted(ids)
    finally:
        app.extensions["audit"].close()


def test_cards_and_feedback_spool_in_order_and_replay_once(tmp_path):
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'audit.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "SPOOL_REPLAY_SECONDS": 3600,
        }
    )
    store = app.extensions["audit"]
    try:
        with app.app_context():
            from service.audit import evaluation_row  # noqa: F401 - the API the hooks use

        row = {
            "id": "e-1",
            "created_at": "2026-11-25T12:00:00+00:00",
            "interface": "cds-hooks",
            "caller": None,
            "kb_version": "1",
            "disposition": "caution",
            "finding_codes": ["kidney.moderate"],
            "profile_hash": "0" * 64,
            "profile": None,
        }
        assert store.record_evaluation(row) is True
        store.record_cards("e-1", "svc", [("c-1", "kidney.moderate")])
        # While the database is down, the card is still known (feedback can refer to it).
        assert store.card("c-1")["evaluation_id"] == "e-1"
        item = {
            "card_uuid": "c-1",
            "evaluation_id": "e-1",
            "service_id": "svc",
            "outcome": "overridden",
            "outcome_timestamp": "2026-11-25T12:01:00.000Z",
            "override_reason": {"userComment": "declined"},
            "accepted_suggestions": None,
            "caller": None,
        }
        assert store.record_feedback(item) is True
        assert store.record_feedback(item) is True  # spooled twice; stored once below
        assert store.spool.pending() == 4
        folder.mkdir()
        assert store.replay() == 3
        assert store.get_evaluation("e-1")["audit_state"] == "stored"
        assert store.card("c-1")["service_id"] == "svc"
        assert len(store.feedback_for("c-1")) == 1
    finally:
        store.close()

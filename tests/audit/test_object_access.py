"""Object-level access to the audit trail: a caller reads its own evaluations only.

Two API keys, A and B: B must not read A's record (404, as for an id never issued), an
audit reader reads both, and the raw profile never leaves through the API.
"""

from __future__ import annotations

import hashlib

import pytest

from service import create_app

KEY_A = "key-a-object-access"
KEY_B = "key-b-object-access"
AUDITOR = "key-auditor-object-access"
PROFILE = {"age": 70, "sex": "male", "kidney": {"egfr": 40}}


def fingerprint(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:12]


@pytest.fixture
def client(db_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "STORE_RAW_PROFILES": True,
            "API_KEYS": [KEY_A, KEY_B, AUDITOR],
            "AUDIT_READERS": [fingerprint(AUDITOR)],
        }
    )
    yield app.test_client()
    app.extensions["audit"].close()


def evaluate(client, key: str) -> str:
    answer = client.post("/v1/recommendations", json=PROFILE, headers={"X-API-Key": key})
    assert answer.status_code == 200
    return answer.get_json()["evaluation_id"]


def read(client, key: str, evaluation_id: str):
    return client.get(f"/v1/evaluations/{evaluation_id}", headers={"X-API-Key": key})


def test_a_caller_reads_its_own_record_without_the_raw_profile(client):
    evaluation_id = evaluate(client, KEY_A)
    record = read(client, KEY_A, evaluation_id)
    assert record.status_code == 200
    body = record.get_json()
    assert body["caller"] == fingerprint(KEY_A)
    assert "profile" not in body  # stored (STORE_RAW_PROFILES) but never sent


def test_another_caller_gets_404_like_an_unknown_id(client):
    evaluation_id = evaluate(client, KEY_A)
    refused = read(client, KEY_B, evaluation_id)
    unknown = read(client, KEY_B, "00000000-0000-0000-0000-000000000000")
    assert refused.status_code == unknown.status_code == 404
    assert refused.get_json()["detail"] == unknown.get_json()["detail"]
    assert "disposition" not in refused.get_data(as_text=True)


def test_the_audit_role_reads_every_record_still_without_the_profile(client):
    ids = [evaluate(client, KEY_A), evaluate(client, KEY_B)]
    records = [read(client, AUDITOR, i) for i in ids]
    assert [r.status_code for r in records] == [200, 200]
    assert [r.get_json()["caller"] for r in records] == [fingerprint(KEY_A), fingerprint(KEY_B)]
    assert all("profile" not in r.get_json() for r in records)


def test_a_spooled_record_is_guarded_the_same_way(tmp_path):
    folder = tmp_path / "missing"  # SQLite cannot open it: every record is spooled
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'a.sqlite3'}",
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
            "STORE_RAW_PROFILES": True,
            "SPOOL_REPLAY_SECONDS": 3600,
            "API_KEYS": [KEY_A, KEY_B],
        }
    )
    client = app.test_client()
    try:
        evaluation_id = evaluate(client, KEY_A)
        own = read(client, KEY_A, evaluation_id)
        assert own.status_code == 200 and own.get_json()["audit_state"] == "spooled"
        assert "profile" not in own.get_json()
        assert read(client, KEY_B, evaluation_id).status_code == 404
    finally:
        app.extensions["audit"].close()

"""The audit store on SQLite and PostgreSQL: one row per evaluation, cards, feedback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service import create_app
from service.audit import AuditStore

KEY = "audit-test-key"


def row(evaluation_id: str = "e-1", **fields):
    base = {
        "id": evaluation_id,
        "created_at": datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        "interface": "api",
        "caller": "key:abc",
        "kb_version": "2026.11.1",
        "disposition": "caution",
        "finding_codes": ["kidney.moderate", "interaction.fluoroquinolone"],
        "profile_hash": "0" * 64,
        "profile": None,
    }
    base.update(fields)
    return base


@pytest.fixture
def store(db_url):
    store = AuditStore.from_url(db_url)
    store.create_schema()
    yield store
    store.engine.dispose()


def test_an_evaluation_is_stored_once(store):
    assert store.record_evaluation(row()) is True
    assert store.record_evaluation(row()) is False  # the same id again: not a second row
    stored = store.get_evaluation("e-1")
    assert stored["finding_codes"] == ["kidney.moderate", "interaction.fluoroquinolone"]
    assert stored["disposition"] == "caution" and stored["profile"] is None
    assert datetime.fromisoformat(stored["created_at"]) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert store.get_evaluation("nope") is None


def test_cards_and_feedback_link_to_their_evaluation(store):
    store.record_evaluation(row())
    store.record_cards("e-1", "magnesium-order-select", [("c-1", "kidney.moderate"), ("c-2", None)])
    # A replayed batch (after an outage) stores nothing twice and does not fail.
    store.record_cards("e-1", "magnesium-order-select", [("c-2", None), ("c-3", "labs.low")])
    assert store.card("c-1")["evaluation_id"] == "e-1"
    assert store.card("c-3")["finding_code"] == "labs.low"
    item = {
        "card_uuid": "c-1",
        "evaluation_id": "e-1",
        "service_id": "magnesium-order-select",
        "outcome": "overridden",
        "outcome_timestamp": "2026-11-25T12:01:00Z",
        "override_reason": {"code": "patient-declined"},
        "accepted_suggestions": None,
        "caller": "jwt:https://ehr.example#client",
    }
    assert store.record_feedback(item) is True
    assert store.record_feedback(item) is False
    assert store.record_feedback({**item, "outcome": "accepted"}) is True
    feedback = store.feedback_for("c-1")
    assert sorted(f["outcome"] for f in feedback) == ["accepted", "overridden"]
    assert all(f["evaluation_id"] == "e-1" for f in feedback)


@pytest.mark.parametrize(("store_raw", "has_profile"), [(False, False), (True, True)])
def test_raw_profiles_only_when_a_setting_asks(db_url, store_raw, has_profile):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "API_KEYS": [KEY],
            "STORE_RAW_PROFILES": store_raw,
            "SECRET_KEY": "x",
        }
    )
    client = app.test_client()
    body = {"age": 70, "sex": "male", "kidney": {"egfr": 40}}
    answer = client.post("/v1/recommendations", json=body, headers={"X-API-Key": KEY})
    assert answer.status_code == 200
    evaluation_id = answer.get_json()["evaluation_id"]
    record = client.get(f"/v1/evaluations/{evaluation_id}", headers={"X-API-Key": KEY})
    assert record.status_code == 200
    stored = record.get_json()
    assert stored["interface"] == "api" and stored["caller"].startswith("key:")
    assert stored["disposition"] == answer.get_json()["disposition"]
    assert stored["finding_codes"] == [f["code"] for f in answer.get_json()["findings"]]
    assert len(stored["profile_hash"]) == 64 and stored["audit_state"] == "stored"
    assert "profile" not in stored  # never through the API
    kept = app.extensions["audit"].get_evaluation(evaluation_id)
    assert (kept["profile"] is not None) is has_profile
    if has_profile:
        assert kept["profile"]["kidney"]["egfr"] == 40
    app.extensions["audit"].close()


def test_evaluation_record_needs_credentials_and_an_existing_id(db_url):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": db_url, "API_KEYS": [KEY], "SECRET_KEY": "x"}
    )
    client = app.test_client()
    assert client.get("/v1/evaluations/whatever").status_code == 401
    missing = client.get("/v1/evaluations/whatever", headers={"X-API-Key": KEY})
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    app.extensions["audit"].close()

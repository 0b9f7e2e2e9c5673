"""Override rates from CDS Hooks feedback, filled the way tests/cds_hooks/test_feedback.py
sends it (scenario B on order-select), with every number asserted; audit role only."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from service import create_app
from service.audit import audit_store
from service.cli import main
from service.reports.access import in_audit_role
from tests.cds_hooks import scenarios
from tests.cds_hooks.test_views import ORDER_SELECT, by_code

AUDIT_KEY, CLINIC_KEY = "audit-key-0123456789", "clinic-key-0123456789"
AUDIT_ID = "key:" + hashlib.sha256(AUDIT_KEY.encode()).hexdigest()[:12]
HL7 = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
OURS = "https://magnesium-cds.example/fhir/CodeSystem/override-reason"


def _app(tmp_path, **extra):
    config = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        "SECRET_KEY": "test-secret",
        "API_KEYS": [AUDIT_KEY, CLINIC_KEY],
        "AUDIT_READERS": [AUDIT_ID],
        "OVERRIDE_RATE_THRESHOLD": 0.5,
        "OVERRIDE_MIN_RESPONSES": 2,
    }
    return create_app({**config, **extra})


def _reason(cards: dict, code: str, coding: dict | None, comment: str | None = None):
    item = {
        "card": cards[code]["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": "2026-11-25T10:00:00Z",
    }
    reason = {}
    if coding:
        reason["reason"] = coding
    if comment:
        reason["userComment"] = comment
    if reason:
        item["overrideReason"] = reason
    return item


def _feed(client) -> list[dict]:
    """Scenario B issued twice; feedback on six of its eight cards."""
    first = by_code(client.post(ORDER_SELECT, json=scenarios.scenario_b_request()).get_json())
    second = by_code(client.post(ORDER_SELECT, json=scenarios.scenario_b_request()).get_json())
    # v2 puts the suggestion (remove the ordered oxide) on the card that decides: the red flag.
    radiating = first["red_flag.radiating_pain"]
    items = [
        {  # as test_accepted_suggestion_is_stored_and_linked
            "card": radiating["uuid"],
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": radiating["suggestions"][0]["uuid"]}],
            "outcomeTimestamp": "2026-11-25T10:00:00Z",
        },
        # as test_feedback_is_idempotent: our "already managed", with a comment
        _reason(
            first,
            "interaction.tetracycline",
            first["interaction.tetracycline"]["overrideReasons"][1],
            "Spacing agreed.",
        ),
        _reason(first, "intake.ul_exceeded", None),  # overridden without a reason
        _reason(
            second,
            "interaction.tetracycline",
            {"system": HL7, "code": "patient-refuses", "display": "Patient refuses"},
        ),
        _reason(
            second,
            "intake.ul_exceeded",
            {"system": OURS, "code": "record-incorrect", "display": "Record wrong"},
        ),
        _reason(
            second,
            "red_flag.radiating_pain",
            {"system": OURS, "code": "benefit-outweighs-risk", "display": "Benefit"},
        ),
    ]
    answer = client.post(ORDER_SELECT + "/feedback", json={"feedback": items}).get_json()
    assert answer == {"received": 6, "recorded": 6}
    return items


EXPECTED_ROWS = [
    # sorted by override rate, then code
    ("intake.ul_exceeded", "2.0.0", 2, 0, 2, 0, 1.0, True),
    ("interaction.tetracycline", "2.0.0", 2, 0, 2, 0, 1.0, True),
    ("red_flag.radiating_pain", "1.0.0", 2, 1, 1, 0, 0.5, False),  # 50 % is not above 50 %
    ("form.oxide_low_absorption", "1.0.0", 2, 0, 0, 2, None, False),
]


@pytest.fixture
def filled(tmp_path):
    app = _app(tmp_path)
    client = app.test_client()
    _feed(client)
    return app, client


def _get(client, key=AUDIT_KEY, query=""):
    headers = {"X-API-Key": key} if key else {}
    return client.get("/v1/reports/feedback" + query, headers=headers)


def test_the_report_counts_every_card_and_answer(filled):
    app, client = filled
    response = _get(client)
    assert response.status_code == 200
    report = response.get_json()
    assert report["cards_issued"] == 8
    assert (report["threshold"], report["min_responses"]) == (0.5, 2)
    rows = [
        (
            r["finding_code"],
            r["rule_version"],
            r["issued"],
            r["accepted"],
            r["overridden"],
            r["no_feedback"],
            r["override_rate"],
            r["flagged"],
        )
        for r in report["rows"]
    ]
    assert rows == EXPECTED_ROWS
    assert report["flagged"] == ["intake.ul_exceeded", "interaction.tetracycline"]


def test_reasons_are_counted_beside_their_hl7_categories(filled):
    _, client = filled
    report = _get(client).get_json()
    by_code = {r["finding_code"]: r for r in report["rows"]}
    assert [
        (x["code"], x["hl7_category"], x["count"])
        for x in by_code["interaction.tetracycline"]["reasons"]
    ] == [
        ("already-managed", "cds-not-applicable", 1),
        ("patient-refuses", "does-not-align-preferences", 1),
    ]
    assert by_code["interaction.tetracycline"]["comments"] == 1  # counted, never shown
    assert "Spacing agreed." not in json.dumps(report)
    assert [
        (x["code"], x["display"], x["count"]) for x in by_code["intake.ul_exceeded"]["reasons"]
    ] == [
        (None, "no reason given", 1),
        ("record-incorrect", "The record data behind this card is wrong or out of date", 1),
    ]
    assert {c["code"]: c["count"] for c in report["hl7_categories"]} == {
        "cds-not-applicable": 2,
        "cds-suboptimal-context": 0,
        "recipient-disagrees-evidence": 0,
        "recipient-concerns-outcomes": 1,
        "does-not-align-preferences": 1,
        "not-convenient-feasible": 0,
    }


def test_the_weekly_trend_follows_the_issue_date(filled):
    app, client = filled
    with app.app_context():
        rows = (
            audit_store()
            .engine.connect()
            .exec_driver_sql("SELECT created_at FROM evaluations")
            .all()
        )
    weeks = {datetime.fromisoformat(str(r[0])).isocalendar()[:2] for r in rows}
    ((year, week),) = weeks
    report = _get(client).get_json()
    (tetracycline,) = [r for r in report["rows"] if r["finding_code"] == "interaction.tetracycline"]
    assert tetracycline["weeks"] == [
        {"week": f"{year}-W{week:02d}", "issued": 2, "accepted": 0, "overridden": 2}
    ]


def test_since_leaves_out_earlier_cards(filled):
    _, client = filled
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    report = _get(client, query=f"?since={tomorrow}").get_json()
    assert (report["cards_issued"], report["rows"], report["since"]) == (0, [], tomorrow)
    assert _get(client, query="?since=yesterday").status_code == 422


def test_markdown_report(filled):
    _, client = filled
    response = _get(client, query="?format=markdown")
    assert response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    assert "| interaction.tetracycline | 2.0.0 | 2 | 0 | 2 | 0 | 100% | **flagged** |" in text
    assert "| red_flag.radiating_pain | 1.0.0 | 2 | 1 | 1 | 0 | 50% |  |" in text
    assert (
        "- Recipient has concerns regarding potential health outcomes "
        "(`recipient-concerns-outcomes`): 1" in text
    )


def test_only_the_audit_role_reads_it(filled, tmp_path):
    _, client = filled
    assert _get(client, key=None).status_code == 401
    refused = _get(client, key=CLINIC_KEY)
    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "This report needs the audit role (CDS_AUDIT_READERS)."


def test_no_audit_role_configured_refuses_everyone(tmp_path):
    client = _app(tmp_path, AUDIT_READERS=[]).test_client()
    response = _get(client)
    assert response.status_code == 403
    assert "No audit role is configured" in response.get_json()["detail"]


def test_an_open_api_cannot_tell_callers_apart_so_refuses(tmp_path):
    client = _app(tmp_path, API_KEYS=[]).test_client()
    assert _get(client, key=None).status_code == 403


def test_audit_role_members_are_exact_caller_ids():
    digest = hashlib.sha256(AUDIT_KEY.encode()).hexdigest()
    assert in_audit_role(AUDIT_ID, [AUDIT_ID])
    assert in_audit_role(AUDIT_ID, [f" {AUDIT_ID} "])
    assert not in_audit_role(AUDIT_ID, [digest])  # the records name the key by 12 hex digits
    assert in_audit_role("jwt:https://idp.example#auditor", ["jwt:https://idp.example#auditor"])
    # A bare subject would admit "auditor" from any trusted issuer.
    assert not in_audit_role("jwt:https://idp.example#auditor", ["auditor"])
    assert not in_audit_role(
        "jwt:https://evil.example#auditor", ["jwt:https://idp.example#auditor"]
    )
    assert not in_audit_role(None, [AUDIT_ID])


def test_the_cards_offer_the_hl7_categories_beside_our_reasons(tmp_path):
    client = _app(tmp_path).test_client()
    card = by_code(client.post(ORDER_SELECT, json=scenarios.scenario_b_request()).get_json())[
        "interaction.tetracycline"
    ]
    assert [(r["system"], r["code"]) for r in card["overrideReasons"]] == [
        (OURS, "benefit-outweighs-risk"),
        (OURS, "already-managed"),
        (OURS, "record-incorrect"),
        (OURS, "patient-declined"),
        (HL7, "cds-not-applicable"),
        (HL7, "cds-suboptimal-context"),
        (HL7, "recipient-disagrees-evidence"),
        (HL7, "recipient-concerns-outcomes"),
        (HL7, "does-not-align-preferences"),
        (HL7, "not-convenient-feasible"),
    ]


def test_the_cli_reads_the_same_database(filled, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    monkeypatch.setenv("CDS_OVERRIDE_MIN_RESPONSES", "2")
    today = datetime.now(UTC).date().isoformat()
    assert main(["report", "feedback", "--json", "--since", today]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cards_issued"] == 8
    assert report["flagged"] == ["intake.ul_exceeded", "interaction.tetracycline"]

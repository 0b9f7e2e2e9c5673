"""POST /cds-services/{id}/feedback: stored once, linked to the evaluation that made the card."""

from __future__ import annotations

import pytest

from service.audit import audit_store
from tests.cds_hooks import scenarios
from tests.cds_hooks.test_views import ORDER_SELECT, PATIENT_VIEW, by_code


@pytest.fixture
def issued(client):
    """The order-select response for scenario B without sciatica (its cards are recorded)."""
    request = scenarios.without_sciatica(scenarios.scenario_b_request())
    return client.post(ORDER_SELECT, json=request).get_json()


def test_accepted_suggestion_is_stored_and_linked(app, client, issued):
    card = by_code(issued)["intake.ul_exceeded"]
    suggestion = card["suggestions"][0]["uuid"]
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": suggestion}],
                "outcomeTimestamp": "2026-11-25T10:00:00Z",
            }
        ]
    }
    response = client.post(ORDER_SELECT + "/feedback", json=body)
    assert response.status_code == 200
    assert response.get_json() == {"received": 1, "recorded": 1}
    with app.app_context():
        [row] = audit_store().feedback_for(card["uuid"])
    assert (
        row["evaluation_id"] == issued["extension"]["org.magnesium-cds.evaluation"]["evaluationId"]
    )
    assert row["outcome"] == "accepted" and suggestion in row["accepted_suggestions"]
    assert row["service_id"] == "magnesium-order-check"


def test_feedback_is_idempotent(app, client, issued):
    card = by_code(issued)["interaction.tetracycline"]
    item = {
        "card": card["uuid"],
        "outcome": "overridden",
        "overrideReason": {"reason": card["overrideReasons"][1], "userComment": "Spacing agreed."},
        "outcomeTimestamp": "2026-11-25T10:00:00Z",
    }
    assert (
        client.post(ORDER_SELECT + "/feedback", json={"feedback": [item]}).get_json()["recorded"]
        == 1
    )
    # The same item again, the timestamp spelled differently: nothing new is stored.
    again = {**item, "outcomeTimestamp": "2026-11-25T10:00:00.000+00:00"}
    assert client.post(ORDER_SELECT + "/feedback", json={"feedback": [again, item]}).get_json() == {
        "received": 2,
        "recorded": 0,
    }
    with app.app_context():
        [row] = audit_store().feedback_for(card["uuid"])
    assert (
        "already-managed" in row["override_reason"] and "Spacing agreed." in row["override_reason"]
    )


def test_overridden_without_a_reason_is_fine(client, issued):
    card = issued["cards"][0]
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-25T10:00:00Z",
            }
        ]
    }
    assert client.post(ORDER_SELECT + "/feedback", json=body).status_code == 200


def test_a_card_from_another_service_or_unknown_is_422(client, issued):
    card = issued["cards"][0]
    item = {
        "card": card["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": "2026-11-25T10:00:00Z",
    }
    response = client.post(PATIENT_VIEW + "/feedback", json={"feedback": [item]})
    assert response.status_code == 422
    assert response.get_json()["issue"][0]["expression"] == ["feedback[0].card"]
    item["card"] = "00000000-0000-0000-0000-000000000000"
    assert client.post(ORDER_SELECT + "/feedback", json={"feedback": [item]}).status_code == 422


@pytest.mark.parametrize(
    ("item", "expression"),
    [
        ({"outcome": "overridden", "outcomeTimestamp": "2026-11-25T10:00:00Z"}, "feedback[0].card"),
        (
            {"card": "CARD", "outcome": "ignored", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
            "feedback[0].outcome",
        ),
        ({"card": "CARD", "outcome": "overridden"}, "feedback[0].outcomeTimestamp"),
        (
            {"card": "CARD", "outcome": "overridden", "outcomeTimestamp": "yesterday"},
            "feedback[0].outcomeTimestamp",
        ),
        (
            {"card": "CARD", "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
            "feedback[0].acceptedSuggestions",
        ),
        (
            {
                "card": "CARD",
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-25T10:00:00Z",
                "overrideReason": "because",
            },
            "feedback[0].overrideReason",
        ),
    ],
)
def test_malformed_items_are_400_and_nothing_is_stored(app, client, issued, item, expression):
    card = issued["cards"][0]["uuid"]
    item = {k: (card if v == "CARD" else v) for k, v in item.items()}
    good = {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-25T11:00:00Z"}
    response = client.post(ORDER_SELECT + "/feedback", json={"feedback": [item, good]})
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == [expression]
    with app.app_context():
        assert audit_store().feedback_for(card) == []


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": {}}, []])
def test_the_body_must_hold_a_feedback_array(client, body):
    assert client.post(ORDER_SELECT + "/feedback", json=body).status_code == 400

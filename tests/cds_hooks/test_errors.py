"""Errors on CDS Hooks routes are FHIR OperationOutcomes with the right status."""

from __future__ import annotations

import copy

import pytest

from tests.cds_hooks import scenarios
from tests.cds_hooks.spec import assert_response
from tests.cds_hooks.test_views import ORDER_SELECT, PATIENT_VIEW


def assert_outcome(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/fhir+json"
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"] and all(i["severity"] == "error" for i in outcome["issue"])
    if code:
        assert outcome["issue"][0]["code"] == code
    return outcome


def test_unknown_service_is_404(client):
    outcome = assert_outcome(
        client.post("/cds-services/nope", json=scenarios.scenario_a_request()), 404, "not-found"
    )
    assert "nope" in outcome["issue"][0]["diagnostics"]
    assert_outcome(client.post("/cds-services/nope/feedback", json={"feedback": []}), 404)


@pytest.mark.parametrize("data", ['{"hook": ', "[1, 2]", '{"hook": NaN}', "null"])
def test_bad_json_is_400(client, data):
    response = client.post(PATIENT_VIEW, data=data, content_type="application/json")
    assert_outcome(response, 400)


def test_not_json_is_415(client):
    assert_outcome(
        client.post(PATIENT_VIEW, data="hook=patient-view", content_type="text/plain"), 415
    )


def _without(path: str):
    def change(request):
        target = request
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        del target[last]

    return change


@pytest.mark.parametrize(
    ("service", "build", "change", "expression"),
    [
        (PATIENT_VIEW, scenarios.scenario_a_request, _without("hook"), "hook"),
        (
            PATIENT_VIEW,
            scenarios.scenario_a_request,
            lambda r: r.update(hook="order-select"),
            "hook",
        ),
        (PATIENT_VIEW, scenarios.scenario_a_request, _without("hookInstance"), "hookInstance"),
        (PATIENT_VIEW, scenarios.scenario_a_request, _without("context"), "context"),
        (
            PATIENT_VIEW,
            scenarios.scenario_a_request,
            _without("context.patientId"),
            "context.patientId",
        ),
        (PATIENT_VIEW, scenarios.scenario_a_request, lambda r: r.update(prefetch=[]), "prefetch"),
        (
            PATIENT_VIEW,
            scenarios.scenario_a_request,
            lambda r: r.update(fhirAuthorization={"access_token": "t"}),
            "fhirServer",
        ),
        (
            ORDER_SELECT,
            scenarios.scenario_b_request,
            _without("context.draftOrders"),
            "context.draftOrders",
        ),
    ],
)
def test_requests_that_are_not_cds_hooks_requests_are_400(
    client, service, build, change, expression
):
    request = copy.deepcopy(build())
    change(request)
    outcome = assert_outcome(client.post(service, json=request), 400, "structure")
    assert [expression] in [i.get("expression") for i in outcome["issue"]]


def one_card_saying_why(response) -> dict:
    """A record that cannot be evaluated: 200 (the sandbox shows it) with one card."""
    assert response.status_code == 200
    body = response.get_json()
    assert_response(body)
    [card] = body["cards"]
    assert card["indicator"] == "warning"
    assert card["summary"] == "Magnesium checks not run: the record lacks data they need"
    return card


def test_a_patient_without_birth_date_gets_one_card_saying_so(client):
    request = scenarios.scenario_a_request()
    del request["prefetch"]["patient"]["birthDate"]
    card = one_card_saying_why(client.post(PATIENT_VIEW, json=request))
    assert "age" in card["detail"] and "birthDate" in card["detail"]


def test_a_null_patient_gets_one_card_not_a_crash(client):
    request = scenarios.scenario_a_request()
    request["prefetch"]["patient"] = None
    card = one_card_saying_why(client.post(PATIENT_VIEW, json=request))
    assert "no Patient resource" in card["detail"]


def test_an_operation_outcome_patient_gets_one_card_not_a_crash(client):
    request = scenarios.scenario_a_request()
    request["prefetch"]["patient"] = {"resourceType": "OperationOutcome", "issue": []}
    card = one_card_saying_why(client.post(PATIENT_VIEW, json=request))
    assert "OperationOutcome" in card["detail"]


def test_wrong_method_on_a_service(client):
    response = client.get(PATIENT_VIEW)
    assert response.status_code == 405


def test_json_nested_too_deep_is_400(client):
    data = "[" * 100_000 + "]" * 100_000
    response = client.post(PATIENT_VIEW + "/feedback", data=data, content_type="application/json")
    assert_outcome(response, 400)

"""Prefetch left out: fetched from the client's FHIR server (one on 127.0.0.1), else 412."""

from __future__ import annotations

import pytest

from service.cds_hooks.prefetch import PrefetchUnavailable, fill
from service.cds_hooks.services import PREFETCH
from tests.cds_hooks import scenarios
from tests.cds_hooks.test_views import ORDER_SELECT, PATIENT_VIEW, by_code


def cards_summary(body):
    return sorted((c["indicator"], c["summary"]) for c in body["cards"])


def test_patient_view_without_prefetch_fetches_with_the_bearer_token(client, fhir_server):
    fhir_server.record = scenarios.scenario_a_resources()
    request = scenarios.without_prefetch(scenarios.scenario_a_request(), fhir_server.url)
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 200, response.get_json()
    with_prefetch = client.post(PATIENT_VIEW, json=scenarios.scenario_a_request()).get_json()
    assert cards_summary(response.get_json()) == cards_summary(with_prefetch)
    assert len(fhir_server.seen) == len(PREFETCH)
    assert {auth for _, auth in fhir_server.seen} == {"Bearer fhir-token"}
    assert f"/Patient/{scenarios.A}" in {path.rstrip("?") for path, _ in fhir_server.seen}


def test_order_select_without_prefetch_gives_the_same_cards(client, fhir_server):
    fhir_server.record = scenarios.scenario_b_resources()
    request = scenarios.without_prefetch(scenarios.scenario_b_request(), fhir_server.url)
    body = client.post(ORDER_SELECT, json=request).get_json()
    assert "intake.ul_exceeded" in by_code(body)
    assert "doxycycline" in by_code(body)["interaction.tetracycline"]["detail"]


def test_only_missing_keys_are_fetched_and_null_means_no_data(client, fhir_server):
    fhir_server.record = scenarios.scenario_a_resources()
    request = scenarios.scenario_a_request()
    request["prefetch"]["magnesium"] = None  # the client has no data: do not fetch it
    del request["prefetch"]["conditions"]
    request["fhirServer"] = fhir_server.url
    assert client.post(PATIENT_VIEW, json=request).status_code == 200
    assert [path.split("?")[0] for path, _ in fhir_server.seen] == ["/Condition"]
    assert fhir_server.seen[0][1] is None  # no fhirAuthorization: no token sent


def test_412_when_the_fhir_server_is_down(client, closed_port_url):
    request = scenarios.without_prefetch(scenarios.scenario_a_request(), closed_port_url)
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 412
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "incomplete"
    assert "fhir-token" not in response.get_data(as_text=True)


def test_412_when_prefetch_is_missing_and_there_is_no_fhir_server(client):
    request = scenarios.scenario_a_request(prefetch=False)
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 412
    assert "patient" in response.get_json()["issue"][0]["diagnostics"]


def test_412_when_the_fhir_server_refuses(client, fhir_server):
    request = scenarios.without_prefetch(scenarios.scenario_a_request(), fhir_server.url)
    request["context"]["patientId"] = "nobody"
    fhir_server.record = {"patient": []}
    # A read that finds nothing is null: the patient is unknown, and one card says so.
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 200
    [card] = response.get_json()["cards"]
    assert "no Patient resource" in card["detail"]


def test_fhir_server_must_use_https_unless_local(client):
    request = scenarios.without_prefetch(
        scenarios.scenario_a_request(), "http://fhir.example.org/r4"
    )
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 412
    assert "https" in response.get_json()["issue"][0]["diagnostics"]


def test_fill_replaces_context_tokens():
    assert fill(PREFETCH["patient"], {"patientId": "123"}) == "Patient/123"
    with pytest.raises(PrefetchUnavailable):
        fill(PREFETCH["patient"], {})

"""Every FHIR resource the tests send (and the services send back) is valid FHIR R4.

fhir.resources ships R4B models (R4B changes nothing in the resources used here).
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.cds_hooks import scenarios
from tests.cds_hooks.test_views import ORDER_SELECT, by_code


def parse(resource: dict) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def sent_resources(request: dict) -> list[dict]:
    out = [v for v in request.get("prefetch", {}).values() if v is not None]
    if "draftOrders" in request["context"]:
        out.append(request["context"]["draftOrders"])
    return out


@pytest.mark.parametrize("build", [scenarios.scenario_a_request, scenarios.scenario_b_request])
def test_the_scenario_requests_hold_valid_fhir(build):
    resources = sent_resources(build())
    assert resources
    for resource in resources:
        parse(resource)


@pytest.mark.parametrize("record", [scenarios.scenario_a_resources, scenarios.scenario_b_resources])
def test_the_test_fhir_server_serves_valid_fhir(record):
    for resources in record().values():
        for resource in resources:
            parse(resource)


def test_suggested_orders_and_error_outcomes_are_valid_fhir(client):
    request = scenarios.without_sciatica(scenarios.scenario_b_request())
    body = client.post(ORDER_SELECT, json=request).get_json()
    resource = by_code(body)["intake.ul_exceeded"]["suggestions"][0]["actions"][0]["resource"]
    parse(resource)
    outcome = client.post("/cds-services/unknown", json={}).get_json()
    parse(outcome)
    bare_outcome = client.post(ORDER_SELECT, data="{", content_type="application/json").get_json()
    parse(bare_outcome)

"""GET /cds-services: the services, their prefetch templates and usage requirements."""

from __future__ import annotations

import re

from service.cds_hooks.services import EGFR_CODES, SERVICES
from tests.cds_hooks.spec import assert_no_null_or_empty


def test_discovery_lists_the_services(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    body = response.get_json()
    assert_no_null_or_empty(body)
    services = {s["id"]: s for s in body["services"]}
    assert {s["hook"] for s in services.values()} == {"patient-view", "order-select", "order-sign"}
    for service in services.values():
        assert set(service) == {
            "id",
            "hook",
            "title",
            "description",
            "prefetch",
            "usageRequirements",
        }
        assert re.fullmatch(r"[a-z0-9-]+", service["id"])
        assert service["title"] and service["description"] and service["usageRequirements"]


def test_prefetch_templates_ask_for_what_the_knowledge_base_needs(client):
    service = client.get("/cds-services").get_json()["services"][0]
    prefetch = service["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    for code in (*EGFR_CODES, "2160-0", "19123-9", "2601-3", "82810-3"):
        assert any(f"http://loinc.org|{code}" in t for t in prefetch.values()), code
    assert prefetch["medicationRequests"].startswith(
        "MedicationRequest?patient={{context.patientId}}&status=active"
    )
    assert prefetch["medicationStatements"].startswith("MedicationStatement?")
    assert "clinical-status=active" in prefetch["conditions"]
    for template in prefetch.values():
        # Only first-level context fields may be prefetch tokens.
        assert set(re.findall(r"\{\{([^}]*)\}\}", template)) == {"context.patientId"}


def test_each_service_is_callable_at_its_id(client):
    for service in client.get("/cds-services").get_json()["services"]:
        # An empty POST reaches the service (400), it is not an unknown route (404).
        assert client.post(f"/cds-services/{service['id']}", json={}).status_code == 400


def test_the_reading_knows_which_prefetch_keys_are_latest_only():
    # A `_count` search reads the latest few on purpose: more pages there are no gap, while
    # a whole list (medications, conditions) with an unread page is said incomplete.
    from service.cds_hooks.fhir.mapping import LATEST_ONLY_KEYS

    for service in SERVICES.values():
        latest = {key for key, template in service.prefetch.items() if "_count=" in template}
        assert latest == LATEST_ONLY_KEYS

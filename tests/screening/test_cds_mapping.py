"""The adapter builds the CDS Hooks prefetch from a patient's resources, routed by code."""

from __future__ import annotations

import pytest

from service.screening.cds_mapping import PrefetchRouteError, prefetch_for, routes
from tests.cds_hooks.scenarios import EGFR_UNIT, observation, patient

MG_DL = {"unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}


def entries(value):
    return [e["resource"]["id"] for e in value["entry"]] if value else []


def test_observations_go_only_to_the_keys_whose_codes_they_carry():
    resources = [
        patient("p", "1960-01-01", "female"),
        observation("e1", "p", "98979-8", "eGFR", 40, EGFR_UNIT, "2026-01-01"),
        observation("e2", "p", "33914-3", "eGFR MDRD", 45, EGFR_UNIT, "2025-01-01"),
        observation("c", "p", "2160-0", "Creatinine", 1.1, MG_DL, "2026-01-01"),
        observation("m", "p", "19123-9", "Magnesium", 2.0, MG_DL, "2026-01-01"),
        observation("hr", "p", "8867-4", "Heart rate", 70, MG_DL, "2026-01-01"),
    ]
    prefetch = prefetch_for(resources)
    assert prefetch["patient"]["id"] == "p"
    assert entries(prefetch["egfr"]) == ["e1", "e2"]
    assert entries(prefetch["creatinine"]) == ["c"]
    assert entries(prefetch["magnesium"]) == ["m"]
    assert prefetch["pregnancy"] is None  # "no data", as the CDS Hooks spec spells it
    assert prefetch["medicationRequests"] is None
    assert sorted(prefetch) == sorted(
        [
            "patient",
            "egfr",
            "creatinine",
            "weight",
            "magnesium",
            "pregnancy",
            "medicationRequests",
            "medicationStatements",
            "conditions",
        ]
    )


def test_a_code_in_another_system_is_not_taken():
    resource = observation("x", "p", "98979-8", "eGFR", 40, EGFR_UNIT, "2026-01-01")
    resource["code"]["coding"][0]["system"] = "http://example.org/local-codes"
    assert prefetch_for([resource])["egfr"] is None


def test_a_new_observation_key_is_routed_from_its_template():
    weight = routes(
        {"weight": "Observation?patient={{context.patientId}}&code=http://loinc.org|29463-7"}
    )
    (route,) = weight
    kg = observation("w", "p", "29463-7", "Body weight", 70, {"unit": "kg"}, "2026-01-01")
    egfr = observation("e", "p", "98979-8", "eGFR", 40, EGFR_UNIT, "2026-01-01")
    assert (route.takes(kg), route.takes(egfr)) == (True, False)


@pytest.mark.parametrize(
    "template",
    (
        "Observation?patient={{context.patientId}}&category=vital-signs",
        "Observation?code=http://loinc.org|29463-7",
        "Observation?patient={{context.patientId}}&code=29463-7",
        "Practitioner/{{context.userId}}",
        "https://elsewhere.example.org/Observation",
    ),
)
def test_a_template_the_screen_cannot_build_stops_it(template):
    with pytest.raises(PrefetchRouteError):
        routes({"key": template})

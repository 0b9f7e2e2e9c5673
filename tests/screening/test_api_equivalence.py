"""The screen says what the service says: the same patients through CDS Hooks and the JSON API."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from service.screening import ScreenOptions, screen
from service.screening.results import read_rows
from tests.cds_hooks import scenarios
from tests.screening.synthetic import (
    formulary,
    patient_resources,
    scenario_resources,
    write_export,
)

PATIENT_VIEW = "/cds-services/magnesium-back-pain-review"
# Spelled out, not imported: the prefetch key each Observation code of the export belongs to.
OBSERVATION_KEYS = {
    "98979-8": "egfr",
    "62238-1": "egfr",
    "33914-3": "egfr",
    "88294-4": "egfr",
    "2160-0": "creatinine",
    "29463-7": "weight",
    "19123-9": "magnesium",
    "2601-3": "magnesium",
    "82810-3": "pregnancy",
    "8867-4": None,  # heart rate: no key asks for it
}
OTHER_KEYS = {
    "MedicationRequest": "medicationRequests",
    "MedicationStatement": "medicationStatements",
    "Condition": "conditions",
    "Encounter": None,
}
SYNTHETIC = 60
FORMULARY = {f"Medication/{m['id']}": m for m in formulary()}


def age_on(today: date, born: str) -> int:
    y, m, d = (int(p) for p in born.split("-"))
    return today.year - y - ((today.month, today.day) < (m, d))


def prefetch_by_hand(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The patient-view prefetch for one patient, routed with the table above."""
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    patient = None
    for r in resources:
        if r["resourceType"] == "Patient":
            patient = r
            continue
        if r["resourceType"] == "Observation":
            key = OBSERVATION_KEYS[r["code"]["coding"][0]["code"]]
        else:
            key = OTHER_KEYS[r["resourceType"]]
        if key:
            by_key[key].append(r)
        target = (r.get("medicationReference") or {}).get("reference")
        if target in FORMULARY and FORMULARY[target] not in by_key[key]:
            by_key[key].append(FORMULARY[target])  # as _include would add it
    keys = (
        "egfr",
        "creatinine",
        "weight",
        "magnesium",
        "pregnancy",
        "medicationRequests",
        "medicationStatements",
        "conditions",
    )
    return {"patient": patient, **{k: scenarios.searchset(*by_key[k]) for k in keys}}


def cds_hooks_answer(client, pid: str, prefetch: dict[str, Any]) -> dict[str, Any]:
    """Disposition and finding codes the service recorded for a patient-view call."""
    request = {
        "hookInstance": f"screen-{pid}",
        "hook": "patient-view",
        "context": {"userId": "Practitioner/dr-1", "patientId": pid},
        "prefetch": prefetch,
    }
    response = client.post(PATIENT_VIEW, json=request)
    if response.status_code == 422:
        return {"status": "not_evaluated"}
    assert response.status_code == 200, response.get_json()
    evaluation = response.get_json()["extension"]["org.magnesium-cds.evaluation"]
    record = client.get(f"/v1/evaluations/{evaluation['evaluationId']}").get_json()
    assert record["disposition"] == evaluation["disposition"]
    return {
        "status": "evaluated",
        "disposition": evaluation["disposition"],
        "finding_codes": record["finding_codes"],
    }


def test_screen_matches_cds_hooks_for_scenarios_and_synthetic_patients(client, tmp_path):
    today = datetime.now(UTC).date()  # the CDS Hooks mapping counts ages from today
    export = write_export(tmp_path / "export", SYNTHETIC, seed=7, extra=list(scenario_resources()))
    screen(ScreenOptions(str(export), tmp_path / "out", today, processes=1))
    rows = {r["patient_id"]: r for r in read_rows(tmp_path / "out")}

    records = {
        scenarios.A: [r for rs in scenarios.scenario_a_resources().values() for r in rs],
        scenarios.B: [r for rs in scenarios.scenario_b_resources().values() for r in rs],
    }
    for i in range(SYNTHETIC):
        resources = list(patient_resources(i, seed=7))
        records[resources[0]["id"]] = resources
    assert sorted(rows) == sorted(records)

    for pid, resources in records.items():
        expected = cds_hooks_answer(client, pid, prefetch_by_hand(resources))
        row = rows[pid]
        got = {"status": row["status"]}
        if row["status"] == "evaluated":
            got |= {"disposition": row["disposition"], "finding_codes": row["finding_codes"]}
        assert got == expected, pid


def test_scenarios_match_the_json_api_for_the_profiles_they_describe(client, tmp_path):
    today = date(2026, 12, 1)
    export = write_export(tmp_path / "export", 0, extra=list(scenario_resources()))
    screen(ScreenOptions(str(export), tmp_path / "out", today, processes=1))
    rows = {r["patient_id"]: r for r in read_rows(tmp_path / "out")}
    # The two records of tests/cds_hooks/scenarios.py as a clinician would type them.
    profiles = {
        scenarios.A: {
            "age": age_on(today, "1944-03-02"),
            "sex": "female",
            "kidney": {"egfr": 24, "dialysis": False},
            "serum_magnesium": {"value": 2.0, "unit": "mg/dL"},
            "medications": [{"name": "Furosemide 40 MG Oral Tablet", "rxnorm": "4603"}],
            "magnesium_products": [
                {
                    "form": "oxide",
                    "route": "oral",
                    "dose_mg": 400,
                    "dose_basis": "compound",
                    "times_per_day": 1,
                    "purpose": "supplement",
                }
            ],
        },
        scenarios.B: {
            "age": age_on(today, "1976-05-20"),
            "sex": "male",
            "kidney": {"egfr": 88, "dialysis": False},
            "back_pain": {"radiating": True},
            "medications": [
                {"name": "doxycycline hyclate 100 MG Oral Capsule", "rxnorm": "1649988"}
            ],
        },
    }
    assert sorted(rows) == sorted(profiles)
    for pid, profile in profiles.items():
        answer = client.post("/v1/recommendations", json=profile).get_json()
        assert rows[pid]["status"] == "evaluated"
        assert rows[pid]["disposition"] == answer["disposition"], pid
        assert rows[pid]["finding_codes"] == [f["code"] for f in answer["findings"]], pid
    assert rows[scenarios.A]["disposition"] == "avoid"
    assert rows[scenarios.B]["disposition"] == "refer"
    assert json.dumps(rows[scenarios.A]["not_checked"]) == "[]"

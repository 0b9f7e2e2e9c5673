"""FHIR R4 resources and CDS Hooks requests, one builder per scenario.

Scenario A (patient-view): an 82-year-old woman, eGFR 24, on furosemide, taking magnesium
oxide 400 mg once daily (MedicationStatement). Scenario B (order-select): a 50-year-old man
with sciatica, on doxycycline, for whom magnesium oxide 400 mg twice daily is being ordered.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
EGFR_UNIT = {
    "unit": "mL/min/{1.73_m2}",
    "system": "http://unitsofmeasure.org",
    "code": "mL/min/{1.73_m2}",
}
TABLET = {
    "unit": "tablet",
    "system": "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm",
    "code": "TAB",
}
ORAL = {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]}

Resource = dict[str, Any]


def patient(pid: str, birth_date: str, gender: str) -> Resource:
    return {
        "resourceType": "Patient",
        "id": pid,
        "birthDate": birth_date,
        "gender": gender,
        "name": [{"family": "Example", "given": ["Test"]}],
    }


def observation(
    oid: str, pid: str, loinc: str, display: str, value: float, unit: dict, when: str
) -> Resource:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, **unit},
    }


def condition(cid: str, pid: str, snomed: str, display: str) -> Resource:
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {
            "coding": [{"system": SNOMED, "code": snomed, "display": display}],
            "text": display,
        },
        "subject": {"reference": f"Patient/{pid}"},
    }


def dosage(tablets: float, per_day: int, text: str) -> dict:
    return {
        "text": text,
        "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
        "route": ORAL,
        "doseAndRate": [{"doseQuantity": {"value": tablets, **TABLET}}],
    }


def medication(rxnorm: str, display: str) -> dict:
    return {"coding": [{"system": RXNORM, "code": rxnorm, "display": display}], "text": display}


def medication_request(
    mid: str, pid: str, rxnorm: str, display: str, status: str = "active", dose: dict | None = None
) -> Resource:
    resource = {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": medication(rxnorm, display),
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": "2026-11-20",
    }
    if dose:
        resource["dosageInstruction"] = [dose]
    return resource


def medication_statement(sid: str, pid: str, rxnorm: str, display: str, dose: dict) -> Resource:
    return {
        "resourceType": "MedicationStatement",
        "id": sid,
        "status": "active",
        "medicationCodeableConcept": medication(rxnorm, display),
        "subject": {"reference": f"Patient/{pid}"},
        "dosage": [dose],
    }


def searchset(*resources: Resource) -> Resource | None:
    """A searchset Bundle, or null when there is nothing (as the spec asks of prefetch)."""
    if not resources:
        return None
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


# --- scenario A: patient-view -----------------------------------------------------------------

A = "pv-older-woman"


def scenario_a_resources() -> dict[str, list[Resource]]:
    """The record by prefetch key."""
    return {
        "patient": [patient(A, "1944-03-02", "female")],
        "egfr": [
            observation(
                "egfr-new", A, "98979-8", "eGFR CKD-EPI 2021", 24, EGFR_UNIT, "2026-10-01T09:00:00Z"
            ),
            observation(
                "egfr-old", A, "98979-8", "eGFR CKD-EPI 2021", 41, EGFR_UNIT, "2025-01-10T09:00:00Z"
            ),
        ],
        "creatinine": [
            observation(
                "creat",
                A,
                "2160-0",
                "Creatinine",
                1.9,
                {"unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
                "2026-10-01T09:00:00Z",
            )
        ],
        "weight": [],
        "magnesium": [
            observation(
                "mg",
                A,
                "19123-9",
                "Magnesium",
                2.0,
                {"unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
                "2026-10-01T09:00:00Z",
            )
        ],
        "pregnancy": [],
        "medicationRequests": [
            medication_request(
                "furosemide",
                A,
                "4603",
                "Furosemide 40 MG Oral Tablet",
                dose=dosage(1, 1, "1 tablet once daily"),
            ),
        ],
        "medicationStatements": [
            medication_statement(
                "mg-oxide",
                A,
                "311486",
                "Magnesium Oxide 400 MG Oral Tablet",
                dosage(1, 1, "1 tablet once daily"),
            ),
        ],
        "conditions": [condition("lbp", A, "279039007", "Low back pain")],
    }


def prefetch_of(record: dict[str, list[Resource]]) -> dict[str, Resource | None]:
    return {
        "patient": record["patient"][0],
        **{k: searchset(*v) for k, v in record.items() if k != "patient"},
    }


def scenario_a_request(prefetch: bool = True) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hookInstance": str(uuid.uuid4()),
        "hook": "patient-view",
        "context": {"userId": "Practitioner/dr-1", "patientId": A},
    }
    if prefetch:
        request["prefetch"] = prefetch_of(scenario_a_resources())
    return request


# --- scenario B: order-select -----------------------------------------------------------------

B = "os-sciatica-man"
MG_ORDER_ID = "draft-mg-oxide"


def scenario_b_resources() -> dict[str, list[Resource]]:
    return {
        "patient": [patient(B, "1976-05-20", "male")],
        "egfr": [
            observation(
                "egfr", B, "98979-8", "eGFR CKD-EPI 2021", 88, EGFR_UNIT, "2026-09-01T09:00:00Z"
            )
        ],
        "creatinine": [],
        "weight": [],
        "magnesium": [],
        "pregnancy": [],
        "medicationRequests": [
            medication_request(
                "doxy",
                B,
                "1649988",
                "doxycycline hyclate 100 MG Oral Capsule",
                dose=dosage(1, 2, "1 capsule twice daily"),
            ),
        ],
        "medicationStatements": [],
        "conditions": [condition("sciatica", B, "23056005", "Sciatica")],
    }


def draft_magnesium_order() -> Resource:
    return medication_request(
        MG_ORDER_ID,
        B,
        "311486",
        "Magnesium Oxide 400 MG Oral Tablet",
        status="draft",
        dose=dosage(1, 2, "1 tablet twice daily"),
    )


def scenario_b_request(prefetch: bool = True) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hookInstance": str(uuid.uuid4()),
        "hook": "order-select",
        "context": {
            "userId": "Practitioner/dr-1",
            "patientId": B,
            "selections": [f"MedicationRequest/{MG_ORDER_ID}"],
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": draft_magnesium_order()}],
            },
        },
    }
    if prefetch:
        request["prefetch"] = prefetch_of(scenario_b_resources())
    return request


def without_sciatica(request: dict[str, Any]) -> dict[str, Any]:
    """Scenario B without its sciatica: no red flag, so the disposition is not `refer`."""
    request["prefetch"]["conditions"] = None
    return request


def without_prefetch(
    request: dict[str, Any], server: str, token: str | None = "fhir-token"
) -> dict[str, Any]:
    request = copy.deepcopy(request)
    request.pop("prefetch", None)
    request["fhirServer"] = server
    if token:
        request["fhirAuthorization"] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "magnesium-cds",
        }
    return request

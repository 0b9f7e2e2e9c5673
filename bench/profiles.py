"""The profiles the benchmark sends: a simple one and a heavy one, as JSON bodies."""

from __future__ import annotations

import copy
from typing import Any

SIMPLE: dict[str, Any] = {
    "age": 45,
    "sex": "female",
    "kidney": {"egfr": 90},
    "back_pain": {"onset": "gradual", "severity": 4, "duration_weeks": 3},
    "magnesium_products": [
        {"form": "glycinate", "route": "oral", "dose_mg": 1000, "dose_basis": "compound"}
    ],
}

# 10 medications (most interacting), 5 products, several red flags and symptoms:
# the most work one evaluation does (many facts, many rules firing, many findings).
HEAVY: dict[str, Any] = {
    "age": 72,
    "sex": "female",
    "pregnant": False,
    "lactating": False,
    "kidney": {"egfr": 38, "dialysis": False},
    "serum_magnesium": {"value": 1.1, "unit": "mmol/L"},
    "back_pain": {"onset": "sudden", "severity": 8, "radiating": True, "duration_weeks": 14},
    "red_flags": ["night_pain", "history_of_cancer", "fever", "osteoporosis", "morning_stiffness"],
    "symptoms": ["constipation", "nausea", "muscle_weakness"],
    "medications": [
        {"name": "Cipro 500 mg"},
        {"name": "FUROSEMIDE 40MG TAB", "rxnorm": "4603"},
        {"name": "doxycycline 100 mg"},
        {"name": "alendronate 70 mg weekly"},
        {"name": "Synthroid 100 mcg"},
        {"name": "dolutegravir 50 mg"},
        {"name": "omeprazole 20 mg"},
        {"name": "hydrochlorothiazide 25 mg"},
        {"name": "gabapentin 300 mg"},
        {"name": "amlodipine 5 mg"},
    ],
    "magnesium_products": [
        {
            "form": "glycinate",
            "route": "oral",
            "dose_mg": 1000,
            "dose_basis": "compound",
            "times_per_day": 2,
            "purpose": "supplement",
        },
        {
            "form": "hydroxide",
            "route": "oral",
            "dose_mg": 500,
            "dose_basis": "elemental",
            "times_per_day": 1,
            "purpose": "antacid_laxative",
        },
        {"form": "citrate", "route": "oral", "dose_mg": 200, "dose_basis": "elemental"},
        {"form": "oxide", "route": "oral", "dose_mg": 400, "dose_basis": "compound"},
        {"form": "chloride", "route": "topical"},
    ],
    "route_preference": "any",
}

PROFILES = {"simple": SIMPLE, "heavy": HEAVY}


def varied(base: dict[str, Any], i: int) -> dict[str, Any]:
    """Return `base` with its age and eGFR varied by `i` (distinct profiles, same shape)."""
    out = copy.deepcopy(base)
    out["age"] = 18 + i % 80
    out.setdefault("kidney", {})["egfr"] = 30 + i % 70
    return out


# The README's example: what a typical request carries (the HTTP figures use it).
TYPICAL: dict[str, Any] = {
    "age": 67,
    "sex": "male",
    "kidney": {"egfr": 52},
    "back_pain": {"onset": "gradual", "severity": 4, "duration_weeks": 3},
    "medications": [{"name": "Cipro 500 mg"}, {"name": "FUROSEMIDE 40MG TAB", "rxnorm": "4603"}],
    "magnesium_products": [
        {"form": "glycinate", "dose_mg": 1000, "dose_basis": "compound", "times_per_day": 2}
    ],
}

PROFILES = {"simple": SIMPLE, "heavy": HEAVY}

LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
_PATIENT_ID = "bench-1"


def patient_view_request(prefetch_keys: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """A CDS Hooks patient-view request with every prefetch key filled (nothing to fetch).

    The patient is the heavy profile as an EHR holds it: 10 active medication orders and 3
    magnesium products, eGFR, serum magnesium, sciatica. Keys the service lists that are not
    built here get an empty search Bundle, so the prefetch is still complete.
    """
    meds = [dict(m) for m in HEAVY["medications"]] + [
        {"name": "Magnesium Oxide 400 MG Oral Tablet", "rxnorm": "311812"},
        {"name": "Magnesium Glycinate 1000 MG Oral Tablet"},
        {"name": "Magnesium Chloride Topical Spray"},
    ]
    requests = [_medication_request(i, m) for i, m in enumerate(meds)]
    prefetch: dict[str, Any] = {
        "patient": {
            "resourceType": "Patient",
            "id": _PATIENT_ID,
            "gender": "female",
            "birthDate": "1954-03-02",
        },
        "egfr": _bundle([_observation("egfr-1", "62238-1", 38, "mL/min/1.73m2")]),
        "creatinine": _bundle([]),
        "weight": _bundle([]),
        "magnesium": _bundle([_observation("mg-1", "19123-9", 2.1, "mg/dL")]),
        "pregnancy": _bundle([]),
        "medicationRequests": _bundle(requests),
        "medicationStatements": _bundle([]),
        "conditions": _bundle([_condition("sciatica-1", "23056005", "Sciatica")]),
    }
    for key in prefetch_keys:
        prefetch.setdefault(key, _bundle([]))
    return {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/bench", "patientId": _PATIENT_ID},
        "prefetch": prefetch,
    }


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }


def _observation(oid: str, loinc: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "subject": {"reference": f"Patient/{_PATIENT_ID}"},
        "effectiveDateTime": "2026-11-01T09:00:00Z",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def _condition(cid: str, code: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{_PATIENT_ID}"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": code}], "text": text},
    }


def _medication_request(i: int, med: dict[str, Any]) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": med["name"]}
    if med.get("rxnorm"):
        concept["coding"] = [{"system": RXNORM, "code": med["rxnorm"]}]
    return {
        "resourceType": "MedicationRequest",
        "id": f"med-{i}",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{_PATIENT_ID}"},
        "medicationCodeableConcept": concept,
        "dosageInstruction": [
            {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}
        ],
    }

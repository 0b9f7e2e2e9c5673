"""Every kind of note the FHIR reading makes, each pinned word for word.

One case per place in service/cds_hooks/fhir that says something: deleting any note (or
changing what it says) fails its case. The notes are what keeps the reading from failing
open, so each is a behaviour, not a message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from service.cds_hooks.fhir import map_patient
from tests.cds_hooks import scenarios as s

TODAY = date(2026, 11, 25)
SAFETY, INFO = True, False
ONCE = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


def first(prefetch: dict, key: str) -> dict:
    return prefetch[key]["entry"][0]["resource"]


def statement(prefetch: dict) -> dict:
    return first(prefetch, "medicationStatements")


def set_in(key: str, path: str, value: Any) -> Callable[[dict], None]:
    """Set `path` (dots) in the first resource of prefetch `key`."""

    def change(prefetch: dict) -> None:
        target = prefetch[key] if key == "patient" else first(prefetch, key)
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return change


DELETE = object()


def replace_key(key: str, value: Any) -> Callable[[dict], None]:
    def change(prefetch: dict) -> None:
        prefetch[key] = value

    return change


def with_resources(key: str, *resources: dict) -> Callable[[dict], None]:
    return replace_key(key, s.searchset(*resources))


def mg_dosage(**dose: Any) -> dict:
    return {"doseAndRate": [{"doseQuantity": dose}], "timing": ONCE}


def obs(oid: str, loinc: str, value: float, unit: dict) -> dict:
    return s.observation(oid, s.A, loinc, "lab", value, unit, "2026-10-01")


def condition_without_code(prefetch: dict) -> None:
    prefetch["conditions"] = s.searchset(
        {"resourceType": "Condition", "id": "c", "subject": {"reference": f"Patient/{s.A}"}}
    )


def draft_of(resource: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}


MS = "MedicationStatement/mg-oxide"
MG_OXIDE = "Magnesium Oxide 400 MG Oral Tablet"

CASES: list[tuple[str, Callable[[dict], None], dict | None, list[tuple[str, str, bool]]]] = [
    # --- bundle.py ---
    (
        "prefetch value not a resource",
        replace_key("magnesium", ["not", "a", "resource"]),
        None,
        [("prefetch magnesium", "not a FHIR resource: ignored", SAFETY)],
    ),
    (
        "OperationOutcome instead of data",
        replace_key("pregnancy", {"resourceType": "OperationOutcome", "issue": []}),
        None,
        [
            (
                "prefetch pregnancy",
                "the EHR returned an error (OperationOutcome) instead of data: treated as no data",
                SAFETY,
            )
        ],
    ),
    (
        "Bundle entries not a list",
        lambda p: p["medicationRequests"].update(entry="furosemide"),
        None,
        [
            (
                "prefetch medicationRequests",
                "could not be read (not valid FHIR R4: entry is not a list of objects): not used",
                SAFETY,
            )
        ],
    ),
    (
        "Bundle entry without a resource",
        lambda p: p["medicationRequests"].update(entry=[{"resource": 1}]),
        None,
        [("prefetch medicationRequests entry 0", "not a FHIR resource: ignored", SAFETY)],
    ),
    (
        "one page of a longer list, with an included Medication",
        lambda p: p["medicationRequests"].update(
            total=2,
            entry=[
                *p["medicationRequests"]["entry"],
                {
                    "resource": {"resourceType": "Medication", "id": "m"},
                    "search": {"mode": "include"},
                },
            ],
        ),
        None,
        [
            (
                "prefetch medicationRequests",
                "the list is incomplete (1 of 2 entries read; the rest are on pages that were "
                "not fetched): what is on them was not checked",
                SAFETY,
            )
        ],
    ),
    (
        "one page of a longer list",
        lambda p: p["medicationRequests"].update(total=3),
        None,
        [
            (
                "prefetch medicationRequests",
                "the list is incomplete (1 of 3 entries read; the rest are on pages that were "
                "not fetched): what is on them was not checked",
                SAFETY,
            )
        ],
    ),
    # --- patient.py ---
    (
        "no Patient",
        replace_key("patient", None),
        None,
        [("prefetch patient", "no Patient resource: age and sex are unknown", SAFETY)],
    ),
    (
        "Patient not valid FHIR",
        set_in("patient", "birthDate", 1944),
        None,
        [
            (
                f"Patient/{s.A}",
                "could not be read (not valid FHIR R4: birthDate is not a string): not used",
                SAFETY,
            )
        ],
    ),
    (
        "partial birthDate",
        set_in("patient", "birthDate", "1944"),
        None,
        [(f"Patient/{s.A}", "birthDate 1944 is partial: age counted from its first day", INFO)],
    ),
    (
        "no birthDate",
        set_in("patient", "birthDate", DELETE),
        None,
        [(f"Patient/{s.A}", "no usable birthDate: age unknown", SAFETY)],
    ),
    (
        "no gender",
        set_in("patient", "gender", DELETE),
        None,
        [(f"Patient/{s.A}", "no gender: sex taken as unknown", INFO)],
    ),
    (
        "gender outside FHIR's",
        set_in("patient", "gender", "F"),
        None,
        [(f"Patient/{s.A}", "gender 'F' is not a FHIR gender: sex taken as unknown", INFO)],
    ),
    # --- observations.py ---
    (
        "Observation not valid FHIR",
        set_in("egfr", "code", {"coding": "98979-8"}),
        None,
        [
            (
                "Observation/egfr-new",
                "could not be read (not valid FHIR R4: coding is not a list of objects): not used",
                SAFETY,
            )
        ],
    ),
    (
        "Observation without status",
        set_in("egfr", "status", DELETE),
        None,
        [("Observation/egfr-new", "no status: read as a final result", INFO)],
    ),
    (
        "value not valid FHIR",
        set_in("egfr", "valueQuantity", "24"),
        None,
        [
            (
                "Observation/egfr-new",
                "could not be read (not valid FHIR R4: valueQuantity is not an object): not used",
                SAFETY,
            )
        ],
    ),
    (
        "eGFR without a value",
        set_in("egfr", "valueQuantity", DELETE),
        None,
        [("Observation/egfr-new", "eGFR observation has no value: not used", SAFETY)],
    ),
    (
        "quantity without a value",
        set_in("egfr", "valueQuantity", {"unit": "mL/min/{1.73_m2}"}),
        None,
        [("Observation/egfr-new", "a quantity without a value: not used", SAFETY)],
    ),
    (
        "value text not a number",
        lambda p: first(p, "egfr").update(valueQuantity=None, valueString="pending"),
        None,
        [("Observation/egfr-new", "value 'pending' is not a number: not used", SAFETY)],
    ),
    (
        "data absent",
        lambda p: first(p, "egfr").update(
            valueQuantity=None, dataAbsentReason={"text": "clotted sample"}
        ),
        None,
        [("Observation/egfr-new", "no value (clotted sample): not used", SAFETY)],
    ),
    (
        "eGFR unit not understood",
        set_in("egfr", "valueQuantity", {"value": 24, "code": "mg/dL"}),
        None,
        [("Observation/egfr-new", "eGFR unit mg/dL not understood: value not used", SAFETY)],
    ),
    (
        "eGFR unit converted",
        set_in("egfr", "valueQuantity", {"value": 0.4, "code": "mL/s/{1.73_m2}"}),
        None,
        [("Observation/egfr-new", "eGFR 0.4 mL/s/{1.73_m2} read as 24 mL/min", INFO)],
    ),
    (
        "eGFR below a bound",
        set_in("egfr", "valueQuantity", {"value": 15, "comparator": "<"}),
        None,
        [("Observation/egfr-new", "eGFR reported as <15: evaluated as 14.9", INFO)],
    ),
    (
        "eGFR above a low bound",
        set_in("egfr", "valueQuantity", {"value": 20, "comparator": ">="}),
        None,
        [
            (
                "Observation/egfr-new",
                "eGFR reported as >=20: evaluated as 20, its lowest possible value",
                INFO,
            )
        ],
    ),
    (
        "creatinine with a comparator",
        set_in("creatinine", "valueQuantity", {"value": 0.5, "comparator": "<", "code": "mg/dL"}),
        None,
        [
            (
                "Observation/creat",
                "creatinine reported as <0.5: not used for a computed kidney function",
                SAFETY,
            )
        ],
    ),
    (
        "creatinine unit not understood",
        set_in("creatinine", "valueQuantity", {"value": 1.9, "code": "mEq"}),
        None,
        [("Observation/creat", "creatinine unit mEq not understood: value not used", SAFETY)],
    ),
    (
        "weight unit not understood",
        with_resources("weight", obs("w", "29463-7", 70, {"code": "stone"})),
        None,
        [("Observation/w", "body weight 70 stone could not be read in kg: not used", SAFETY)],
    ),
    (
        "serum magnesium without a unit",
        set_in("magnesium", "valueQuantity", {"value": 2.0}),
        None,
        [
            (
                "Observation/mg",
                "serum magnesium without a unit: read as mg/dL, the unit LOINC 19123-9 implies",
                INFO,
            )
        ],
    ),
    (
        "serum magnesium unit not understood",
        set_in("magnesium", "valueQuantity", {"value": 2.0, "code": "g/L"}),
        None,
        [("Observation/mg", "serum magnesium unit g/L not understood: value not used", SAFETY)],
    ),
    (
        "pregnancy status neither",
        with_resources(
            "pregnancy",
            {
                **obs("preg", "82810-3", 0, {}),
                "valueQuantity": None,
                "valueCodeableConcept": {"text": "unsure"},
            },
        ),
        None,
        [
            (
                "Observation/preg",
                "pregnancy status is neither pregnant nor not pregnant: not used",
                SAFETY,
            )
        ],
    ),
    # --- conditions.py ---
    (
        "Condition not valid FHIR",
        set_in("conditions", "clinicalStatus", "active"),
        None,
        [
            (
                "Condition/lbp",
                "could not be read (not valid FHIR R4: clinicalStatus is not an object): not used",
                SAFETY,
            )
        ],
    ),
    (
        "Condition without code or text",
        condition_without_code,
        None,
        [("Condition/c", "a condition with no code or text: not checked", SAFETY)],
    ),
    (
        "heart block with a pacemaker",
        with_resources(
            "conditions",
            s.condition("hb", s.A, "27885002", "Complete atrioventricular block"),
            s.condition("pm", s.A, "441509002", "Cardiac pacemaker in situ"),
        ),
        None,
        [("Condition/hb", "heart block with a pacemaker in place: not read as heart block", INFO)],
    ),
    # --- mapping.py ---
    (
        "CKD stage for a missing eGFR",
        lambda p: p.update(
            egfr=None,
            creatinine=None,
            conditions=s.searchset(s.condition("ckd4", s.A, "431857002", "CKD stage 4")),
        ),
        None,
        [
            (
                "Condition/ckd4",
                "no eGFR value: CKD stage 4 from the problem list read as eGFR 29",
                INFO,
            )
        ],
    ),
    (
        "cauda equina syndrome",
        with_resources("conditions", s.condition("ces", s.A, "192970008", "Cauda equina syndrome")),
        None,
        [
            (
                "prefetch conditions",
                "cauda equina syndrome is recorded as the cauda equina red flag "
                "'saddle_anesthesia' (no diagnosis token exists)",
                INFO,
            )
        ],
    ),
    (
        "a lab value out of range (a unit mix-up)",
        set_in("creatinine", "valueQuantity", {"value": 168, "code": "mg/dL"}),
        None,
        [
            (
                "prefetch creatinine",
                "serum creatinine 168 mg/dL is out of range (Must be at most 40 mg/dL.): not used",
                SAFETY,
            )
        ],
    ),
    # --- medications.py ---
    (
        "DSTU2 MedicationOrder in the list",
        set_in("medicationRequests", "resourceType", "MedicationOrder"),
        None,
        [
            (
                "MedicationOrder/furosemide",
                "MedicationOrder is a FHIR DSTU2 resource; this service reads R4 "
                "MedicationRequest: interactions with it were not checked",
                SAFETY,
            )
        ],
    ),
    (
        "another resource type in a medication list",
        set_in("medicationStatements", "resourceType", "MedicationDispense"),
        None,
        [
            (
                "MedicationDispense/mg-oxide",
                "a MedicationDispense where MedicationStatement resources were expected is not "
                "read: the medication it names was not checked",
                SAFETY,
            )
        ],
    ),
    (
        "DSTU2 MedicationOrder as a draft",
        lambda p: None,
        draft_of({**s.draft_magnesium_order(), "resourceType": "MedicationOrder"}),
        [
            (
                f"MedicationOrder/{s.MG_ORDER_ID}",
                "MedicationOrder is a FHIR DSTU2 resource; this service reads R4 "
                "MedicationRequest: this draft order was not checked",
                SAFETY,
            )
        ],
    ),
    (
        "draft status not valid FHIR",
        lambda p: None,
        draft_of({**s.draft_magnesium_order(), "status": 3}),
        [
            (
                f"MedicationRequest/{s.MG_ORDER_ID}",
                "could not be read (not valid FHIR R4: status is not a string): not used",
                SAFETY,
            )
        ],
    ),
    (
        "list status not valid FHIR",
        set_in("medicationRequests", "status", ["active"]),
        None,
        [
            (
                "MedicationRequest/furosemide",
                "could not be read (not valid FHIR R4: status is not a string): not used",
                SAFETY,
            )
        ],
    ),
    (
        "status not FHIR R4",
        set_in("medicationStatements", "status", "taking"),
        None,
        [(MS, "status 'taking' is not a FHIR R4 status: read as current, so it is checked", INFO)],
    ),
    (
        "status unknown",
        set_in("medicationRequests", "status", "unknown"),
        None,
        [
            (
                "MedicationRequest/furosemide",
                "status unknown: read as current, so it is checked",
                INFO,
            )
        ],
    ),
    (
        "medication not valid FHIR",
        set_in("medicationRequests", "medicationCodeableConcept", "furosemide"),
        None,
        [
            (
                "MedicationRequest/furosemide",
                "could not be read (not valid FHIR R4: medicationCodeableConcept is not an "
                "object): not used",
                SAFETY,
            )
        ],
    ),
    (
        "reference not resolved",
        lambda p: statement(p).update(
            medicationCodeableConcept=None, medicationReference={"reference": "Medication/x"}
        ),
        None,
        [
            (
                MS,
                "medication reference Medication/x could not be resolved and has no display: "
                "interactions with it were not checked",
                SAFETY,
            )
        ],
    ),
    (
        "no name and no code",
        set_in("medicationStatements", "medicationCodeableConcept", DELETE),
        None,
        [(MS, "medication without a name or code: not checked for interactions", SAFETY)],
    ),
    (
        "unknown RxNorm code alone",
        set_in(
            "medicationStatements",
            "medicationCodeableConcept",
            {"coding": [{"system": s.RXNORM, "code": "99999999"}]},
        ),
        None,
        [
            (
                MS,
                "RxNorm 99999999 is not in the knowledge base's RxNorm tables and was sent "
                "without a name: interactions with it were not checked",
                SAFETY,
            )
        ],
    ),
    (
        "a code system this service does not read",
        set_in(
            "medicationStatements",
            "medicationCodeableConcept",
            {"coding": [{"system": "urn:local", "code": "42"}]},
        ),
        None,
        [
            (
                MS,
                "medication coded in a system this service does not read, without a name: "
                "not checked for interactions",
                SAFETY,
            )
        ],
    ),
    # --- dosage.py ---
    (
        "no dose: one unit",
        set_in("medicationStatements", "dosage", [{"timing": ONCE}]),
        None,
        [(MS, f"{MG_OXIDE}: no dose given, counted as one unit (400 mg) per dose", INFO)],
    ),
    (
        "a strength the knowledge base assumes",
        lambda p: statement(p).update(
            medicationCodeableConcept={"text": "Milk of Magnesia"},
            dosage=[mg_dosage(value=30, code="mL")],
        ),
        None,
        [
            (
                MS,
                "Milk of Magnesia: read with milk of magnesia: 400 mg magnesium hydroxide per "
                "5 mL (USP)",
                INFO,
            )
        ],
    ),
    (
        "a dose without a unit",
        set_in("medicationStatements", "dosage", [mg_dosage(value=2)]),
        None,
        [(MS, f"{MG_OXIDE}: dose 2 without a unit, read as 2 × 400 mg", INFO)],
    ),
    (
        "a dose unit not understood",
        set_in("medicationStatements", "dosage", [mg_dosage(value=2, code="{puff}")]),
        None,
        [
            (
                MS,
                f"{MG_OXIDE}: dose 2 {{puff}} could not be converted to mg, so the order's "
                "dose was not used",
                SAFETY,
            )
        ],
    ),
    (
        "more than 24 doses a day",
        set_in(
            "medicationStatements",
            "dosage",
            [
                {
                    "doseAndRate": [{"doseQuantity": {"value": 1, "code": "TAB"}}],
                    "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "h"}},
                }
            ],
        ),
        None,
        [(MS, "48 doses a day is more than 24: counted as 24", SAFETY)],
    ),
]


@pytest.mark.parametrize(
    ("change", "drafts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_kind_of_note(change, drafts, expected):
    prefetch = s.prefetch_of(s.scenario_a_resources())
    change(prefetch)
    result = map_patient(prefetch, drafts, TODAY)
    assert [(n.source, n.text, n.affects_safety) for n in result.notes] == expected

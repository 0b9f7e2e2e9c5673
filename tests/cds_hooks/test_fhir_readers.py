"""The FHIR readers on the shapes real EHRs send (issue 12): eGFR, units, codes, references."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from service.cds_hooks.fhir import map_patient
from tests.cds_hooks import external
from tests.cds_hooks import scenarios as s

TODAY = date(2026, 11, 25)
RXNORM = s.RXNORM


def mapped(prefetch, drafts=None, **kwargs):
    return map_patient(prefetch, drafts, TODAY, **kwargs)


def with_record(**resources):
    """Scenario A's prefetch with some keys replaced by searchsets of `resources`."""
    prefetch = s.prefetch_of(s.scenario_a_resources())
    for key, value in resources.items():
        prefetch[key] = value if key == "patient" else s.searchset(*value)
    return prefetch


def texts(result):
    return [(n.source, n.text, n.affects_safety) for n in result.notes]


def egfr_obs(oid="e", **value):
    obs = s.observation(oid, s.A, "98979-8", "eGFR", 0, s.EGFR_UNIT, "2026-10-01T09:00:00Z")
    del obs["valueQuantity"]
    obs.update(value)
    return obs


# --- eGFR (CLINICAL.md §3 v2) ---------------------------------------------------------------


def test_the_f205_example_reads_its_components_as_at_least_60():
    result = mapped(with_record(egfr=[external.f205()]))
    assert result.profile["kidney"]["egfr"] == 60.0
    assert texts(result) == []  # '>60' is at least 60: nothing to say


def test_f205_components_of_20_give_the_lower_one():
    obs = external.f205()
    obs["component"][0]["valueQuantity"].update(value=20, comparator=None)
    obs["component"][0]["valueQuantity"].pop("comparator")
    obs["component"][1]["valueQuantity"]["value"] = 22
    result = mapped(with_record(egfr=[obs]))
    assert result.profile["kidney"]["egfr"] == 20.0


def test_a_45066_8_panel_with_a_ckd_epi_component_is_read():
    obs = external.f205()
    obs["code"]["coding"][0]["code"] = "45066-8"
    obs["component"][0]["code"]["coding"][0]["code"] = "88294-4"
    obs["component"] = obs["component"][:1]
    obs["component"][0]["valueQuantity"] = {"value": 28, **s.EGFR_UNIT}
    assert mapped(with_record(egfr=[obs])).profile["kidney"]["egfr"] == 28.0


@pytest.mark.parametrize(
    "code",
    ["33914-3", "48642-3", "48643-1", "48643-3", "50044-7", "50210-4", "62238-1", "69405-9",
     "70969-1", "77147-7", "88293-6", "88294-4", "98979-8", "98980-6"],
)  # fmt: skip
def test_every_listed_egfr_code_is_read(code):
    obs = s.observation("e", s.A, code, "eGFR", 27, s.EGFR_UNIT, "2026-10-01T09:00:00Z")
    assert mapped(with_record(egfr=[obs])).profile["kidney"]["egfr"] == 27.0


@pytest.mark.parametrize(
    ("value", "egfr", "note"),
    [
        ({"valueString": ">60"}, 60.0, None),
        ({"valueString": ">90 mL/min/1.73m2"}, 90.0, None),
        ({"valueString": "<15"}, 14.9, "eGFR reported as <15: evaluated as 14.9"),
        ({"valueString": "45"}, 45.0, None),
        ({"valueInteger": 52}, 52.0, None),
        (
            {"valueQuantity": {"value": 20, "comparator": ">", **s.EGFR_UNIT}},
            20.0,
            "eGFR reported as >20: evaluated as 20, its lowest possible value",
        ),
    ],
)
def test_comparators_and_text_values(value, egfr, note):
    result = mapped(with_record(egfr=[egfr_obs(**value)]))
    assert result.profile["kidney"]["egfr"] == egfr
    assert texts(result) == ([("Observation/e", note, False)] if note else [])


def test_an_unreadable_text_value_is_said_and_the_older_one_used():
    newer = egfr_obs("new", valueString="see report")
    older = s.observation("old", s.A, "98979-8", "eGFR", 41, s.EGFR_UNIT, "2025-01-01")
    result = mapped(with_record(egfr=[newer, older]))
    assert result.profile["kidney"]["egfr"] == 41.0
    assert texts(result) == [
        ("Observation/new", "value 'see report' is not a number: not used", True)
    ]


def test_an_egfr_with_no_value_is_said():
    result = mapped(with_record(egfr=[egfr_obs()]))
    assert result.profile["kidney"]["egfr"] is None
    assert texts(result) == [("Observation/e", "eGFR observation has no value: not used", True)]


def test_a_data_absent_reason_is_said():
    obs = egfr_obs(dataAbsentReason={"text": "specimen haemolysed"})
    assert texts(mapped(with_record(egfr=[obs]))) == [
        ("Observation/e", "no value (specimen haemolysed): not used", True),
    ]


def test_an_observation_without_status_is_read_and_said():
    obs = s.observation("e", s.A, "98979-8", "eGFR", 50, s.EGFR_UNIT, "2026-10-01")
    del obs["status"]
    result = mapped(with_record(egfr=[obs]))
    assert result.profile["kidney"]["egfr"] == 50.0
    assert texts(result) == [("Observation/e", "no status: read as a final result", False)]


# --- creatinine and weight --------------------------------------------------------------------


def test_creatinine_in_micromoles_with_loinc_14682_9():
    creatinine = s.observation(
        "c", s.A, "14682-9", "Creatinine", 168, {"unit": "µmol/L", "code": "umol/L"}, "2026-10-01"
    )
    kidney = mapped(with_record(egfr=[], creatinine=[creatinine])).profile["kidney"]
    assert kidney["creatinine"] == {"value": 168.0, "unit": "µmol/L"}


def test_creatinine_in_an_unknown_unit_is_said():
    creatinine = s.observation(
        "c",
        s.A,
        "2160-0",
        "Creatinine",
        1.2,
        {"unit": "furlongs", "code": "furlongs"},
        "2026-10-01",
    )
    result = mapped(with_record(egfr=[], creatinine=[creatinine]))
    assert "creatinine" not in result.profile["kidney"]
    assert texts(result) == [
        ("Observation/c", "creatinine unit furlongs not understood: value not used", True)
    ]


@pytest.mark.parametrize(
    ("value", "unit", "kg"), [(70, "kg", 70.0), (154, "[lb_av]", 69.85), (70000, "g", 70.0)]
)
def test_body_weight_in_kg(value, unit, kg):
    weight = s.observation("w", s.A, "29463-7", "Body weight", value, {"code": unit}, "2026-10-01")
    prefetch = with_record(weight=[weight])
    assert mapped(prefetch).profile["weight_kg"] == kg


# --- conditions (CLINICAL.md §11) -------------------------------------------------------------


def test_the_synthea_prediabetes_is_not_type_2_diabetes():
    record = external.load("synthea-sample-patient-excerpt.json")
    conditions = [
        e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Condition"
    ]
    result = mapped(with_record(conditions=conditions))
    assert "conditions" not in result.profile


@pytest.mark.parametrize(
    ("code", "text", "tokens"),
    [
        ("91637004", "Myasthenia gravis", ["myasthenia_gravis"]),
        ("44054006", "Diabetes mellitus type 2", ["type_2_diabetes"]),
        ("999999", "Third degree heart block", ["heart_block"]),
        ("999999", "Postoperative ileus", ["bowel_obstruction"]),
        ("999999", "Status post gastric bypass", ["malabsorption"]),
        ("7200002", "Alcoholism", ["alcohol_use_disorder"]),  # by its words, not the code
        ("26629001", "Graves disease", []),  # a code with two names in use: not read
        ("236071009", "Chronic diarrhea", ["chronic_diarrhea"]),
        ("999999", "First degree AV block", []),
    ],
)
def test_condition_tokens_by_code_or_text(code, text, tokens):
    condition = s.condition("c", s.A, code, text)
    result = mapped(with_record(conditions=[condition]))
    assert result.profile.get("conditions", []) == tokens


def test_heart_block_with_a_pacemaker_is_not_heart_block():
    block = s.condition("block", s.A, "27885002", "Complete atrioventricular block")
    pacer = s.condition("pacer", s.A, "441509002", "Cardiac pacemaker in situ")
    result = mapped(with_record(conditions=[block, pacer]))
    assert result.profile.get("conditions", []) == []
    assert texts(result) == [
        ("Condition/block", "heart block with a pacemaker in place: not read as heart block", False)
    ]


# --- medications: codes, units, references, statuses ----------------------------------------


def coded_only(mid, code, status="active", **extra):
    resource = {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "subject": {"reference": f"Patient/{s.A}"},
    }
    resource.update(extra)
    return resource


def test_sandbox_product_codes_without_text_are_named_from_the_rxnorm_tables():
    names = external.sandbox_names()
    requests = [coded_only("f", "313988"), coded_only("d", "199026")]
    result = mapped(with_record(medicationRequests=requests, medicationStatements=[]))
    assert result.profile["medications"] == [
        {"name": names["313988"], "rxnorm": "313988"},
        {"name": names["199026"], "rxnorm": "199026"},
    ]
    assert texts(result) == []


def test_a_magnesium_product_code_alone_is_a_magnesium_product():
    draft = coded_only(
        "mg", "252430", status="draft", dosageInstruction=[s.dosage(1, 1, "1 capsule daily")]
    )
    result = mapped(with_record(medicationStatements=[]), s.searchset(draft))
    assert result.profile["magnesium_products"] == [
        {
            "form": "oxide",
            "route": "oral",
            "dose_mg": 400.0,
            "dose_basis": "compound",
            "times_per_day": 1,
            "purpose": "supplement",
        }
    ]


def test_an_unknown_code_without_text_is_reported_never_ignored():
    result = mapped(with_record(medicationRequests=[coded_only("x", "99999999")]))
    assert [m["name"] for m in result.profile["medications"]] == []
    assert texts(result) == [
        (
            "MedicationRequest/x",
            "RxNorm 99999999 is not in the knowledge base's RxNorm tables and was sent without "
            "a name: interactions with it were not checked",
            True,
        )
    ]
    assert result.notes[0].kind == "code"


def sandbox_draft(unit_code, value=2, unit=None, code="252430"):
    """The sandbox's own draft order shape: doseQuantity {value, code} on the dosage."""
    quantity = {"value": value, "code": unit_code}
    if unit:
        quantity["unit"] = unit
    return coded_only(
        "draft-1",
        code,
        status="draft",
        dosageInstruction=[
            {
                "doseAndRate": [{"doseQuantity": quantity}],
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            }
        ],
    )


@pytest.mark.parametrize("unit", ["{pill}", "{tbl}", "{tablet}", "{capsule}", "TAB", "CAP", "1"])
def test_countable_dose_units_count_units_of_the_product(unit):
    result = mapped(with_record(medicationStatements=[]), s.searchset(sandbox_draft(unit)))
    assert result.profile["magnesium_products"][0]["dose_mg"] == 800.0
    assert texts(result) == []


@pytest.mark.parametrize(
    ("value", "unit", "mg"), [(400, "mg", 400.0), (0.4, "g", 400.0), (400000, "ug", 400.0)]
)
def test_mass_doses_are_converted_with_ucum(value, unit, mg):
    result = mapped(with_record(medicationStatements=[]), s.searchset(sandbox_draft(unit, value)))
    assert result.profile["magnesium_products"][0]["dose_mg"] == mg


def test_a_unit_that_is_neither_count_nor_mass_is_said():
    result = mapped(with_record(medicationStatements=[]), s.searchset(sandbox_draft("{puff}")))
    assert result.profile["magnesium_products"] == []
    assert texts(result) == [
        (
            "MedicationRequest/draft-1",
            "Magnesium Oxide 400 MG Oral Capsule: dose 2 {puff} could not be converted to mg, "
            "so the order's dose was not used",
            True,
        )
    ]


def test_a_milk_of_magnesia_dose_in_ml_uses_the_strength_per_ml():
    statement = s.medication_statement(
        "mom",
        s.A,
        "0",
        "Milk of Magnesia 400 MG/5 ML Oral Suspension",
        {"doseAndRate": [{"doseQuantity": {"value": 30, "code": "mL"}}], "text": "at bedtime"},
    )
    result = mapped(with_record(medicationStatements=[statement]))
    assert result.profile["magnesium_products"][0]["dose_mg"] == 2400.0


def test_a_medication_reference_by_absolute_full_url_is_resolved():
    medication = {
        "resourceType": "Medication",
        "id": "med-1",
        "code": {
            "coding": [{"system": RXNORM, "code": "313988"}],
            "text": "Furosemide 40 MG Oral Tablet",
        },
    }
    request = coded_only("f", "0")
    del request["medicationCodeableConcept"]
    request["medicationReference"] = {"reference": "https://ehr.example.org/fhir/Medication/med-1"}
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": "https://ehr.example.org/fhir/MedicationRequest/f", "resource": request},
            {
                "fullUrl": "https://ehr.example.org/fhir/Medication/med-1",
                "resource": medication,
                "search": {"mode": "include"},
            },
        ],
    }
    prefetch = with_record()
    prefetch["medicationRequests"] = bundle
    result = mapped(prefetch)
    assert result.profile["medications"] == [
        {"name": "Furosemide 40 MG Oral Tablet", "rxnorm": "313988"}
    ]
    assert texts(result) == []


def test_an_unresolved_reference_without_display_is_said():
    request = coded_only("f", "0")
    del request["medicationCodeableConcept"]
    request["medicationReference"] = {"reference": "Medication/elsewhere"}
    result = mapped(with_record(medicationRequests=[request]))
    assert texts(result) == [
        (
            "MedicationRequest/f",
            "medication reference Medication/elsewhere could not be resolved and has no display: "
            "interactions with it were not checked",
            True,
        )
    ]


@pytest.mark.parametrize("status", ["Active", "ACTIVE", " active "])
def test_status_is_compared_case_insensitively(status):
    request = s.medication_request("f", s.A, "4603", "Furosemide 40 MG Oral Tablet", status=status)
    result = mapped(with_record(medicationRequests=[request]))
    assert [m["name"] for m in result.profile["medications"]] == ["Furosemide 40 MG Oral Tablet"]
    assert texts(result) == []


def test_a_missing_or_foreign_status_is_read_as_current_and_said():
    missing = s.medication_request("a", s.A, "4603", "Furosemide 40 MG Oral Tablet")
    del missing["status"]
    foreign = s.medication_request("b", s.A, "3640", "Doxycycline 100 MG", status="dispensed")
    result = mapped(with_record(medicationRequests=[missing, foreign]))
    assert len(result.profile["medications"]) == 2
    assert texts(result) == [
        ("MedicationRequest/a", "no status: read as current, so it is checked", False),
        (
            "MedicationRequest/b",
            "status 'dispensed' is not a FHIR R4 status: read as current, so it is checked",
            False,
        ),
    ]


def test_a_dstu2_medication_order_is_said():
    order = s.medication_request("o", s.A, "4603", "Furosemide 40 MG Oral Tablet")
    order["resourceType"] = "MedicationOrder"
    result = mapped(with_record(medicationRequests=[order]))
    assert result.profile["medications"] == []
    assert texts(result) == [
        (
            "MedicationOrder/o",
            "MedicationOrder is a FHIR DSTU2 resource; this service reads R4 MedicationRequest: "
            "interactions with it were not checked",
            True,
        )
    ]


def test_a_draft_without_a_medication_is_skipped_quietly():
    draft = {"resourceType": "MedicationRequest", "id": "new", "status": "draft", "intent": "order"}
    result = mapped(with_record(), s.searchset(draft), selections=["MedicationRequest/new"])
    assert result.selected_drafts == 0 and texts(result) == []


def test_selections_mark_the_selected_drafts():
    mg = s.draft_magnesium_order()
    other = s.medication_request("amox", s.B, "617993", "Amoxicillin 500 MG", status="draft")
    result = mapped(with_record(), s.searchset(mg, other), selections=["MedicationRequest/amox"])
    assert [o.selected for o in result.draft_orders] == [False]
    assert result.selected_medications == ["Amoxicillin 500 MG"]


# --- patient, bundles ------------------------------------------------------------------------


def test_a_deceased_patient_is_flagged():
    patient = s.patient(s.A, "1944-03-02", "female")
    patient["deceasedDateTime"] = "2026-01-01"
    assert mapped(with_record(patient=patient)).deceased is True


@pytest.mark.parametrize(
    "bundle_change",
    [
        lambda b: b.update(link=[{"relation": "next", "url": "https://ehr/fhir?_getpages=x"}]),
        lambda b: b.update(total=4),
    ],
)
def test_a_partial_page_says_the_list_is_incomplete(bundle_change):
    prefetch = with_record()
    bundle = copy.deepcopy(prefetch["medicationRequests"])
    bundle_change(bundle)
    prefetch["medicationRequests"] = bundle
    result = mapped(prefetch)
    [(source, text, safety)] = texts(result)
    assert source == "prefetch medicationRequests" and safety
    assert text.startswith("the list is incomplete (1") and "not checked" in text


def test_malformed_elements_are_said_naming_the_element():
    prefetch = with_record()
    prefetch["egfr"]["entry"][0]["resource"]["code"] = {"coding": "98979-8"}
    result = mapped(prefetch)
    assert result.profile["kidney"]["egfr"] == 41.0  # the older, readable one
    assert texts(result) == [
        (
            "Observation/egfr-new",
            "could not be read (not valid FHIR R4: coding is not a list of objects): not used",
            True,
        )
    ]


def test_milk_of_magnesia_without_a_strength_uses_the_usp_strength_for_the_ml_dose():
    statement = s.medication_statement(
        "mom",
        s.A,
        "0",
        "Milk of Magnesia",
        {"doseAndRate": [{"doseQuantity": {"value": 30, "code": "mL"}}], "text": "at bedtime"},
    )
    result = mapped(with_record(medicationStatements=[statement]))
    assert result.profile["magnesium_products"] == [
        {
            "form": "hydroxide",
            "route": "oral",
            "dose_mg": 2400.0,
            "dose_basis": "compound",
            "times_per_day": 1,
            "purpose": "antacid_laxative",
        }
    ]

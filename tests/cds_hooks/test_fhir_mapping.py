"""FHIR R4 → profile: each field read, and every piece of data it could not use noted."""

from __future__ import annotations

from datetime import date

import pytest

from service.cds_hooks.fhir_mapping import CAUDA_EQUINA_TOKEN, map_patient
from service.schemas import ProfileSchema
from tests.cds_hooks import scenarios as s

TODAY = date(2026, 11, 25)


def mapped(prefetch, drafts=None):
    return map_patient(prefetch, drafts, TODAY)


def prefetch_with(**resources):
    """Scenario A's prefetch with some keys replaced by searchsets of `resources`."""
    prefetch = s.prefetch_of(s.scenario_a_resources())
    for key, value in resources.items():
        prefetch[key] = value if key == "patient" else s.searchset(*value)
    return prefetch


def mg_statement(name, dose=None, **extra):
    statement = {
        "resourceType": "MedicationStatement",
        "id": "m",
        "status": "active",
        "medicationCodeableConcept": {"text": name},
        "subject": {"reference": "Patient/x"},
    }
    if dose is not None:
        statement["dosage"] = [dose]
    statement.update(extra)
    return statement


def test_scenario_a_maps_to_the_profile_it_describes():
    result = mapped(s.prefetch_of(s.scenario_a_resources()))
    assert result.notes == []
    assert result.profile == {
        "age": 82,
        "sex": "female",
        "kidney": {
            "egfr": 24.0,
            "dialysis": False,
            "creatinine": {"value": 1.9, "unit": "mg/dL"},
        },
        "serum_magnesium": {"value": 2.0, "unit": "mg/dL"},
        "medications": [{"name": "Furosemide 40 MG Oral Tablet", "rxnorm": "4603"}],
        "magnesium_products": [
            {
                "form": "oxide",
                "route": "oral",
                "dose_mg": 400.0,
                "dose_basis": "compound",
                "times_per_day": 1,
                "purpose": "supplement",
            }
        ],
    }
    ProfileSchema().load(result.profile)


def test_scenario_b_reads_the_draft_order_and_sciatica():
    request = s.scenario_b_request()
    result = mapped(request["prefetch"], request["context"]["draftOrders"])
    assert result.profile["back_pain"] == {"radiating": True}
    assert result.profile["medications"] == [
        {"name": "doxycycline hyclate 100 MG Oral Capsule", "rxnorm": "1649988"}
    ]
    assert result.profile["magnesium_products"] == [
        {
            "form": "oxide",
            "route": "oral",
            "dose_mg": 400.0,
            "dose_basis": "compound",
            "times_per_day": 2,
            "purpose": "supplement",
        }
    ]
    [order] = result.draft_orders
    assert order.product_index == 0 and order.resource["id"] == s.MG_ORDER_ID


@pytest.mark.parametrize(
    ("name", "dose", "expected"),
    [
        (
            "Magnesium Oxide 400 MG Oral Tablet",
            s.dosage(2, 1, "2 tablets daily"),
            {"form": "oxide", "dose_mg": 800.0, "dose_basis": "compound"},
        ),
        (
            "magnesium hydroxide 400 MG/5ML Oral Suspension",
            {
                "timing": {
                    "code": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
                                "code": "BID",
                            }
                        ]
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": 30, "unit": "mL", "code": "mL"}}],
            },
            {
                "form": "hydroxide",
                "dose_mg": 2400.0,
                "dose_basis": "compound",
                "times_per_day": 2,
                "purpose": "antacid_laxative",
            },
        ),
        (
            "Aluminum Hydroxide 40 MG/ML / Magnesium Hydroxide 40 MG/ML / Simethicone 4 MG/ML "
            "Oral Suspension",
            {
                "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mL"}}],
                "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
            },
            {
                "form": "hydroxide",
                "dose_mg": 400.0,
                "times_per_day": 3,
                "purpose": "antacid_laxative",
            },
        ),
        (
            "Magnesium (as glycinate) 200 mg capsule",
            {"doseAndRate": [{"doseQuantity": {"value": 1}}], "text": "once daily"},
            {"form": "glycinate", "dose_mg": 200.0, "dose_basis": "elemental"},
        ),
        (
            "magnesium citrate 1000 mg",
            {
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "g"}}],
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}},
            },
            {"form": "citrate", "dose_mg": 1000.0, "times_per_day": 1},
        ),
        (
            "Magnesium Bisglycinate 500 MG Oral Capsule",
            {"text": "1 capsule twice a day", "doseAndRate": [{"doseQuantity": {"value": 1}}]},
            {"form": "glycinate", "dose_mg": 500.0, "times_per_day": 2},
        ),
        (
            "Magnesium 250 MG Oral Tablet",
            {"doseAndRate": {"doseQuantity": {"value": 1, "unit": "tablet"}}, "text": "nightly"},
            {"form": "unspecified", "dose_mg": 250.0, "dose_basis": "elemental"},
        ),
        ("Magnesium chloride topical spray", None, {"form": "chloride", "route": "topical"}),
        ("Epsom salt bath flakes", None, {"form": "sulfate", "route": "topical"}),
    ],
)
def test_magnesium_products_from_name_and_dosage(name, dose, expected):
    result = mapped(prefetch_with(medicationStatements=[mg_statement(name, dose)]))
    [product] = result.profile["magnesium_products"]
    assert expected.items() <= product.items()
    ProfileSchema().load(result.profile)


def test_esomeprazole_magnesium_is_a_ppi_not_a_magnesium_product():
    result = mapped(
        prefetch_with(
            medicationStatements=[
                mg_statement(
                    "Esomeprazole Magnesium 40 MG Delayed Release Oral Capsule",
                    s.dosage(1, 1, "daily"),
                )
            ]
        )
    )
    assert result.profile["magnesium_products"] == []
    assert result.profile["medications"][-1]["name"].startswith("Esomeprazole")


@pytest.mark.parametrize(
    ("name", "dose", "listed_as", "notes"),
    [
        # An excipient, not magnesium intake: the knowledge base reads it as a medication.
        (
            "Magnesium Stearate 500 MG Oral Tablet",
            s.dosage(1, 1, "daily"),
            "Magnesium Stearate 500 MG Oral Tablet",
            [],
        ),
        # No volume: the knowledge base says the amount is unknown (intake.dose_unknown).
        (
            "magnesium hydroxide 400 MG/5ML Oral Suspension",
            None,
            "magnesium hydroxide 400 MG/5ML Oral Suspension",
            [],
        ),
        # No frequency: the words go along; "at bedtime" is for the knowledge base to read.
        (
            "Magnesium Oxide 400 MG Oral Tablet",
            {
                "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "tablet"}}],
                "text": "with food",
            },
            "Magnesium Oxide 400 MG Oral Tablet 2 tablets with food",
            [],
        ),
        (
            "Magnesium Oxide 400 MG Oral Tablet",
            {"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "puff"}}]},
            "Magnesium Oxide 400 MG Oral Tablet",
            [
                (
                    "MedicationStatement/m",
                    "Magnesium Oxide 400 MG Oral Tablet: dose 2 puff could not be converted to "
                    "mg, so the order's dose was not used",
                    True,
                )
            ],
        ),
    ],
)
def test_magnesium_the_dosage_does_not_quantify_goes_to_the_knowledge_base_as_words(
    name, dose, listed_as, notes
):
    result = mapped(prefetch_with(medicationStatements=[mg_statement(name, dose)]))
    assert result.profile["magnesium_products"] == []
    assert result.profile["medications"][-1] == {"name": listed_as}
    assert [(n.source, n.text, n.affects_safety) for n in result.notes] == notes


def test_a_tablet_without_a_dose_counts_one_unit_and_says_so():
    dose = {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}
    result = mapped(
        prefetch_with(
            medicationStatements=[mg_statement("Magnesium Oxide 400 MG Oral Tablet", dose)]
        )
    )
    assert result.profile["magnesium_products"][0]["dose_mg"] == 400.0
    assert result.profile["magnesium_products"][0]["times_per_day"] == 1
    assert [n.text for n in result.notes] == [
        "Magnesium Oxide 400 MG Oral Tablet: no dose given, counted as one unit (400 mg) per dose",
    ]


def test_inactive_medications_are_left_out():
    stopped = mg_statement(
        "Magnesium Oxide 400 MG Oral Tablet", s.dosage(1, 1, "daily"), status="stopped"
    )
    result = mapped(prefetch_with(medicationStatements=[stopped]))
    assert result.profile["magnesium_products"] == [] and result.notes == []


def test_medication_reference_is_resolved_from_contained():
    statement = mg_statement("x", s.dosage(1, 1, "daily"))
    del statement["medicationCodeableConcept"]
    statement["contained"] = [
        {
            "resourceType": "Medication",
            "id": "med",
            "code": {"text": "Furosemide 20 MG Oral Tablet"},
        }
    ]
    statement["medicationReference"] = {"reference": "#med"}
    result = mapped(prefetch_with(medicationStatements=[statement]))
    assert {"name": "Furosemide 20 MG Oral Tablet"} in result.profile["medications"]


def test_a_medication_without_a_name_is_noted():
    statement = mg_statement("x")
    statement["medicationCodeableConcept"] = {"coding": [{"system": "urn:local", "code": "42"}]}
    result = mapped(prefetch_with(medicationStatements=[statement]))
    assert "not checked for interactions" in result.notes[0].text


def test_the_newest_egfr_wins_and_comparators_are_honoured():
    low = s.observation("e1", s.A, "62238-1", "eGFR", 15, s.EGFR_UNIT, "2026-11-01")
    low["valueQuantity"]["comparator"] = "<"
    result = mapped(
        prefetch_with(
            egfr=[low, s.observation("e0", s.A, "98979-8", "eGFR", 50, s.EGFR_UNIT, "2026-01-01")]
        )
    )
    assert result.profile["kidney"]["egfr"] == pytest.approx(14.9)
    assert "<15" in result.notes[0].text


def test_an_egfr_in_an_unknown_unit_is_not_used():
    odd = s.observation(
        "e1",
        s.A,
        "98979-8",
        "eGFR",
        0.4,
        {"unit": "mg/dL", "code": "mg/dL"},
        "2026-11-01",
    )
    result = mapped(prefetch_with(egfr=[odd], creatinine=[]))
    assert result.profile["kidney"]["egfr"] is None
    assert result.notes[0].affects_safety and "unit" in result.notes[0].text


def test_entered_in_error_observations_are_ignored():
    wrong = s.observation("e1", s.A, "98979-8", "eGFR", 5, s.EGFR_UNIT, "2026-11-20")
    wrong["status"] = "entered-in-error"
    result = mapped(prefetch_with(egfr=[wrong, *s.scenario_a_resources()["egfr"]]))
    assert result.profile["kidney"]["egfr"] == 24.0


@pytest.mark.parametrize(
    ("code", "egfr", "dialysis"),
    [
        ("431857002", 29.0, False),
        ("433146000", 14.0, False),
        ("46177005", 14.0, False),
        ("714152005", 14.0, True),
        ("105502003", None, True),
    ],
)
def test_ckd_stage_and_dialysis_from_conditions_when_no_egfr(code, egfr, dialysis):
    result = mapped(
        prefetch_with(egfr=[], creatinine=[], conditions=[s.condition("c", s.A, code, "kidney")])
    )
    assert result.profile["kidney"] == {"egfr": egfr, "dialysis": dialysis}


def test_a_ckd_stage_does_not_override_a_measured_egfr():
    result = mapped(prefetch_with(conditions=[s.condition("c", s.A, "431857002", "CKD 4")]))
    assert result.profile["kidney"]["egfr"] == 24.0


def test_creatinine_without_egfr_is_passed_on_for_the_knowledge_base_to_compute():
    result = mapped(prefetch_with(egfr=[]))
    assert result.profile["kidney"] == {
        "egfr": None,
        "dialysis": False,
        "creatinine": {"value": 1.9, "unit": "mg/dL"},
    }
    assert result.notes == []


def test_serum_magnesium_in_mmol_per_litre():
    mg = s.observation(
        "mg", s.A, "2601-3", "Magnesium", 0.6, {"unit": "mmol/L", "code": "mmol/L"}, "2026-11-01"
    )
    assert mapped(prefetch_with(magnesium=[mg])).profile["serum_magnesium"] == {
        "value": 0.6,
        "unit": "mmol/L",
    }


def test_pregnancy_from_the_observation_and_from_a_condition():
    obs = s.observation("p", s.A, "82810-3", "Pregnancy status", 0, {}, "2026-11-01")
    del obs["valueQuantity"]
    obs["valueCodeableConcept"] = {"coding": [{"system": s.SNOMED, "code": "77386006"}]}
    young = s.patient(s.A, "1995-01-01", "female")
    assert mapped(prefetch_with(patient=young, pregnancy=[obs])).profile["pregnant"] is True
    condition = s.condition("preg", s.A, "77386006", "Pregnancy")
    assert mapped(prefetch_with(patient=young, conditions=[condition])).profile["pregnant"] is True


def test_cauda_equina_syndrome_raises_its_red_flag():
    result = mapped(
        prefetch_with(conditions=[s.condition("ces", s.A, "192970008", "Cauda equina syndrome")])
    )
    assert result.profile["red_flags"] == [CAUDA_EQUINA_TOKEN]
    ProfileSchema().load(result.profile)


def test_resolved_conditions_are_ignored():
    sciatica = s.condition("sc", s.A, "23056005", "Sciatica")
    sciatica["clinicalStatus"]["coding"][0]["code"] = "resolved"
    assert "back_pain" not in mapped(prefetch_with(conditions=[sciatica])).profile


def test_null_and_operation_outcome_mean_no_data():
    prefetch = {key: None for key in s.prefetch_of(s.scenario_a_resources())}
    prefetch["patient"] = s.patient(s.A, "1980-06", "male")
    prefetch["medicationRequests"] = {"resourceType": "OperationOutcome", "issue": []}
    result = mapped(prefetch)
    assert result.profile["age"] == 46 and result.profile["sex"] == "male"
    assert result.profile["kidney"] == {"egfr": None, "dialysis": False}
    assert {n.source for n in result.notes} == {
        "Patient/pv-older-woman",
        "prefetch medicationRequests",
    }


def test_a_patient_without_birth_date_or_gender():
    result = mapped(prefetch_with(patient={"resourceType": "Patient", "id": "p"}))
    assert "age" not in result.profile and result.profile["sex"] == "unknown"
    assert {n.text for n in result.notes} == {
        "no usable birthDate: age unknown",
        "no gender: sex taken as unknown",
    }


def test_a_statement_based_on_a_listed_prescription_is_counted_once():
    order = s.medication_request(
        "rx", s.A, "311486", "Magnesium Oxide 400 MG Oral Tablet", dose=s.dosage(1, 1, "daily")
    )
    statement = mg_statement("Magnesium Oxide 400 MG Oral Tablet", s.dosage(1, 1, "daily"))
    statement["basedOn"] = [{"reference": "MedicationRequest/rx"}]
    result = mapped(prefetch_with(medicationRequests=[order], medicationStatements=[statement]))
    assert len(result.profile["magnesium_products"]) == 1

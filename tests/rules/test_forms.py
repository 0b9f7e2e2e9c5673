"""rules/forms.py: form and route choice, evidence notes, the dose ceiling (CLINICAL.md §8)."""

from __future__ import annotations

import pytest

from tests.conftest import codes, finding
from tests.rules.profiles import antacid, assert_sourced, oral, topical


@pytest.mark.parametrize(
    ("preference", "symptoms", "form", "route"),
    [
        ("topical", [], "chloride", "topical"),
        ("topical", ["diarrhea"], "chloride", "topical"),  # step 1 before step 2
        ("topical", ["constipation"], "chloride", "topical"),
        ("any", ["diarrhea"], "glycinate", "oral"),
        ("any", ["nausea"], "glycinate", "oral"),
        ("any", ["abdominal_cramping"], "glycinate", "oral"),
        ("oral", ["constipation", "diarrhea"], "glycinate", "oral"),
        ("any", ["constipation", "nausea"], "glycinate", "oral"),
        ("any", ["constipation"], "citrate", "oral"),
        ("oral", ["constipation"], "citrate", "oral"),
        ("any", [], "glycinate", "oral"),
        ("oral", ["lethargy"], "glycinate", "oral"),
    ],
)
def test_form_choice_order(recommend, preference, symptoms, form, route):
    rec = recommend(route_preference=preference, symptoms=symptoms)
    assert (rec["plan"]["form"], rec["plan"]["route"]) == (form, route)
    if route == "topical":
        assert rec["summary"].startswith("Topical magnesium chloride may be tried")
    else:
        assert f"{form} ({route})" in rec["summary"]
    assert ("form.citrate_for_constipation" in codes(rec)) is (form == "citrate")


def test_citrate_note_explains_the_laxative_effect(recommend):
    f = finding(recommend(symptoms=["constipation"]), "form.citrate_for_constipation")
    assert f["severity"] == "info" and "laxative" in f["explanation"]
    assert f["evidence"] == {"symptoms": ["constipation"]}
    assert_sourced(f)


@pytest.mark.parametrize(
    ("preference", "products", "fires"),
    [
        ("topical", [], True),
        ("any", [topical()], True),
        ("oral", [topical("sulfate")], True),
        ("any", [], False),
        ("oral", [oral(100)], False),
    ],
)
def test_topical_evidence_is_limited(recommend, preference, products, fires):
    rec = recommend(route_preference=preference, magnesium_products=products)
    assert ("form.topical_evidence_limited" in codes(rec)) is fires
    if fires:
        f = finding(rec, "form.topical_evidence_limited")
        assert "unproven" in f["explanation"] and f["severity"] == "info"
        assert f["evidence"] == {"route_preference": preference, "topical_products": len(products)}
        assert any(s["key"] == "GROBER17" for s in f["sources"])


@pytest.mark.parametrize(
    ("products", "fires"),
    [
        ([oral(400, form="oxide", basis="compound")], True),
        ([antacid(100, form="oxide")], True),
        ([oral(100, form="citrate")], False),
        ([topical("oxide")], False),
    ],
)
def test_oxide_is_noted_and_never_recommended(recommend, products, fires):
    rec = recommend(magnesium_products=products)
    assert ("form.oxide_low_absorption" in codes(rec)) is fires
    if fires:
        f = finding(rec, "form.oxide_low_absorption")
        assert f["evidence"] == {"products": ["oxide"]} and "glycinate" in f["action"]
        assert_sourced(f)
    assert rec["plan"]["form"] != "oxide"


@pytest.mark.parametrize(
    ("age", "antacid_mg", "ceiling"),
    [
        (45, 0, 350),
        (45, 100, 250),
        (45, 120.5, 229.5),
        (45, 349.9, 0.1),
        (6, 50, 60),
        (2, 15, 50),
        (12, 0, 350),
    ],
)
def test_plan_ceiling_is_the_age_ul_minus_antacids(recommend, age, antacid_mg, ceiling):
    products = [antacid(antacid_mg)] if antacid_mg else []
    rec = recommend(age=age, magnesium_products=products)
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == pytest.approx(ceiling)
    assert f"at most {ceiling:g} mg" in rec["summary"]


def test_supplements_do_not_lower_the_ceiling(recommend):
    rec = recommend(magnesium_products=[oral(300)])
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == 350


# --- CLINICAL.md §12: how the plan reads ------------------------------------------------------

SELF_CARE_LABEL = "at most, from supplements and magnesium-containing medicines together"
CLINICIAN_LABEL = (
    "upper bound for a clinician-directed dose, not a self-care dose: supplements and "
    "magnesium-containing medicines together"
)
TOPICAL_LABEL = (
    "ceiling for any oral magnesium taken besides (supplements and magnesium-containing "
    "medicines); topical magnesium is not counted toward the upper limit"
)
CLINICIAN_NOTE = (
    "Moderately reduced kidney function: the dose is for the clinician to set. The figure "
    "is an upper bound, not a dose to take."
)
TOPICAL_NOTE = (
    "Topical magnesium is not counted toward the upper limit (absorption through the skin "
    "is unproven). The ceiling applies to any oral magnesium taken besides."
)


def test_a_plain_plan_is_self_care(recommend):
    plan = recommend()["plan"]
    assert plan["dosing"] == "self_care"
    assert plan["ceiling_label"] == SELF_CARE_LABEL
    assert plan["notes"] == []


@pytest.mark.parametrize(
    ("kidney", "dosing"),
    [
        ({"egfr": 30}, "clinician_directed"),
        ({"egfr": 59.9}, "clinician_directed"),
        ({"egfr": 60}, "self_care"),
        # computed: CKD-EPI 2021, female 45, creatinine 1.2 mg/dL → 56.89
        ({"creatinine": {"value": 1.2, "unit": "mg/dL"}}, "clinician_directed"),
        ({"creatinine": {"value": 0.8, "unit": "mg/dL"}}, "self_care"),  # → 92.54
    ],
)
def test_moderate_kidney_disease_makes_the_plan_clinician_directed(recommend, kidney, dosing):
    rec = recommend(kidney=kidney)
    plan = rec["plan"]
    assert plan["dosing"] == dosing
    if dosing == "clinician_directed":
        assert plan["ceiling_label"] == CLINICIAN_LABEL
        assert plan["notes"] == [CLINICIAN_NOTE]
        assert plan["max_supplemental_elemental_mg_per_day"] == 350
        assert rec["summary"] == (
            "Magnesium glycinate (oral) only at a clinician-directed dose, with 350 mg "
            "elemental per day as the upper bound, not a self-care dose, with 1 precaution "
            "listed below."
        )
    else:
        assert plan["ceiling_label"] == SELF_CARE_LABEL
        assert "clinician-directed" not in rec["summary"]


def test_a_topical_plan_says_topical_is_not_counted(recommend):
    rec = recommend(route_preference="topical", magnesium_products=[oral(100), topical()])
    plan = rec["plan"]
    assert (plan["form"], plan["route"]) == ("chloride", "topical")
    assert plan["ceiling_label"] == TOPICAL_LABEL
    assert plan["notes"] == [TOPICAL_NOTE]
    assert plan["max_supplemental_elemental_mg_per_day"] == 350  # the ceiling for oral besides
    assert rec["summary"].startswith(
        "Topical magnesium chloride may be tried (not counted toward the upper limit); any "
        "oral magnesium besides at most 350 mg elemental per day"
    )


def test_topical_with_moderate_kidney_disease_keeps_both_notes(recommend):
    plan = recommend(route_preference="topical", kidney={"egfr": 45})["plan"]
    assert plan["dosing"] == "clinician_directed"
    assert plan["ceiling_label"] == TOPICAL_LABEL
    assert plan["notes"] == [CLINICIAN_NOTE, TOPICAL_NOTE]


@pytest.mark.parametrize(
    "profile",
    [
        {"serum_magnesium": {"value": 1.19, "unit": "mg/dL"}},
        {"symptoms": ["lethargy", "confusion"], "magnesium_products": [oral(100)]},
        {"red_flags": ["long_term_corticosteroids"]},
        {"age": 4, "back_pain": {}},
        {"conditions": ["heart_block"]},
    ],
)
def test_refer_or_avoid_has_no_plan(recommend, profile):
    rec = recommend(**profile)
    assert rec["disposition"] in ("refer", "avoid")
    assert rec["plan"] is None


@pytest.mark.parametrize(
    ("conditions", "form", "citrate_note"),
    [([], "citrate", True), (["dehydration"], "glycinate", False)],
)
def test_no_laxative_salt_for_constipation_when_dehydrated(
    recommend, conditions, form, citrate_note
):
    rec = recommend(symptoms=["constipation"], conditions=conditions)
    assert rec["plan"]["form"] == form
    assert ("form.citrate_for_constipation" in codes(rec)) is citrate_note

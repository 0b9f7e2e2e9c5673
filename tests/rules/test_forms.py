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
    assert f"{form} ({route})" in rec["summary"]
    assert ("form.citrate_for_constipation" in codes(rec)) is (form == "citrate")


def test_citrate_note_explains_the_laxative_effect(recommend):
    f = finding(recommend(symptoms=["constipation"]), "form.citrate_for_constipation")
    assert f["severity"] == "info" and "laxative" in f["explanation"]
    assert f["evidence"] == {"symptoms": ["constipation"]}
    assert_sourced(f)


@pytest.mark.parametrize(
    ("preference", "products", "fires"),
    [("topical", [], True), ("any", [topical()], True), ("oral", [topical("sulfate")], True),
     ("any", [], False), ("oral", [oral(100)], False)],
)
def test_topical_evidence_is_limited(recommend, preference, products, fires):
    rec = recommend(route_preference=preference, magnesium_products=products)
    assert ("form.topical_evidence_limited" in codes(rec)) is fires
    if fires:
        f = finding(rec, "form.topical_evidence_limited")
        assert "unproven" in f["explanation"] and f["severity"] == "info"
        assert f["evidence"] == {"route_preference": preference,
                                 "topical_products": len(products)}
        assert any(s["key"] == "GROBER17" for s in f["sources"])


@pytest.mark.parametrize(
    ("products", "fires"),
    [([oral(400, form="oxide", basis="compound")], True),
     ([antacid(100, form="oxide")], True),
     ([oral(100, form="citrate")], False),
     ([topical("oxide")], False)],
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
    [(45, 0, 350), (45, 100, 250), (45, 120.5, 229.5), (45, 349.9, 0.1), (6, 50, 60), (2, 15, 50),
     (12, 0, 350)],
)
def test_plan_ceiling_is_the_age_ul_minus_antacids(recommend, age, antacid_mg, ceiling):
    products = [antacid(antacid_mg)] if antacid_mg else []
    rec = recommend(age=age, magnesium_products=products)
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == pytest.approx(ceiling)
    assert f"at most {ceiling:g} mg" in rec["summary"]


def test_supplements_do_not_lower_the_ceiling(recommend):
    rec = recommend(magnesium_products=[oral(300)])
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == 350

"""rules/populations.py: pregnancy, lactation, minors, infants, GI side effects (CLINICAL.md §7)."""

from __future__ import annotations

import pytest

from tests.conftest import codes, finding
from tests.rules.profiles import assert_sourced, oral

POPULATION_CODES = {
    "population.pregnancy",
    "population.lactation",
    "population.minor",
    "population.infant",
}


@pytest.mark.parametrize(
    ("field", "code"), [("pregnant", "population.pregnancy"), ("lactating", "population.lactation")]
)
def test_pregnancy_and_lactation_keep_the_adult_ul(recommend, field, code):
    rec = recommend(age=30, **{field: True}, magnesium_products=[oral(350)])
    assert codes(rec) & POPULATION_CODES == {code}
    f = finding(rec, code)
    assert f["evidence"] == {field: True} and f["severity"] == "warning"
    assert "obstetric" in f["action"]
    assert rec["intake"]["upper_limit_mg"] == 350
    assert "intake.ul_exceeded" not in codes(rec)
    assert "intake.ul_exceeded" in codes(
        recommend(age=30, **{field: True}, magnesium_products=[oral(350.1)])
    )
    assert rec["disposition"] == "caution"
    assert_sourced(f)


@pytest.mark.parametrize("field", ["pregnant", "lactating"])
def test_not_pregnant_not_lactating_is_silent(recommend, field):
    assert not codes(recommend(**{field: False})) & POPULATION_CODES


@pytest.mark.parametrize(
    ("age", "expected", "ul"),
    [
        (0, "population.infant", None),
        (1, "population.minor", 65),
        (4, "population.minor", 110),
        (9, "population.minor", 350),
        (17, "population.minor", 350),
        (18, None, 350),
    ],
)
def test_age_boundaries(recommend, age, expected, ul):
    rec = recommend(age=age)
    assert codes(rec) & POPULATION_CODES == ({expected} if expected else set())
    if expected == "population.minor":
        f = finding(rec, expected)
        assert f["evidence"] == {"age": age, "upper_limit_mg": ul}
        assert f"{ul} mg/day" in f["action"]
        assert rec["disposition"] == "caution"
        assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == ul
        assert_sourced(f)
    elif expected == "population.infant":
        f = finding(rec, expected)
        assert f["evidence"] == {"age": 0} and f["severity"] == "critical"
        assert rec["disposition"] == "avoid" and rec["plan"] is None
        assert_sourced(f)
    else:
        assert rec["disposition"] == "suitable"


@pytest.mark.parametrize("symptom", ["diarrhea", "nausea", "abdominal_cramping"])
def test_gi_symptoms(recommend, symptom):
    rec = recommend(symptoms=[symptom])
    f = finding(rec, "side_effect.gi_symptoms")
    assert f["evidence"] == {"symptoms": [symptom]} and f["severity"] == "warning"
    assert f["details"] == {}  # nothing to switch from
    assert "Lower the dose" in f["action"]
    assert_sourced(f)


@pytest.mark.parametrize("form", ["citrate", "oxide", "hydroxide"])
def test_gi_symptoms_on_a_laxative_form_switch_to_glycinate(recommend, form):
    rec = recommend(symptoms=["diarrhea"], magnesium_products=[oral(200, form=form)])
    f = finding(rec, "side_effect.gi_symptoms")
    assert f["details"] == {"switch_from": [form], "switch_to": "glycinate"}
    assert f["action"] == f"Switch from {form} to glycinate and lower the dose."


@pytest.mark.parametrize("form", ["glycinate", "malate", "chloride"])
def test_gi_symptoms_on_other_forms_do_not_switch(recommend, form):
    f = finding(
        recommend(symptoms=["nausea"], magnesium_products=[oral(100, form=form)]),
        "side_effect.gi_symptoms",
    )
    assert "switch_from" not in f["details"]


def test_a_laxative_form_without_symptoms_is_no_side_effect(recommend):
    assert "side_effect.gi_symptoms" not in codes(
        recommend(symptoms=["constipation"], magnesium_products=[oral(200, form="citrate")])
    )

"""service/web/vocabulary.py: every token and form of the rules is offered, grouped as §6."""

from __future__ import annotations

from rules.data import tokens
from rules.data.forms import ELEMENTAL_FRACTION
from service.web import vocabulary


def test_every_red_flag_token_is_offered_once():
    offered = [t for g in vocabulary.RED_FLAG_GROUPS for t in g.tokens]
    assert sorted(offered) == sorted(tokens.RED_FLAG_TOKENS)


def test_every_symptom_token_is_offered_once():
    offered = [t for g in vocabulary.SYMPTOM_GROUPS for t in g.tokens]
    assert sorted(offered) == sorted(tokens.SYMPTOM_TOKENS)


def test_every_condition_token_is_offered_once():
    offered = [t for g in vocabulary.CONDITION_GROUPS for t in g.tokens]
    assert sorted(offered) == sorted(tokens.CONDITION_TOKENS)


def test_condition_and_symptom_groups_follow_clinical_md():
    conditions = {g.legend: g.tokens for g in vocabulary.CONDITION_GROUPS}
    assert conditions == {
        "Magnesium contraindicated": ("myasthenia_gravis", "heart_block", "bowel_obstruction"),
        "Caution": ("dehydration",),
        "Deficiency more likely": (
            "alcohol_use_disorder",
            "type_2_diabetes",
            "malabsorption",
            "chronic_diarrhea",
        ),
    }
    symptoms = {g.legend: g.tokens for g in vocabulary.SYMPTOM_GROUPS}
    assert symptoms["Signs of high magnesium"] == (
        "muscle_weakness",
        "lethargy",
        "confusion",
        "low_blood_pressure",
        "slow_heartbeat",
        "flushing",
    )
    assert symptoms["Signs of low magnesium"] == ("muscle_cramps", "tremor", "palpitations")
    assert symptoms["With digoxin"] == ("visual_disturbance",)
    assert "Other" not in symptoms and "Other" not in conditions


def test_red_flag_groups_follow_clinical_md():
    groups = {g.legend: g.tokens for g in vocabulary.RED_FLAG_GROUPS}
    assert groups["Cauda equina"] == tokens.CAUDA_EQUINA
    assert groups["Aortic aneurysm"] == tokens.VASCULAR
    assert "Other" not in groups


def test_every_token_has_words():
    for token in tokens.ALL_TOKENS | tokens.CONDITION_TOKENS:
        assert token in vocabulary.TOKEN_LABELS, token


def test_unlabelled_token_is_worded_from_itself():
    assert vocabulary.token_label("new_red_flag") == "New red flag"


def test_every_form_is_offered_glycinate_first():
    options = vocabulary.form_options()
    assert {v for v, _ in options} == set(ELEMENTAL_FRACTION)
    assert options[0] == ("glycinate", "glycinate · 14.1 %")

"""rules/comorbidities.py: conditions and signs of deficiency (CLINICAL.md §11, v2)."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from rules import ProfileError
from rules import evaluate as evaluate_profile
from rules.model import Profile
from tests.conftest import codes, finding
from tests.rules.conftest import evaluate
from tests.rules.profiles import assert_sourced

# CLINICAL.md §11, written out: token → (finding, effect).
CONDITIONS = [
    ("myasthenia_gravis", "condition.myasthenia_gravis", "avoid"),
    ("heart_block", "condition.heart_block", "avoid"),
    ("bowel_obstruction", "condition.bowel_obstruction", "avoid"),
    ("dehydration", "condition.dehydration", "caution"),
    ("alcohol_use_disorder", "deficiency.risk", "info"),
    ("type_2_diabetes", "deficiency.risk", "info"),
    ("malabsorption", "deficiency.risk", "info"),
    ("chronic_diarrhea", "deficiency.risk", "info"),
]
CONDITION_CODES = {
    "condition.myasthenia_gravis",
    "condition.heart_block",
    "condition.bowel_obstruction",
    "condition.dehydration",
    "deficiency.risk",
    "deficiency.signs",
}
DISPOSITION = {"avoid": "avoid", "caution": "caution", "info": "suitable"}


@pytest.mark.parametrize(("token", "code", "effect"), CONDITIONS)
def test_each_condition_gives_its_finding(recommend, token, code, effect):
    rec = recommend(conditions=[token])
    assert codes(rec) == {code}
    f = finding(rec, code)
    assert f["effect"] == effect
    assert f["evidence"] == {"conditions": [token]}
    assert rec["disposition"] == DISPOSITION[effect]
    assert (rec["plan"] is None) is (effect == "avoid")
    assert_sourced(f)


def test_no_conditions_no_finding(recommend):
    assert not codes(recommend(conditions=[])) & CONDITION_CODES


def test_risk_groups_give_one_finding_listing_them_all(recommend):
    rec = recommend(conditions=["type_2_diabetes", "alcohol_use_disorder"])
    risk = [f for f in rec["findings"] if f["code"] == "deficiency.risk"]
    assert len(risk) == 1
    assert risk[0]["evidence"] == {"conditions": ["alcohol_use_disorder", "type_2_diabetes"]}
    assert risk[0]["action"] == "Check serum magnesium; a supplement may be reasonable."


def test_dehydration_says_to_correct_fluids_first(recommend):
    f = finding(recommend(conditions=["dehydration"]), "condition.dehydration")
    assert "fluids first" in f["action"].lower()


@pytest.mark.parametrize("sign", ["muscle_cramps", "tremor", "palpitations"])
def test_signs_of_deficiency_ask_for_a_serum_level(recommend, sign):
    rec = recommend(symptoms=[sign])
    assert codes(rec) == {"deficiency.signs"}
    f = finding(rec, "deficiency.signs")
    assert f["effect"] == "info" and f["evidence"] == {"symptoms": [sign]}
    assert f["action"] == "Check serum magnesium."
    assert rec["disposition"] == "suitable"
    assert_sourced(f)


@pytest.mark.parametrize("sign", ["nausea", "lethargy", "visual_disturbance", "constipation"])
def test_other_symptoms_are_not_signs_of_deficiency(recommend, sign):
    assert "deficiency.signs" not in codes(recommend(symptoms=[sign]))


def test_a_condition_token_is_not_a_symptom(recommend):
    with pytest.raises(ValidationError) as raised:
        recommend(symptoms=["heart_block"])
    assert list(raised.value.messages) == ["symptoms"]


def test_the_knowledge_base_refuses_an_unknown_condition_naming_the_field():
    # A Profile built in code skips the schema: the knowledge base checks again.
    with pytest.raises(ProfileError) as raised:
        evaluate_profile(Profile(age=40, sex="female", conditions=frozenset({"gout"})))
    assert raised.value.field == "conditions"


def test_contraindications_outrank_caution_but_not_referral(recommend):
    rec = recommend(conditions=["heart_block", "dehydration"], red_flags=["fever"])
    assert rec["disposition"] == "refer"
    assert {"condition.heart_block", "condition.dehydration"} <= codes(rec)
    assert evaluate(conditions=["heart_block", "dehydration"]).disposition == "avoid"

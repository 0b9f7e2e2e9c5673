"""rules/toxicity.py: signs of magnesium and digoxin toxicity (CLINICAL.md §4, v2).

Expected tables are written out here, not imported, so a token dropped from the rules is caught.
"""

from __future__ import annotations

import pytest

from tests.conftest import codes, finding
from tests.rules.profiles import antacid, assert_sourced, meds, oral, topical

TOXIC = "toxicity.hypermagnesemia"
UNEXPLAINED = "review.unexplained_signs"
DIGOXIN = "toxicity.digoxin_suspected"
CARDINAL = ["muscle_weakness", "lethargy", "confusion", "low_blood_pressure", "slow_heartbeat"]
ONE_SIGN = [*CARDINAL, "flushing"]  # a cardinal sign, or flushing, counts with a risk context

# Each risk context (CLINICAL.md §4), with the words the finding gives for it.
CONTEXTS = {
    "age 65": ({"age": 65}, ["age 65"]),
    "egfr 59.9": ({"kidney": {"egfr": 59.9}}, ["eGFR 59.9, under 60"]),
    "dialysis": ({"kidney": {"dialysis": True}}, ["dialysis"]),
    # CKD-EPI 2021, female, 45 years, creatinine 1.2 mg/dL: 142 × 1.012 × (1.2/0.7)^−1.2 × 0.9938^45
    "computed egfr 56.89": (
        {"kidney": {"creatinine": {"value": 1.2, "unit": "mg/dL"}}},
        ["eGFR 56.89, under 60"],
    ),
    "intake 350.1": (
        {"magnesium_products": [oral(350.1)]},
        ["oral intake 350.1 mg/day, over the UL of 350"],
    ),
    "serum 2.31": (
        {"serum_magnesium": {"value": 2.31, "unit": "mg/dL"}},
        ["serum magnesium 2.31 mg/dL"],
    ),
    "antacid": (
        {"magnesium_products": [antacid(100)]},
        ["magnesium taken as an antacid or laxative"],
    ),
}
# The other side of each line: no risk context.
NOT_CONTEXTS = {
    "age 64": {"age": 64},
    "egfr 60": {"kidney": {"egfr": 60}},
    "intake at the UL": {"magnesium_products": [oral(350)]},
    "serum 2.3": {"serum_magnesium": {"value": 2.3, "unit": "mg/dL"}},
    "supplement, not antacid": {"magnesium_products": [oral(100)]},
}


def _with_magnesium(profile: dict) -> dict:
    """Add a 100 mg oral supplement unless the profile already takes oral magnesium."""
    if "magnesium_products" in profile:
        return profile
    return {**profile, "magnesium_products": [oral(100)]}


@pytest.mark.parametrize("sign", ONE_SIGN)
@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_one_sign_with_a_risk_context_is_toxicity(recommend, sign, context):
    profile, words = CONTEXTS[context]
    rec = recommend(symptoms=[sign], **_with_magnesium(profile))
    f = finding(rec, TOXIC)
    assert f["effect"] == "refer" and f["urgency"] == "emergency"
    assert f["evidence"]["signs"] == [sign]
    assert f["evidence"]["risk_context"] == words
    assert f["details"]["cardinal_signs"] == ([sign] if sign != "flushing" else [])
    assert rec["disposition"] == "refer" and rec["referral"]["urgency"] == "emergency"
    assert rec["plan"] is None
    assert [x["code"] for x in rec["findings"]].count(TOXIC) == 1  # one finding, many rules
    assert_sourced(f)


@pytest.mark.parametrize("sign", ONE_SIGN)
@pytest.mark.parametrize("context", sorted(NOT_CONTEXTS))
def test_one_sign_without_a_risk_context_is_not_toxicity(recommend, sign, context):
    rec = recommend(symptoms=[sign], **_with_magnesium(NOT_CONTEXTS[context]))
    assert TOXIC not in codes(rec)
    assert rec["disposition"] != "refer"


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_nausea_never_counts_alone(recommend, context):
    profile, _ = CONTEXTS[context]
    rec = recommend(symptoms=["nausea"], **_with_magnesium(profile))
    assert TOXIC not in codes(rec)
    assert "side_effect.gi_symptoms" in codes(rec)


@pytest.mark.parametrize("sign", ONE_SIGN)
@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_without_oral_magnesium_a_sign_with_context_is_not_toxicity(recommend, sign, context):
    profile, _ = CONTEXTS[context]
    if "magnesium_products" in profile:
        profile = {k: v for k, v in profile.items() if k != "magnesium_products"}
    rec = recommend(symptoms=[sign], **profile)
    assert TOXIC not in codes(rec)
    assert UNEXPLAINED not in codes(rec)  # one sign only


@pytest.mark.parametrize("context", ["age 65", "egfr 59.9", "serum 2.31"])
def test_topical_magnesium_does_not_count_as_taking_magnesium(recommend, context):
    profile, _ = CONTEXTS[context]
    rec = recommend(symptoms=["lethargy"], magnesium_products=[topical()], **profile)
    assert TOXIC not in codes(rec)


@pytest.mark.parametrize(
    ("signs", "toxic"),
    [
        (["lethargy", "nausea"], True),
        (["confusion", "flushing"], True),
        (["muscle_weakness", "low_blood_pressure"], True),
        (["slow_heartbeat", "lethargy", "confusion"], True),
        (["flushing", "nausea"], False),  # a GI side effect (§7), not toxicity
        (["nausea"], False),
        (["flushing"], False),
        (["lethargy"], False),
        (["lethargy", "diarrhea"], False),  # diarrhoea is not a sign of toxicity
        (["lethargy", "tremor"], False),  # tremor is a sign of deficiency
    ],
)
def test_two_signs_with_one_cardinal_whatever_the_context(recommend, signs, toxic):
    rec = recommend(symptoms=signs, magnesium_products=[oral(100)])  # age 45, no context
    assert (TOXIC in codes(rec)) is toxic
    if toxic:
        f = finding(rec, TOXIC)
        assert f["evidence"]["signs"] == sorted(signs)
        assert "risk_context" not in f["evidence"]
        assert f["evidence"]["oral_magnesium"] == ["magnesium glycinate"]


def test_flushing_with_nausea_alone_is_a_side_effect(recommend):
    rec = recommend(symptoms=["flushing", "nausea"], magnesium_products=[oral(100)])
    assert codes(rec) == {"side_effect.gi_symptoms"}
    assert rec["disposition"] == "caution"


@pytest.mark.parametrize(
    ("signs", "products", "expected"),
    [
        (["slow_heartbeat", "low_blood_pressure"], [], {UNEXPLAINED}),
        (["lethargy", "muscle_weakness", "confusion"], [], {UNEXPLAINED}),
        (["slow_heartbeat", "low_blood_pressure"], [topical()], {UNEXPLAINED}),
        (["slow_heartbeat", "low_blood_pressure"], [oral(100)], {TOXIC}),
        (["slow_heartbeat"], [], set()),
        (["slow_heartbeat", "flushing"], [], set()),  # one cardinal sign
        (["slow_heartbeat", "nausea"], [], set()),
    ],
)
def test_two_cardinal_signs_without_magnesium_need_evaluation(recommend, signs, products, expected):
    rec = recommend(symptoms=signs, magnesium_products=products)
    assert codes(rec) & {TOXIC, UNEXPLAINED} == expected
    if expected == {UNEXPLAINED}:
        f = finding(rec, UNEXPLAINED)
        assert f["effect"] == "refer" and f["urgency"] == "urgent"
        assert f["evidence"] == {"signs": sorted(s for s in signs if s in CARDINAL)}
        assert rec["referral"]["urgency"] == "urgent" and rec["plan"] is None
        assert_sourced(f)


@pytest.mark.parametrize("sign", ["nausea", "slow_heartbeat", "confusion", "visual_disturbance"])
@pytest.mark.parametrize("drug", ["Lanoxin 125 mcg", "digoxin 0.25 mg daily"])
def test_digoxin_with_a_sign_of_toxicity_is_referred(recommend, sign, drug):
    rec = recommend(medications=meds(drug), symptoms=[sign])
    f = finding(rec, DIGOXIN)
    assert f["effect"] == "refer" and f["urgency"] == "urgent"
    assert f["evidence"] == {"signs": [sign], "digoxin": [drug]}
    assert "digoxin level" in f["action"] and "ECG" in f["action"]
    assert rec["disposition"] == "refer" and rec["plan"] is None
    assert_sourced(f)


@pytest.mark.parametrize(
    ("medications", "signs"),
    [
        (["Lanoxin 125 mcg"], []),
        (["Lanoxin 125 mcg"], ["lethargy"]),  # not one of digoxin's classic signs
        (["Lanoxin 125 mcg"], ["tremor"]),
        (["ibuprofen 400 mg"], ["visual_disturbance", "nausea"]),
        ([], ["slow_heartbeat", "confusion"]),
    ],
)
def test_digoxin_exclusions(recommend, medications, signs):
    assert DIGOXIN not in codes(recommend(medications=meds(*medications), symptoms=signs))


def test_digoxin_by_rxnorm_code(recommend):
    rec = recommend(
        medications=[{"name": "cardiac glycoside", "rxnorm": "3407"}],
        symptoms=["visual_disturbance"],
    )
    assert DIGOXIN in codes(rec)


# --- magnesium medicines in the medication list count as taking oral magnesium -------------


def test_milk_of_magnesia_in_the_medication_list_with_one_sign_is_toxicity(recommend):
    rec = recommend(medications=meds("Milk of Magnesia 30 mL at bedtime"), symptoms=["lethargy"])
    f = finding(rec, TOXIC)
    assert f["evidence"]["oral_magnesium"] == [
        "Milk of Magnesia 30 mL at bedtime (antacid or laxative)"
    ]
    assert "magnesium taken as an antacid or laxative" in f["evidence"]["risk_context"]


@pytest.mark.parametrize(
    ("age", "signs", "toxic"),
    [(70, ["lethargy"], True), (45, ["lethargy"], False), (45, ["lethargy", "confusion"], True)],
)
def test_a_magnesium_medicine_of_unknown_amount_counts(recommend, age, signs, toxic):
    rec = recommend(age=age, medications=meds("Mag-Ox"), symptoms=signs)
    assert (TOXIC in codes(rec)) is toxic
    assert UNEXPLAINED not in codes(rec)  # the patient does take magnesium
    if toxic:
        assert finding(rec, TOXIC)["evidence"]["oral_magnesium"] == ["Mag-Ox (amount unknown)"]

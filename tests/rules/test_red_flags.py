"""rules/red_flags.py: red flags, referral urgency and review (CLINICAL.md §6)."""

from __future__ import annotations

import pytest

from tests.conftest import codes, finding
from tests.rules.profiles import assert_sourced, pain

RED_FLAG_GROUPS = [
    ("red_flag.cauda_equina", "emergency", "saddle_anesthesia"),
    ("red_flag.cauda_equina", "emergency", "urinary_retention"),
    ("red_flag.cauda_equina", "emergency", "bladder_or_bowel_incontinence"),
    ("red_flag.cauda_equina", "emergency", "bilateral_sciatica"),
    ("red_flag.cauda_equina", "emergency", "sexual_dysfunction"),
    ("red_flag.vascular", "emergency", "pulsatile_abdominal_mass"),
    ("red_flag.neurological_deficit", "urgent", "progressive_leg_weakness"),
    ("red_flag.neurological_deficit", "urgent", "foot_drop"),
    ("red_flag.infection", "urgent", "fever"),
    ("red_flag.infection", "urgent", "iv_drug_use"),
    ("red_flag.infection", "urgent", "immunosuppression"),
    ("red_flag.infection", "urgent", "recent_bacterial_infection"),
    ("red_flag.malignancy", "urgent", "history_of_cancer"),
    ("red_flag.malignancy", "urgent", "unexplained_weight_loss"),
    ("red_flag.malignancy", "urgent", "night_pain"),
    ("red_flag.fracture", "urgent", "significant_trauma"),
]
RED_FLAG_CODES = {code for code, _, _ in RED_FLAG_GROUPS} | {
    "red_flag.sudden_severe_pain",
    "red_flag.severe_pain",
    "red_flag.radiating_pain",
}


@pytest.mark.parametrize(("code", "urgency", "token"), RED_FLAG_GROUPS)
def test_each_red_flag_token_refers_with_its_group_urgency(recommend, code, urgency, token):
    rec = recommend(red_flags=[token])
    assert codes(rec) & RED_FLAG_CODES == {code}
    f = finding(rec, code)
    assert f["effect"] == "refer" and f["severity"] == "critical"
    assert f["urgency"] == urgency
    assert f["evidence"]["red_flags"] == [token]
    assert token.replace("_", " ") in f["explanation"]
    assert_sourced(f)
    assert rec["disposition"] == "refer"
    assert rec["plan"] is None
    assert rec["referral"]["urgency"] == urgency
    assert f["title"] in rec["referral"]["reasons"]


@pytest.mark.parametrize(("code", "urgency", "token"), RED_FLAG_GROUPS[:3])
def test_a_red_flag_sent_among_symptoms_still_refers(recommend, code, urgency, token):
    assert code in codes(recommend(symptoms=[token]))


def test_tokens_of_one_group_give_one_finding_listing_them_all(recommend):
    rec = recommend(red_flags=["fever", "iv_drug_use"])
    infection = [f for f in rec["findings"] if f["code"] == "red_flag.infection"]
    assert len(infection) == 1
    assert infection[0]["evidence"]["red_flags"] == ["fever", "iv_drug_use"]


@pytest.mark.parametrize(
    ("age", "red_flags", "fracture", "evidence"),
    [
        (45, ["significant_trauma"], True, {"red_flags": ["significant_trauma"]}),
        (
            45,
            ["minor_trauma", "osteoporosis"],
            True,
            {"red_flags": ["minor_trauma", "osteoporosis"]},
        ),
        (
            45,
            ["minor_trauma", "long_term_corticosteroids"],
            True,
            {"red_flags": ["long_term_corticosteroids", "minor_trauma"]},
        ),
        (70, ["minor_trauma"], True, {"red_flags": ["minor_trauma"], "age": 70}),
        (85, ["minor_trauma"], True, {"red_flags": ["minor_trauma"], "age": 85}),
        (69, ["minor_trauma"], False, None),
        (45, ["minor_trauma"], False, None),
        (45, ["osteoporosis"], False, None),
        # v2: long-term corticosteroids with or without trauma (ACP07 table 2; Downie 2013)
        (45, ["long_term_corticosteroids"], True, {"red_flags": ["long_term_corticosteroids"]}),
        (
            80,
            ["osteoporosis", "long_term_corticosteroids"],
            True,
            {"red_flags": ["long_term_corticosteroids", "osteoporosis"]},
        ),
    ],
)
def test_fracture(recommend, age, red_flags, fracture, evidence):
    rec = recommend(age=age, kidney={"egfr": 90}, red_flags=red_flags)
    assert ("red_flag.fracture" in codes(rec)) is fracture
    if fracture:
        f = finding(rec, "red_flag.fracture")
        assert f["evidence"] == evidence and f["urgency"] == "urgent"
        assert rec["disposition"] == "refer"
    else:
        assert rec["disposition"] != "refer"


@pytest.mark.parametrize(
    ("onset", "severity", "expected", "urgency"),
    [
        ("sudden", 7, "red_flag.sudden_severe_pain", "urgent"),
        ("sudden", 10, "red_flag.sudden_severe_pain", "urgent"),
        ("sudden", 6, None, None),  # a strain: sudden but not severe is not a red flag
        ("sudden", 0, None, None),
        ("gradual", 7, "red_flag.severe_pain", "prompt"),
        ("gradual", 6, None, None),
        (None, 7, "red_flag.severe_pain", "prompt"),
        (None, 6, None, None),
        ("sudden", None, None, None),
    ],
)
def test_pain_severity_and_onset(recommend, onset, severity, expected, urgency):
    rec = recommend(back_pain=pain(onset=onset, severity=severity))
    assert codes(rec) & RED_FLAG_CODES == ({expected} if expected else set())
    if expected:
        f = finding(rec, expected)
        assert f["urgency"] == urgency
        assert f["evidence"] == {"onset": onset, "severity": severity}
        assert rec["referral"]["urgency"] == urgency
        assert_sourced(f)
    else:
        assert rec["disposition"] == "suitable"


@pytest.mark.parametrize(("radiating", "fires"), [(True, True), (False, False)])
def test_radiating_pain_is_a_prompt_referral(recommend, radiating, fires):
    rec = recommend(back_pain=pain(radiating=radiating))
    assert ("red_flag.radiating_pain" in codes(rec)) is fires
    if fires:
        f = finding(rec, "red_flag.radiating_pain")
        assert f["urgency"] == "prompt" and f["evidence"] == {"radiating": True}
        assert "non-urgent" in f["explanation"]  # one-sided sciatica without deficit
        assert rec["referral"]["urgency"] == "prompt"


FEATURES = [
    "morning_stiffness",
    "improves_with_exercise",
    "waking_second_half_of_night",
    "alternating_buttock_pain",
]


@pytest.mark.parametrize(
    ("features", "weeks", "fires"),
    [
        (FEATURES[:2], 12, True),
        (FEATURES[2:], 12, True),
        (FEATURES, 52, True),
        (FEATURES[:1], 12, False),
        (FEATURES[3:], 100, False),
        (FEATURES[:2], 11.9, False),
        (FEATURES[:2], None, False),
        ([], 20, False),
    ],
)
def test_inflammatory_back_pain(recommend, features, weeks, fires):
    rec = recommend(red_flags=features, back_pain=pain(duration_weeks=weeks))
    assert ("review.inflammatory_back_pain" in codes(rec)) is fires
    assert not codes(rec) & RED_FLAG_CODES  # features are a review, never a referral
    if fires:
        f = finding(rec, "review.inflammatory_back_pain")
        assert f["evidence"] == {"features": sorted(features), "duration_weeks": weeks}
        assert f["severity"] == "warning" and "rheumatology" in f["action"]
        assert rec["disposition"] == "caution"
        assert_sourced(f)


@pytest.mark.parametrize(("weeks", "fires"), [(6, True), (5.9, False), (0, False), (30, True)])
def test_persistent_pain(recommend, weeks, fires):
    rec = recommend(back_pain=pain(duration_weeks=weeks))
    assert ("review.persistent_pain" in codes(rec)) is fires
    if fires:
        f = finding(rec, "review.persistent_pain")
        assert f["severity"] == "info" and f["evidence"] == {"duration_weeks": weeks}
        assert rec["disposition"] == "suitable"  # info only
        assert_sourced(f)


def test_persistent_pain_unknown_duration_is_silent(recommend):
    assert "review.persistent_pain" not in codes(recommend(back_pain=pain(severity=3)))


@pytest.mark.parametrize(
    ("red_flags", "onset", "fracture"),
    [
        (["osteoporosis"], "sudden", True),
        (["osteoporosis"], "gradual", False),
        (["osteoporosis"], None, False),
        ([], "sudden", False),  # sudden mild pain alone is a strain
        (["long_term_corticosteroids"], "gradual", True),
    ],
)
def test_fracture_with_sudden_onset_needs_osteoporosis(recommend, red_flags, onset, fracture):
    rec = recommend(red_flags=red_flags, back_pain=pain(onset=onset, severity=4))
    assert ("red_flag.fracture" in codes(rec)) is fracture
    if fracture and "osteoporosis" in red_flags:
        f = finding(rec, "red_flag.fracture")
        assert f["evidence"] == {"red_flags": ["osteoporosis"], "onset": "sudden"}
        assert "sudden onset with osteoporosis" in f["explanation"]


def test_corticosteroids_explain_themselves(recommend):
    f = finding(recommend(red_flags=["long_term_corticosteroids"]), "red_flag.fracture")
    assert "corticosteroid" in f["explanation"] and "without trauma" in f["explanation"]
    assert {s["key"] for s in f["sources"]} >= {"ACP07", "DOWNIE13"}


PEDIATRIC = "red_flag.pediatric"


@pytest.mark.parametrize(
    ("age", "back_pain", "red_flags", "fires"),
    [
        # under 5: any back pain described
        (0, {}, [], True),
        (3, {"severity": 2}, [], True),
        (4, {"onset": "gradual"}, [], True),
        (4, {}, [], True),  # an empty back_pain object still says there is back pain
        (4, None, [], False),  # no back pain described
        (5, {"severity": 2}, [], False),
        # 5–17: four weeks or more, or one of the listed signs
        (5, {"duration_weeks": 4}, [], True),
        (5, {"duration_weeks": 3.9}, [], False),
        (17, {"duration_weeks": 4}, [], True),
        (17, {"duration_weeks": 3.99}, [], False),
        (18, {"duration_weeks": 4}, [], False),
        (12, {"severity": 3}, ["night_pain"], True),
        (12, {"severity": 3}, ["fever"], True),
        (12, {"severity": 3}, ["unexplained_weight_loss"], True),
        (12, {"severity": 3}, ["progressive_leg_weakness"], True),
        (12, {"severity": 3}, ["foot_drop"], True),
        (12, {"severity": 3}, ["saddle_anesthesia"], True),
        (12, {"severity": 3}, ["urinary_retention"], True),
        (12, {"severity": 3}, ["bladder_or_bowel_incontinence"], True),
        (12, {"severity": 3}, ["bilateral_sciatica"], True),
        (12, {"severity": 3}, ["sexual_dysfunction"], True),
        (12, {"severity": 3}, ["minor_trauma"], False),
        (12, {"severity": 3}, ["morning_stiffness"], False),
        (18, {"severity": 3}, ["night_pain"], False),
    ],
)
def test_pediatric_back_pain(recommend, age, back_pain, red_flags, fires):
    fields = {"age": age, "red_flags": red_flags}
    if back_pain is not None:
        fields["back_pain"] = back_pain
    rec = recommend(**fields)
    assert (PEDIATRIC in codes(rec)) is fires
    if fires:
        f = finding(rec, PEDIATRIC)
        assert f["effect"] == "refer" and f["urgency"] == "urgent"
        assert f["evidence"]["age"] == age
        assert rec["disposition"] == "refer" and rec["plan"] is None
        assert_sourced(f)


def test_pediatric_evidence_names_what_triggered_it(recommend):
    rec = recommend(age=9, back_pain={"duration_weeks": 6}, red_flags=["fever"])
    assert finding(rec, PEDIATRIC)["evidence"] == {
        "age": 9,
        "duration_weeks": 6,
        "red_flags": ["fever"],
    }

"""Issue 11's examples of failing open, each answered as CLINICAL.md v2 says (clinical signs)."""

from __future__ import annotations

from tests.conftest import codes, finding
from tests.rules.profiles import antacid, meds, oral, pain


def test_67_year_old_on_glycinate_with_slow_heartbeat_low_pressure_and_lethargy(recommend):
    rec = recommend(
        age=67,
        sex="female",
        magnesium_products=[oral(300)],
        symptoms=["slow_heartbeat", "low_blood_pressure", "lethargy"],
    )
    assert rec["disposition"] == "refer"
    assert rec["referral"]["urgency"] == "emergency"
    assert rec["plan"] is None
    f = finding(rec, "toxicity.hypermagnesemia")
    assert f["evidence"]["signs"] == ["lethargy", "low_blood_pressure", "slow_heartbeat"]
    assert f["evidence"]["risk_context"] == ["age 67"]


def test_81_year_old_egfr_38_on_an_oxide_laxative_with_lethargy_weakness_low_pressure(recommend):
    rec = recommend(
        age=81,
        sex="female",
        kidney={"egfr": 38},
        magnesium_products=[antacid(400, form="oxide")],
        symptoms=["lethargy", "muscle_weakness", "low_blood_pressure"],
    )
    assert rec["disposition"] == "refer" and rec["plan"] is None
    f = finding(rec, "toxicity.hypermagnesemia")
    assert f["evidence"]["risk_context"] == [
        "age 81",
        "eGFR 38, under 60",
        "oral intake 400 mg/day, over the UL of 350",
        "magnesium taken as an antacid or laxative",
    ]
    assert {"kidney.moderate", "intake.ul_exceeded"} <= codes(rec)


def test_serum_magnesium_0_45_mmol_l_is_referred_not_given_a_plan(recommend):
    rec = recommend(serum_magnesium={"value": 0.45, "unit": "mmol/L"})
    assert rec["disposition"] == "refer"
    assert rec["referral"]["urgency"] == "urgent"
    assert rec["plan"] is None
    assert {"lab.severe_hypomagnesemia", "lab.hypomagnesemia"} <= codes(rec)


def test_3_year_old_with_back_pain_is_referred(recommend):
    rec = recommend(age=3, sex="male", back_pain=pain(onset="gradual", severity=4))
    assert rec["disposition"] == "refer" and rec["plan"] is None
    assert finding(rec, "red_flag.pediatric")["evidence"] == {"age": 3}


def test_72_year_old_on_long_term_prednisone_with_sudden_pain_is_referred(recommend):
    rec = recommend(
        age=72,
        sex="female",
        red_flags=["long_term_corticosteroids"],
        medications=meds("prednisone 10 mg daily"),
        back_pain=pain(onset="sudden", severity=5),
    )
    assert rec["disposition"] == "refer" and rec["plan"] is None
    assert finding(rec, "red_flag.fracture")["urgency"] == "urgent"


def test_digoxin_with_nausea_and_slow_heartbeat_is_referred(recommend):
    rec = recommend(medications=meds("digoxin 125 mcg"), symptoms=["nausea", "slow_heartbeat"])
    assert rec["disposition"] == "refer" and rec["plan"] is None
    f = finding(rec, "toxicity.digoxin_suspected")
    assert f["evidence"] == {"signs": ["nausea", "slow_heartbeat"], "digoxin": ["digoxin 125 mcg"]}
    assert rec["referral"]["urgency"] == "urgent"

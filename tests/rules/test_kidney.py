"""rules/kidney.py: KDIGO stages, dialysis, unknown eGFR at 65+ (CLINICAL.md §3)."""

from __future__ import annotations

import pytest

from rules.data.limits import KIDNEY_MONITORING
from tests.conftest import codes, finding
from tests.rules.profiles import assert_sourced

KIDNEY_CODES = {"kidney.failure", "kidney.severe", "kidney.moderate", "kidney.unknown_older_adult"}


@pytest.mark.parametrize(
    ("egfr", "dialysis", "expected", "disposition"),
    [
        (0, False, "kidney.failure", "avoid"),
        (14.9, False, "kidney.failure", "avoid"),
        (15, False, "kidney.severe", "avoid"),
        (29.9, False, "kidney.severe", "avoid"),
        (30, False, "kidney.moderate", "caution"),
        (59.9, False, "kidney.moderate", "caution"),
        (60, False, None, "suitable"),
        (120, False, None, "suitable"),
        (None, True, "kidney.failure", "avoid"),
        (90, True, "kidney.failure", "avoid"),  # dialysis outranks any eGFR
        (45, True, "kidney.failure", "avoid"),
    ],
)
def test_egfr_stage_boundaries(recommend, egfr, dialysis, expected, disposition):
    rec = recommend(kidney={"egfr": egfr, "dialysis": dialysis})
    kidney = codes(rec) & KIDNEY_CODES
    assert kidney == ({expected} if expected else set())
    assert rec["disposition"] == disposition
    if expected:
        f = finding(rec, expected)
        assert_sourced(f)
        want = {"dialysis": dialysis} | ({"egfr": egfr} if egfr is not None else {})
        assert f["evidence"] == want


@pytest.mark.parametrize(
    ("egfr", "expected"),
    [
        # Values a lab never prints, but still the other side of the line (no rounding over it).
        (29.9996, "kidney.severe"),
        (14.9996, "kidney.failure"),
        (59.9996, "kidney.moderate"),
    ],
)
def test_egfr_just_under_a_boundary_is_not_rounded_over_it(recommend, egfr, expected):
    assert codes(recommend(kidney={"egfr": egfr})) & KIDNEY_CODES == {expected}


@pytest.mark.parametrize("code", ["kidney.failure", "kidney.severe"])
def test_failure_and_severe_avoid_with_no_plan(recommend, code):
    egfr = 10 if code == "kidney.failure" else 20
    rec = recommend(kidney={"egfr": egfr})
    f = finding(rec, code)
    assert f["severity"] == "critical" and f["effect"] == "avoid"
    assert rec["plan"] is None and rec["referral"] is None


def test_moderate_is_a_clinician_directed_dose_with_monitoring(recommend):
    rec = recommend(kidney={"egfr": 45})
    f = finding(rec, "kidney.moderate")
    assert f["severity"] == "warning"
    assert f["details"]["monitoring"] == KIDNEY_MONITORING
    assert "3–6 months" in f["action"]
    assert rec["plan"] is not None
    assert f["action"] in rec["plan"]["monitoring"]


@pytest.mark.parametrize(
    ("age", "kidney", "fires"),
    [
        (65, None, True),
        (64, None, False),
        (90, {"egfr": None}, True),
        (65, {"egfr": 90}, False),  # known, normal
        (65, {"egfr": None, "dialysis": True}, False),  # failure instead
        (120, {}, True),
    ],
)
def test_unknown_egfr_in_older_adults(recommend, age, kidney, fires):
    rec = recommend(age=age, **({"kidney": kidney} if kidney is not None else {}))
    assert ("kidney.unknown_older_adult" in codes(rec)) is fires
    if fires:
        f = finding(rec, "kidney.unknown_older_adult")
        assert f["evidence"] == {"age": age, "egfr": None}
        assert f["severity"] == "warning"
        assert rec["disposition"] == "caution"
        assert_sourced(f)


def test_dialysis_without_egfr_reports_dialysis_only(recommend):
    f = finding(recommend(kidney={"dialysis": True}), "kidney.failure")
    assert f["evidence"] == {"dialysis": True}
    assert "dialysis" in f["explanation"]


# --- v2: kidney function from creatinine (CLINICAL.md §3) -----------------------------------
# Expected values worked by hand from the equations as CLINICAL.md writes them:
#   CKD-EPI 2021: 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age [× 1.012 female],
#     κ 0.7 / 0.9, α −0.241 / −0.302 (female / male);
#   Cockcroft–Gault: (140 − age) × weight / (72 × Scr) [× 0.85 female].
# Computed values are rounded to 0.01 and the rules decide on the rounded value.


def creatinine(value, unit="mg/dL"):
    return {"creatinine": {"value": value, "unit": unit}}


@pytest.mark.parametrize(
    ("kidney", "estimated", "expected"),
    [
        # male 60: 142 × (2.409/0.9)^−1.2 × 0.9938^60 = 29.9996 → 30.0: moderate
        (creatinine(2.409), 30.0, "kidney.moderate"),
        (creatinine(2.4095), 29.99, "kidney.severe"),
        (creatinine(2.4085), 30.01, "kidney.moderate"),
        # in µmol/L (÷ 88.42): 213.0 = 2.40896 mg/dL → 30.0002 → 30.0; 213.04 → 29.9934
        (creatinine(213.0, "µmol/L"), 30.0, "kidney.moderate"),
        (creatinine(213.04, "µmol/L"), 29.99, "kidney.severe"),
        (creatinine(213.04, "umol/L"), 29.99, "kidney.severe"),
        (creatinine(213.04, "μmol/L"), 29.99, "kidney.severe"),  # Greek mu
        # 15: 4.29 mg/dL → 15.01; 4.2925 → 14.9991 → 15.0; 4.30 → 14.968 → 14.97
        (creatinine(4.29), 15.01, "kidney.severe"),
        (creatinine(4.2925), 15.0, "kidney.severe"),
        (creatinine(4.30), 14.97, "kidney.failure"),
        # normal: 1.0 mg/dL → 142 × (1/0.9)^−1.2 × 0.9938^60 = 83.52
        (creatinine(1.0), 83.52, None),
    ],
)
def test_egfr_estimated_from_creatinine_decides_the_stage(recommend, kidney, estimated, expected):
    rec = recommend(age=60, sex="male", kidney=kidney)
    assert codes(rec) & (KIDNEY_CODES | {"kidney.egfr_estimated"}) == (
        {expected, "kidney.egfr_estimated"} if expected else set()
    )
    if expected:
        f = finding(rec, expected)
        assert f["details"]["decided_by"] == "egfr_estimated"
        assert f["details"]["kidney_function"] == estimated
        assert f["evidence"]["egfr_estimated"] == estimated
        assert f["evidence"]["creatinine"] == kidney["creatinine"] | (
            {"unit": "µmol/L"} if kidney["creatinine"]["unit"] != "mg/dL" else {}
        )
        info = finding(rec, "kidney.egfr_estimated")
        assert info["effect"] == "info"
        assert info["details"]["egfr_estimated"] == {
            "value": estimated,
            "equation": "CKD-EPI 2021 (race-free)",
            "sex_constants": "male",
        }
        assert "CKD-EPI 2021" in info["explanation"]
        assert_sourced(info)
        assert {s["key"] for s in info["sources"]} >= {"INKER21"}


@pytest.mark.parametrize(
    ("sex", "scr", "estimated", "constants"),
    [
        # 50 years, 1.0 mg/dL: female 68.63, male 91.69 → other/unknown use the lower
        ("female", 1.0, 68.63, "female"),
        ("male", 1.0, 91.69, "male"),
        ("other", 1.0, 68.63, "female"),
        ("unknown", 1.0, 68.63, "female"),
        # 1.5 mg/dL: female 42.19, male 56.37
        ("unknown", 1.5, 42.19, "female"),
        ("male", 1.5, 56.37, "male"),
    ],
)
def test_sex_other_or_unknown_uses_the_lower_estimate(recommend, sex, scr, estimated, constants):
    rec = recommend(age=50, sex=sex, kidney=creatinine(scr))
    if estimated < 60:
        info = finding(rec, "kidney.egfr_estimated")
        assert info["details"]["egfr_estimated"]["value"] == estimated
        assert info["details"]["egfr_estimated"]["sex_constants"] == constants
        assert finding(rec, "kidney.moderate")["details"]["kidney_function"] == estimated
    else:
        assert not codes(rec) & KIDNEY_CODES
        assert "kidney.egfr_estimated" not in codes(rec)


@pytest.mark.parametrize(
    ("age", "sex", "weight", "scr", "kidney_fields", "expected", "decided_by", "value"),
    [
        # female 85, 40 kg, 0.9 mg/dL: eGFR 62.65 (no finding), clearance
        # (140 − 85) × 40 / (72 × 0.9) × 0.85 = 28.86 → severe, decided by clearance
        (85, "female", 40, 0.9, {}, "kidney.severe", "creatinine_clearance", 28.86),
        # male 70, 2.0 mg/dL: eGFR 35.24; clearance 70 × 61.7 / 144 = 29.99 → severe
        (70, "male", 61.7, 2.0, {}, "kidney.severe", "creatinine_clearance", 29.99),
        (70, "male", 61.71, 2.0, {}, "kidney.moderate", "creatinine_clearance", 30.0),
        # heavier: clearance 70 × 80 / 144 = 38.89, above eGFR 35.24 → eGFR decides
        (70, "male", 80, 2.0, {}, "kidney.moderate", "egfr_estimated", 35.24),
        # a reported eGFR with a lower clearance: the clearance decides
        (85, "female", 40, 0.9, {"egfr": 70}, "kidney.severe", "creatinine_clearance", 28.86),
        # a reported eGFR lower than the clearance: the reported eGFR decides
        (70, "male", 80, 2.0, {"egfr": 20}, "kidney.severe", "egfr", 20),
    ],
)
def test_the_lower_of_egfr_and_clearance_decides(
    recommend, age, sex, weight, scr, kidney_fields, expected, decided_by, value
):
    rec = recommend(age=age, sex=sex, weight_kg=weight, kidney=creatinine(scr) | kidney_fields)
    assert codes(rec) & KIDNEY_CODES == {expected}
    f = finding(rec, expected)
    assert f["details"]["decided_by"] == decided_by
    assert f["details"]["kidney_function"] == value
    assert ("kidney.egfr_estimated" in codes(rec)) is (decided_by != "egfr")
    if decided_by == "creatinine_clearance":
        assert f["evidence"]["creatinine_clearance"] == value
        assert f["evidence"]["weight_kg"] == weight
        assert "Cockcroft–Gault" in f["explanation"]


def test_a_reported_egfr_is_used_as_given_and_not_recomputed(recommend):
    rec = recommend(age=60, sex="male", kidney=creatinine(4.0) | {"egfr": 45})
    f = finding(rec, "kidney.moderate")
    assert f["details"]["decided_by"] == "egfr"
    assert f["evidence"] == {
        "dialysis": False,
        "egfr": 45,
        "creatinine": {"value": 4.0, "unit": "mg/dL"},
    }
    assert "kidney.egfr_estimated" not in codes(rec)


def test_egfr_estimated_needs_a_finding_it_decided(recommend):
    # female 45, 0.8 mg/dL → 92.54: no kidney finding, so no estimated-eGFR note either
    rec = recommend(kidney=creatinine(0.8))
    assert not codes(rec) & (KIDNEY_CODES | {"kidney.egfr_estimated"})


def test_dialysis_decides_by_itself(recommend):
    rec = recommend(kidney=creatinine(1.2) | {"dialysis": True})
    assert codes(rec) & (KIDNEY_CODES | {"kidney.egfr_estimated"}) == {"kidney.failure"}


def test_a_computed_value_makes_kidney_function_known_in_older_adults(recommend):
    # female 70, 0.7 mg/dL → 142 × 1.012 × 1^−0.241 × 0.9938^70 = 92.98: known and normal
    rec = recommend(age=70, kidney=creatinine(0.7))
    assert "kidney.unknown_older_adult" not in codes(rec)
    assert rec["disposition"] == "suitable"


@pytest.mark.parametrize(("age", "computed"), [(17, False), (18, True)])
def test_nothing_is_computed_under_18(recommend, age, computed):
    # 2.5 mg/dL at 18 (female): far under 30 → severe; at 17 nothing is computed
    rec = recommend(age=age, weight_kg=60, kidney=creatinine(2.5))
    assert ("kidney.severe" in codes(rec)) is computed
    not_checked = rec["not_checked"]
    if computed:
        assert not_checked == []
    else:
        assert not codes(rec) & (KIDNEY_CODES | {"kidney.egfr_estimated"})
        assert not_checked == [
            {
                "kind": "value",
                "item": "serum creatinine",
                "reason": (
                    "kidney function was not estimated from creatinine at age 17: the adult "
                    "equations start at 18 and the bedside Schwartz equation needs height; "
                    "send a measured eGFR"
                ),
            }
        ]
        assert rec["summary"].startswith("Suitable for what was checked") or (
            "not checked" in rec["summary"].lower()
        )


def test_under_18_with_a_reported_egfr_needs_nothing_more(recommend):
    rec = recommend(age=12, kidney=creatinine(2.5) | {"egfr": 25})
    assert "kidney.severe" in codes(rec)
    assert rec["not_checked"] == []

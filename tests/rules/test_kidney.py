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

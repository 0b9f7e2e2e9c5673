"""rules/labs.py: serum magnesium (CLINICAL.md §4, v2 thresholds 1.2, 1.8, 2.3 and 4.2 mg/dL).

1 mmol/L = 2.431 mg/dL = 2 mEq/L. Toxicity from signs is tested in test_toxicity.py.
"""

from __future__ import annotations

import pytest

from tests.conftest import codes, finding
from tests.rules.profiles import assert_sourced

LAB_CODES = {
    "lab.severe_hypomagnesemia",
    "lab.hypomagnesemia",
    "lab.hypermagnesemia",
    "toxicity.hypermagnesemia",
}
HYPO, HYPER, TOXIC = "lab.hypomagnesemia", "lab.hypermagnesemia", "toxicity.hypermagnesemia"
SEVERE = "lab.severe_hypomagnesemia"
MG_DL_PER_MMOL = 2.431  # CLINICAL.md §4, written out so the table is checked, not echoed


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1.79, "mg/dL", {HYPO}),
        (1.8, "mg/dL", set()),
        (1.2, "mg/dL", {HYPO}),
        (1.19, "mg/dL", {HYPO, SEVERE}),
        (0, "mg/dL", {HYPO, SEVERE}),
        (2.3, "mg/dL", set()),
        (2.31, "mg/dL", {HYPER}),
        (4.19, "mg/dL", {HYPER}),
        (4.2, "mg/dL", {HYPER, TOXIC}),
        # mmol/L as labs print it (2 decimals): 0.74 = 1.799 mg/dL, 0.75 = 1.823 ...
        (0.74, "mmol/L", {HYPO}),
        (0.75, "mmol/L", set()),
        (0.49, "mmol/L", {HYPO, SEVERE}),  # 1.191
        (0.50, "mmol/L", {HYPO}),  # 1.2155
        (0.45, "mmol/L", {HYPO, SEVERE}),  # 1.094: the example
        (0.94, "mmol/L", set()),  # 2.285
        (0.95, "mmol/L", {HYPER}),  # 2.309
        (1.72, "mmol/L", {HYPER}),  # 4.181
        (1.73, "mmol/L", {HYPER, TOXIC}),  # 4.206
        # mEq/L (2 mEq per mmol)
        (1.48, "mEq/L", {HYPO}),  # 1.799
        (1.49, "mEq/L", set()),  # 1.811
        (0.98, "mEq/L", {HYPO, SEVERE}),  # 1.191
        (0.99, "mEq/L", {HYPO}),  # 1.203
        (1.89, "mEq/L", set()),  # 2.297
        (1.90, "mEq/L", {HYPER}),  # 2.309
        (3.45, "mEq/L", {HYPER}),  # 4.193
        (3.46, "mEq/L", {HYPER, TOXIC}),  # 4.205
        # the exact boundaries, converted: on the line, not over it by float noise
        (1.8 / MG_DL_PER_MMOL, "mmol/L", set()),
        (1.79 / MG_DL_PER_MMOL, "mmol/L", {HYPO}),
        (1.2 / MG_DL_PER_MMOL, "mmol/L", {HYPO}),
        (1.19 / MG_DL_PER_MMOL, "mmol/L", {HYPO, SEVERE}),
        (2.3 / MG_DL_PER_MMOL, "mmol/L", set()),
        (2.31 / MG_DL_PER_MMOL, "mmol/L", {HYPER}),
        (4.2 / MG_DL_PER_MMOL, "mmol/L", {HYPER, TOXIC}),
        (4.19 / MG_DL_PER_MMOL, "mmol/L", {HYPER}),
        (2 * 1.8 / MG_DL_PER_MMOL, "mEq/L", set()),
        (2 * 1.79 / MG_DL_PER_MMOL, "mEq/L", {HYPO}),
        (2 * 1.2 / MG_DL_PER_MMOL, "mEq/L", {HYPO}),
        (2 * 1.19 / MG_DL_PER_MMOL, "mEq/L", {HYPO, SEVERE}),
        (2 * 2.3 / MG_DL_PER_MMOL, "mEq/L", set()),
        (2 * 2.31 / MG_DL_PER_MMOL, "mEq/L", {HYPER}),
        (2 * 4.2 / MG_DL_PER_MMOL, "mEq/L", {HYPER, TOXIC}),
        (2 * 4.19 / MG_DL_PER_MMOL, "mEq/L", {HYPER}),
        # precision a lab never prints is still not rounded over a line
        (0.7404, "mmol/L", {HYPO}),  # 1.79991
        (0.9462, "mmol/L", {HYPER}),  # 2.30021
        (0.4936, "mmol/L", {HYPO, SEVERE}),  # 1.19994
    ],
)
def test_serum_boundaries_in_every_unit(recommend, value, unit, expected):
    rec = recommend(serum_magnesium={"value": value, "unit": unit})
    assert codes(rec) & LAB_CODES == expected
    for code in expected:
        f = finding(rec, code)
        assert_sourced(f)
        assert f["evidence"]["serum_magnesium"] == {"value": value, "unit": unit}
        assert f["evidence"]["serum_mg_dl"] == pytest.approx(
            value * MG_DL_PER_MMOL / (2 if unit == "mEq/L" else 1) if unit != "mg/dL" else value,
            abs=1e-6,
        )


@pytest.mark.parametrize(
    ("value", "disposition", "severity"),
    [
        (1.5, "caution", "warning"),
        (1.1, "refer", "critical"),
        (3.0, "avoid", "critical"),
        (5.0, "refer", "critical"),
    ],
)
def test_serum_dispositions(recommend, value, disposition, severity):
    rec = recommend(serum_magnesium={"value": value, "unit": "mg/dL"})
    assert rec["disposition"] == disposition
    top = rec["findings"][0]
    assert top["severity"] == severity
    if value == 5.0:
        assert top["code"] == TOXIC and top["urgency"] == "emergency"
        assert rec["referral"]["urgency"] == "emergency"
    if value == 1.1:
        assert top["code"] == SEVERE and top["urgency"] == "urgent"
        assert rec["referral"]["urgency"] == "urgent"
        assert rec["plan"] is None


def test_severe_hypomagnesemia_is_repleted_under_medical_care(recommend):
    rec = recommend(serum_magnesium={"value": 0.45, "unit": "mmol/L"})
    f = finding(rec, SEVERE)
    assert f["effect"] == "refer" and f["urgency"] == "urgent"
    assert f["evidence"] == {
        "serum_magnesium": {"value": 0.45, "unit": "mmol/L"},
        "serum_mg_dl": pytest.approx(1.09395),
    }
    assert "same-day" in f["action"] and "self-care" in f["action"]
    assert_sourced(f)
    # "in addition to the row above": the low finding stays
    assert codes(rec) & LAB_CODES == {SEVERE, HYPO}
    assert rec["plan"] is None and rec["summary"].startswith("Refer (urgent)")


def test_hypomagnesemia_points_at_the_cause(recommend):
    f = finding(recommend(serum_magnesium={"value": 1.5, "unit": "mg/dL"}), HYPO)
    assert "proton pump inhibitor" in f["action"] and "diuretic" in f["action"]


def test_serum_in_the_toxic_range_needs_no_signs_and_no_magnesium(recommend):
    rec = recommend(serum_magnesium={"value": 4.2, "unit": "mg/dL"})
    f = finding(rec, TOXIC)
    assert f["evidence"]["signs"] == [] and f["evidence"]["oral_magnesium"] == []
    assert f["evidence"]["serum_mg_dl"] == 4.2
    assert "toxic range" in f["explanation"]
    assert rec["referral"]["urgency"] == "emergency"

"""rules/labs.py: serum magnesium and toxicity (CLINICAL.md §4).

1 mmol/L = 2.431 mg/dL = 2 mEq/L.
"""

from __future__ import annotations

import pytest

from rules.data.tokens import HYPERMAGNESEMIA_NAUSEA, HYPERMAGNESEMIA_SYSTEMIC
from tests.conftest import codes, finding
from tests.rules.profiles import assert_sourced, oral

LAB_CODES = {"lab.hypomagnesemia", "lab.hypermagnesemia", "toxicity.hypermagnesemia"}
HYPO, HYPER, TOXIC = "lab.hypomagnesemia", "lab.hypermagnesemia", "toxicity.hypermagnesemia"
MG_DL_PER_MMOL = 2.431  # CLINICAL.md §4, written out so the table is checked, not echoed


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1.79, "mg/dL", {HYPO}),
        (1.8, "mg/dL", set()),
        (2.6, "mg/dL", set()),
        (2.61, "mg/dL", {HYPER}),
        (4.79, "mg/dL", {HYPER}),
        (4.8, "mg/dL", {HYPER, TOXIC}),
        (0, "mg/dL", {HYPO}),
        # mmol/L as labs print it (2 decimals): 0.74 = 1.799 mg/dL, 0.75 = 1.823 ...
        (0.74, "mmol/L", {HYPO}),
        (0.75, "mmol/L", set()),
        (1.06, "mmol/L", set()),  # 2.577
        (1.07, "mmol/L", {HYPER}),  # 2.601
        (1.97, "mmol/L", {HYPER}),  # 4.789
        (1.98, "mmol/L", {HYPER, TOXIC}),  # 4.813
        # mEq/L (2 mEq per mmol)
        (1.48, "mEq/L", {HYPO}),  # 1.799
        (1.49, "mEq/L", set()),  # 1.811
        (2.13, "mEq/L", set()),  # 2.589
        (2.14, "mEq/L", {HYPER}),  # 2.601
        (3.94, "mEq/L", {HYPER}),  # 4.789
        (3.95, "mEq/L", {HYPER, TOXIC}),  # 4.801
        # the exact boundaries, converted: on the line, not over it by float noise
        (1.8 / MG_DL_PER_MMOL, "mmol/L", set()),
        (1.79 / MG_DL_PER_MMOL, "mmol/L", {HYPO}),
        (2.6 / MG_DL_PER_MMOL, "mmol/L", set()),
        (2.61 / MG_DL_PER_MMOL, "mmol/L", {HYPER}),
        (4.8 / MG_DL_PER_MMOL, "mmol/L", {HYPER, TOXIC}),
        (4.79 / MG_DL_PER_MMOL, "mmol/L", {HYPER}),
        (2 * 1.8 / MG_DL_PER_MMOL, "mEq/L", set()),
        (2 * 1.79 / MG_DL_PER_MMOL, "mEq/L", {HYPO}),
        (2 * 2.6 / MG_DL_PER_MMOL, "mEq/L", set()),
        (2 * 2.61 / MG_DL_PER_MMOL, "mEq/L", {HYPER}),
        (2 * 4.8 / MG_DL_PER_MMOL, "mEq/L", {HYPER, TOXIC}),
        (2 * 4.79 / MG_DL_PER_MMOL, "mEq/L", {HYPER}),
        # precision a lab never prints is still not rounded over a line
        (0.7404, "mmol/L", {HYPO}),  # 1.79991
        (1.0697, "mmol/L", {HYPER}),  # 2.60044
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
    [(1.5, "caution", "warning"), (3.0, "avoid", "critical"), (5.0, "refer", "critical")],
)
def test_serum_dispositions(recommend, value, disposition, severity):
    rec = recommend(serum_magnesium={"value": value, "unit": "mg/dL"})
    assert rec["disposition"] == disposition
    top = rec["findings"][0]
    assert top["severity"] == severity
    if disposition == "refer":
        assert top["code"] == TOXIC and top["urgency"] == "emergency"
        assert rec["referral"]["urgency"] == "emergency"


def test_hypomagnesemia_points_at_the_cause(recommend):
    f = finding(recommend(serum_magnesium={"value": 1.5, "unit": "mg/dL"}), HYPO)
    assert "proton pump inhibitor" in f["action"] and "diuretic" in f["action"]


SYMPTOMS = HYPERMAGNESEMIA_SYSTEMIC + HYPERMAGNESEMIA_NAUSEA
CONTEXTS = {
    "kidney failure": {"kidney": {"egfr": 10}},
    "kidney severe": {"kidney": {"egfr": 29.9}},
    "dialysis": {"kidney": {"dialysis": True}},
    "serum over 2.6": {"serum_magnesium": {"value": 2.61, "unit": "mg/dL"}},
}
NOT_CONTEXTS = {
    "no context": {},
    "kidney moderate": {"kidney": {"egfr": 30}},
    "serum at 2.6": {"serum_magnesium": {"value": 2.6, "unit": "mg/dL"}},
    "intake at the UL": {"magnesium_products": [oral(350)]},
}


@pytest.mark.parametrize("symptom", SYMPTOMS)
@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_symptoms_with_a_reason_for_a_high_level_are_toxicity(recommend, symptom, context):
    rec = recommend(symptoms=[symptom], **CONTEXTS[context])
    f = finding(rec, TOXIC)
    assert f["urgency"] == "emergency" and rec["disposition"] == "refer"
    assert f["evidence"]["symptoms"] == [symptom]
    if "kidney" in CONTEXTS[context]:
        k = CONTEXTS[context]["kidney"]
        assert f["evidence"]["dialysis"] == k.get("dialysis", False)
        assert f["evidence"]["egfr"] == k.get("egfr")
    else:
        assert f["evidence"]["serum_mg_dl"] == 2.61
    assert_sourced(f)
    assert [x["code"] for x in rec["findings"]].count(TOXIC) == 1  # one finding, several rules


@pytest.mark.parametrize("symptom", SYMPTOMS)
@pytest.mark.parametrize("context", sorted(NOT_CONTEXTS))
def test_symptoms_without_a_reason_for_a_high_level_are_not_toxicity(recommend, symptom, context):
    rec = recommend(symptoms=[symptom], **NOT_CONTEXTS[context])
    assert TOXIC not in codes(rec)
    assert rec["disposition"] != "refer"


@pytest.mark.parametrize("symptom", HYPERMAGNESEMIA_SYSTEMIC)
def test_systemic_symptoms_with_intake_over_the_ul_are_toxicity(recommend, symptom):
    rec = recommend(symptoms=[symptom], magnesium_products=[oral(350.1)])
    f = finding(rec, TOXIC)
    assert f["evidence"]["supplemental_elemental_mg_per_day"] == 350.1
    assert f["evidence"]["symptoms"] == [symptom]
    assert "intake.ul_exceeded" in codes(rec)


def test_nausea_with_intake_over_the_ul_is_a_side_effect_not_toxicity(recommend):
    # tokens.py: nausea is the commonest GI side effect; with high intake alone it is that.
    rec = recommend(symptoms=["nausea"], magnesium_products=[oral(400)])
    assert TOXIC not in codes(rec)
    assert {"side_effect.gi_symptoms", "intake.ul_exceeded"} <= codes(rec)


def test_serum_in_the_toxic_range_needs_no_symptoms(recommend):
    rec = recommend(serum_magnesium={"value": 4.8, "unit": "mg/dL"})
    f = finding(rec, TOXIC)
    assert f["evidence"]["symptoms"] == []
    assert f["evidence"]["serum_mg_dl"] == 4.8
    assert "toxic range" in f["explanation"]

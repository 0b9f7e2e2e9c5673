"""Clinical acceptance scenarios for CLINICAL.md v2, written from the reference, not the code.

Each scenario is a whole patient profile as a client sends it (the JSON API's shape), the
disposition CLINICAL.md §9 gives it, the EXACT list of finding codes (as a sorted list: a
finding raised twice, or one too many, fails), and the figures CLINICAL.md determines
(intake, plan ceiling, separations, `not_checked`, which kidney number decided). Expected
eGFR and clearance values are computed here by hand from the equations as §3 states them,
never read from the code under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from rules import default_knowledge_base
from service.schemas import PROFILE_SCHEMA
from tests.rules.conftest import as_json

# --- the equations as CLINICAL.md §3 states them (independent of rules.kidney_function) -----

UMOL_PER_MG = 88.42


def ckd_epi_2021(scr_mg_dl: float, age: int, sex: str) -> float:
    """142 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.200 × 0.9938^age × 1.012 if female."""
    if sex not in ("female", "male"):
        return min(ckd_epi_2021(scr_mg_dl, age, "female"), ckd_epi_2021(scr_mg_dl, age, "male"))
    kappa, alpha = (0.7, -0.241) if sex == "female" else (0.9, -0.302)
    ratio = scr_mg_dl / kappa
    egfr = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938**age
    return egfr * (1.012 if sex == "female" else 1.0)


def cockcroft_gault(scr_mg_dl: float, age: int, weight_kg: float, sex: str) -> float:
    """(140 − age) × weight / (72 × Scr mg/dL), × 0.85 if female."""
    clearance = (140 - age) * weight_kg / (72 * scr_mg_dl)
    return clearance * (0.85 if sex == "female" else 1.0)


# Worked by hand first, then the function above must agree (guards the helper itself).
def test_the_hand_equations_match_worked_values() -> None:
    # female, 1.2 mg/dL, 60 y: 142 × (1.2/0.7)^−1.2 × 0.9938^60 × 1.012 ≈ 51.8
    assert ckd_epi_2021(1.2, 60, "female") == pytest.approx(51.8, abs=0.1)
    # male, 150 µmol/L (1.696 mg/dL), 70 y: 142 × (1.696/0.9)^−1.2 × 0.9938^70 ≈ 43.0
    assert ckd_epi_2021(150 / UMOL_PER_MG, 70, "male") == pytest.approx(43.0, abs=0.1)
    # 85-year-old woman, 45 kg, 1.0 mg/dL: 55 × 45 / 72 × 0.85 ≈ 29.2 mL/min
    assert cockcroft_gault(1.0, 85, 45, "female") == pytest.approx(29.22, abs=0.01)


# --- scenarios --------------------------------------------------------------------------------


def oral(
    mg: float,
    form: str = "glycinate",
    basis: str = "elemental",
    times: int = 1,
    purpose: str | None = None,
) -> dict[str, Any]:
    """Return an oral magnesium product as a client sends it."""
    p: dict[str, Any] = {
        "form": form,
        "route": "oral",
        "dose_mg": mg,
        "dose_basis": basis,
        "times_per_day": times,
    }
    if purpose:
        p["purpose"] = purpose
    return p


def meds(*names: str) -> list[dict[str, Any]]:
    """Return a medication list from free-text names."""
    return [{"name": n} for n in names]


@dataclass
class Scenario:
    id: str
    profile: dict[str, Any]
    disposition: str
    codes: list[str]
    # dotted paths into the JSON recommendation; "finding[code]" selects the one finding
    checks: dict[str, Any] = field(default_factory=dict)
    # (drug, before, after) for each plan separation, in any order
    separations: list[tuple[str, float | None, float | None]] | None = None
    not_checked: list[tuple[str, str]] = field(default_factory=list)  # (kind, item)
    summary_has: tuple[str, ...] = ()
    plan_has: tuple[str, ...] = ()  # words the plan's ceiling label or notes must hold
    urgency: str | None = None  # referral urgency when refer
    xfail: str | None = None


def S(*args: Any, **kwargs: Any) -> Any:  # short: reads as a table row
    """Return a scenario as a pytest parameter (strict xfail when it records a disagreement)."""
    s = Scenario(*args, **kwargs)
    marks = [pytest.mark.xfail(strict=True, reason=s.xfail)] if s.xfail else []
    return pytest.param(s, id=s.id, marks=marks)


GLY200 = [oral(200)]
EGFR_OK = {"egfr": 90}

SCENARIOS = [
    # ---- issue 11's own examples -------------------------------------------------------
    S(
        "issue-67y-glycinate-slow-heart-low-bp-lethargy",
        {
            "age": 67,
            "sex": "female",
            "magnesium_products": [oral(300)],
            "symptoms": ["slow_heartbeat", "low_blood_pressure", "lethargy"],
        },
        "refer",
        ["kidney.unknown_older_adult", "toxicity.hypermagnesemia"],
        urgency="emergency",
        checks={"plan": None},
    ),
    S(
        "issue-81y-egfr38-oxide-laxative-lethargy-weakness-low-bp",
        {
            "age": 81,
            "sex": "female",
            "kidney": {"egfr": 38},
            "magnesium_products": [oral(500, "oxide", "compound", purpose="antacid_laxative")],
            "symptoms": ["lethargy", "muscle_weakness", "low_blood_pressure"],
        },
        "refer",
        [
            "form.oxide_low_absorption",
            "intake.antacid_laxative_counted",
            "intake.compound_converted",
            "kidney.moderate",
            "toxicity.hypermagnesemia",
        ],
        urgency="emergency",
        # 500 mg oxide × 0.603 = 301.5 mg elemental, counted as antacid/laxative (§2, §8)
        checks={
            "plan": None,
            "intake.antacid_laxative_elemental_mg_per_day": 301.5,
            "intake.supplemental_elemental_mg_per_day": 301.5,
        },
    ),
    S(
        "issue-serum-0.45-mmol-l",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 0.45, "unit": "mmol/L"},
        },
        "refer",
        ["lab.hypomagnesemia", "lab.severe_hypomagnesemia"],
        urgency="urgent",
        checks={"plan": None},
    ),
    S(
        "issue-3y-back-pain",
        {"age": 3, "sex": "male", "back_pain": {"onset": "gradual", "severity": 4}},
        "refer",
        ["population.minor", "red_flag.pediatric"],
        urgency="urgent",
        checks={"plan": None, "intake.upper_limit_mg": 65},
    ),
    S(
        "issue-72y-long-term-prednisone-sudden-pain",
        {
            "age": 72,
            "sex": "female",
            "kidney": {"egfr": 70},
            "red_flags": ["long_term_corticosteroids"],
            "medications": meds("prednisone 10 mg daily"),
            "back_pain": {"onset": "sudden", "severity": 5},
        },
        "refer",
        ["red_flag.fracture"],
        urgency="urgent",
    ),
    S(
        "issue-digoxin-nausea-slow-heartbeat",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("digoxin 125 mcg"),
            "symptoms": ["nausea", "slow_heartbeat"],
        },
        "refer",
        ["interaction.digoxin", "side_effect.gi_symptoms", "toxicity.digoxin_suspected"],
        urgency="urgent",
    ),
    # ---- §4 toxicity: one sign with each risk context ----------------------------------
    S(
        "tox-one-cardinal-age-70",
        {
            "age": 70,
            "sex": "male",
            "kidney": {"egfr": 75},
            "magnesium_products": GLY200,
            "symptoms": ["confusion"],
        },
        "refer",
        ["toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-one-cardinal-no-context-is-not-toxicity",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": GLY200,
            "symptoms": ["muscle_weakness"],
        },
        "suitable",
        [],
        checks={"plan.max_supplemental_elemental_mg_per_day": 350},
    ),
    S(
        "tox-flushing-egfr-55",
        {
            "age": 50,
            "sex": "female",
            "kidney": {"egfr": 55},
            "magnesium_products": GLY200,
            "symptoms": ["flushing"],
        },
        "refer",
        ["kidney.moderate", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-flushing-no-context",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": GLY200,
            "symptoms": ["flushing"],
        },
        "suitable",
        [],
    ),
    S(
        "tox-flushing-plus-nausea-no-context-is-gi-side-effect",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": GLY200,
            "symptoms": ["flushing", "nausea"],
        },
        "caution",
        ["side_effect.gi_symptoms"],
        checks={"plan.form": "glycinate"},
    ),
    S(
        "tox-flushing-plus-nausea-age-70",
        {
            "age": 70,
            "sex": "female",
            "kidney": {"egfr": 80},
            "magnesium_products": GLY200,
            "symptoms": ["flushing", "nausea"],
        },
        "refer",
        ["side_effect.gi_symptoms", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-nausea-alone-age-70-never-counts",
        {
            "age": 70,
            "sex": "female",
            "kidney": {"egfr": 80},
            "magnesium_products": GLY200,
            "symptoms": ["nausea"],
        },
        "caution",
        ["side_effect.gi_symptoms"],
    ),
    S(
        "tox-two-signs-one-cardinal-no-context",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": GLY200,
            "symptoms": ["lethargy", "nausea"],
        },
        "refer",
        ["side_effect.gi_symptoms", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-context-intake-over-ul",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": [oral(400)],
            "symptoms": ["muscle_weakness"],
        },
        "refer",
        ["intake.ul_exceeded", "toxicity.hypermagnesemia"],
        urgency="emergency",
        checks={"intake.excess_mg_per_day": 50, "intake.over_upper_limit": True},
    ),
    S(
        "tox-context-serum-2.5",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": GLY200,
            "serum_magnesium": {"value": 2.5, "unit": "mg/dL"},
            "symptoms": ["lethargy"],
        },
        "refer",
        ["lab.hypermagnesemia", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-context-antacid",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": [oral(200, "hydroxide", purpose="antacid_laxative")],
            "symptoms": ["lethargy"],
        },
        "refer",
        ["intake.antacid_laxative_counted", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-context-dialysis",
        {
            "age": 40,
            "sex": "male",
            "kidney": {"dialysis": True},
            "magnesium_products": [oral(100)],
            "symptoms": ["confusion"],
        },
        "refer",
        ["kidney.failure", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-context-computed-egfr-under-60",
        # 50-year-old woman, creatinine 1.2 mg/dL: CKD-EPI 2021 ≈ 55.2, under 60
        {
            "age": 50,
            "sex": "female",
            "kidney": {"creatinine": {"value": 1.2, "unit": "mg/dL"}},
            "magnesium_products": GLY200,
            "symptoms": ["muscle_weakness"],
        },
        "refer",
        ["kidney.egfr_estimated", "kidney.moderate", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "tox-topical-only-does-not-count",
        {
            "age": 70,
            "sex": "female",
            "kidney": {"egfr": 80},
            "magnesium_products": [{"form": "chloride", "route": "topical"}],
            "symptoms": ["lethargy"],
        },
        "suitable",
        ["form.topical_evidence_limited"],
    ),
    S(
        "tox-unknown-amount-medicine-with-sign-and-age",
        {
            "age": 70,
            "sex": "female",
            "kidney": {"egfr": 80},
            "medications": meds("magnesium citrate oral solution"),
            "symptoms": ["lethargy"],
        },
        "refer",
        ["intake.antacid_laxative_counted", "intake.dose_unknown", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    # "Magnesium citrate 300 mL" is the laxative solution (§2 v2): with one sign, the laxative
    # is the risk context
    S(
        "tox-citrate-laxative-by-volume-with-lethargy",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Magnesium citrate 300 mL"),
            "symptoms": ["lethargy"],
        },
        "refer",
        ["intake.antacid_laxative_counted", "intake.dose_unknown", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    # ---- §4 review.unexplained_signs ---------------------------------------------------
    S(
        "unexplained-two-cardinal-no-magnesium",
        {
            "age": 50,
            "sex": "male",
            "kidney": EGFR_OK,
            "symptoms": ["slow_heartbeat", "low_blood_pressure"],
        },
        "refer",
        ["review.unexplained_signs"],
        urgency="urgent",
    ),
    S(
        "unexplained-two-cardinal-topical-only",
        {
            "age": 50,
            "sex": "male",
            "kidney": EGFR_OK,
            "magnesium_products": [{"form": "chloride", "route": "topical"}],
            "symptoms": ["confusion", "lethargy"],
        },
        "refer",
        ["form.topical_evidence_limited", "review.unexplained_signs"],
        urgency="urgent",
    ),
    S(
        "unexplained-one-cardinal-no-magnesium",
        {"age": 50, "sex": "male", "kidney": EGFR_OK, "symptoms": ["lethargy"]},
        "suitable",
        [],
    ),
    # ---- §4 digoxin ---------------------------------------------------------------------
    S(
        "digoxin-lanoxin-visual-disturbance",
        {
            "age": 60,
            "sex": "male",
            "kidney": EGFR_OK,
            "medications": meds("Lanoxin 0.125 mg"),
            "symptoms": ["visual_disturbance"],
        },
        "refer",
        ["interaction.digoxin", "toxicity.digoxin_suspected"],
        urgency="urgent",
    ),
    S(
        "digoxin-digitek-no-signs",
        {"age": 60, "sex": "male", "kidney": EGFR_OK, "medications": meds("Digitek 125 mcg")},
        "caution",
        ["interaction.digoxin"],
        separations=[],
    ),
    # ---- §4 serum thresholds, both sides -------------------------------------------------
    S(
        "serum-1.8-normal",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 1.8, "unit": "mg/dL"},
        },
        "suitable",
        [],
    ),
    S(
        "serum-1.79-low",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 1.79, "unit": "mg/dL"},
        },
        "caution",
        ["lab.hypomagnesemia"],
    ),
    S(
        "serum-1.2-low-not-severe",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 1.2, "unit": "mg/dL"},
        },
        "caution",
        ["lab.hypomagnesemia"],
    ),
    S(
        "serum-1.19-severe",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 1.19, "unit": "mg/dL"},
        },
        "refer",
        ["lab.hypomagnesemia", "lab.severe_hypomagnesemia"],
        urgency="urgent",
    ),
    S(
        "serum-2.3-normal",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 2.3, "unit": "mg/dL"},
        },
        "suitable",
        [],
    ),
    S(
        "serum-2.31-high",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 2.31, "unit": "mg/dL"},
        },
        "avoid",
        ["lab.hypermagnesemia"],
        checks={"plan": None},
    ),
    S(
        "serum-4.19-high-not-toxic",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 4.19, "unit": "mg/dL"},
        },
        "avoid",
        ["lab.hypermagnesemia"],
    ),
    S(
        "serum-4.2-toxic",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 4.2, "unit": "mg/dL"},
        },
        "refer",
        ["lab.hypermagnesemia", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    # 0.95 mmol/L × 2.431 = 2.309 mg/dL: over 2.3 once converted (§4: convert, then compare)
    S(
        "serum-0.95-mmol-l-is-over-2.3",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 0.95, "unit": "mmol/L"},
        },
        "avoid",
        ["lab.hypermagnesemia"],
    ),
    # 1.73 mmol/L = 4.206 mg/dL: toxic range
    S(
        "serum-1.73-mmol-l-toxic",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 1.73, "unit": "mmol/L"},
        },
        "refer",
        ["lab.hypermagnesemia", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    # 1.4 mEq/L = 0.7 mmol/L = 1.70 mg/dL: low, not severe
    S(
        "serum-1.4-meq-l-low",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 1.4, "unit": "mEq/L"},
        },
        "caution",
        ["lab.hypomagnesemia"],
    ),
    # 0.9 mEq/L = 0.45 mmol/L = 1.09 mg/dL: severe
    S(
        "serum-0.9-meq-l-severe",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "serum_magnesium": {"value": 0.9, "unit": "mEq/L"},
        },
        "refer",
        ["lab.hypomagnesemia", "lab.severe_hypomagnesemia"],
        urgency="urgent",
    ),
    # ---- §3 kidney function from creatinine ------------------------------------------------
    S(
        "ckd-epi-female-1.2-mg-dl-age-60",
        {"age": 60, "sex": "female", "kidney": {"creatinine": {"value": 1.2, "unit": "mg/dL"}}},
        "caution",
        ["kidney.egfr_estimated", "kidney.moderate"],
        checks={
            "finding[kidney.moderate].details.decided_by": "egfr_estimated",
            "finding[kidney.egfr_estimated].details.egfr_estimated.value": round(
                ckd_epi_2021(1.2, 60, "female"), 2
            ),
            "plan.dosing": "clinician_directed",
        },
    ),
    S(
        "ckd-epi-male-150-umol-l-age-70",
        {"age": 70, "sex": "male", "kidney": {"creatinine": {"value": 150, "unit": "µmol/L"}}},
        "caution",
        ["kidney.egfr_estimated", "kidney.moderate"],
        checks={
            "finding[kidney.moderate].details.decided_by": "egfr_estimated",
            "finding[kidney.moderate].details.kidney_function": round(
                ckd_epi_2021(150 / UMOL_PER_MG, 70, "male"), 2
            ),
        },
    ),
    # unknown sex: both constants, the lower (female ≈ 47.1; male would give ≈ 62.9)
    S(
        "ckd-epi-unknown-sex-uses-lower",
        {"age": 60, "sex": "unknown", "kidney": {"creatinine": {"value": 1.3, "unit": "mg/dL"}}},
        "caution",
        ["kidney.egfr_estimated", "kidney.moderate"],
        checks={
            "finding[kidney.moderate].details.kidney_function": round(
                ckd_epi_2021(1.3, 60, "female"), 2
            ),
            "finding[kidney.egfr_estimated].details.egfr_estimated.sex_constants": "female",
        },
    ),
    S(
        "ckd-epi-male-same-creatinine-no-finding",
        {"age": 60, "sex": "male", "kidney": {"creatinine": {"value": 1.3, "unit": "mg/dL"}}},
        "suitable",
        [],
    ),
    # 85-year-old woman, 45 kg, creatinine 1.0: eGFR ≈ 55.1 but clearance ≈ 29.2 decides
    S(
        "cockcroft-gault-lower-decides-severe",
        {
            "age": 85,
            "sex": "female",
            "weight_kg": 45,
            "kidney": {"creatinine": {"value": 1.0, "unit": "mg/dL"}},
        },
        "avoid",
        ["kidney.egfr_estimated", "kidney.severe"],
        checks={
            "plan": None,
            "finding[kidney.severe].details.decided_by": "creatinine_clearance",
            "finding[kidney.severe].details.kidney_function": round(
                cockcroft_gault(1.0, 85, 45, "female"), 2
            ),
        },
    ),
    # reported eGFR 45 with clearance 59.3 (higher): the reported eGFR decides, nothing computed
    S(
        "reported-egfr-lower-than-clearance",
        {
            "age": 60,
            "sex": "male",
            "weight_kg": 80,
            "kidney": {"egfr": 45, "creatinine": {"value": 1.5, "unit": "mg/dL"}},
        },
        "caution",
        ["kidney.moderate"],
        checks={"finding[kidney.moderate].details.decided_by": "egfr"},
    ),
    # reported eGFR 45, clearance (80 y, 50 kg, 1.2 mg/dL, female) ≈ 29.5: clearance decides
    S(
        "clearance-lower-than-reported-egfr",
        {
            "age": 80,
            "sex": "female",
            "weight_kg": 50,
            "kidney": {"egfr": 45, "creatinine": {"value": 1.2, "unit": "mg/dL"}},
        },
        "avoid",
        ["kidney.egfr_estimated", "kidney.severe"],
        checks={"finding[kidney.severe].details.decided_by": "creatinine_clearance"},
    ),
    S(
        "under-18-creatinine-not-computed",
        {"age": 16, "sex": "male", "kidney": {"creatinine": {"value": 0.8, "unit": "mg/dL"}}},
        "caution",
        ["population.minor"],
        not_checked=[("value", "serum creatinine")],
        summary_has=("Not checked: serum creatinine",),
    ),
    # 18 is the first age the adult equation applies: 1.5 mg/dL, female, 18 y ≈ 51.5
    S(
        "age-18-creatinine-is-computed",
        {"age": 18, "sex": "female", "kidney": {"creatinine": {"value": 1.5, "unit": "mg/dL"}}},
        "caution",
        ["kidney.egfr_estimated", "kidney.moderate"],
        checks={
            "finding[kidney.moderate].details.kidney_function": round(
                ckd_epi_2021(1.5, 18, "female"), 2
            ),
            "not_checked": [],
        },
    ),
    S(
        "age-17-same-creatinine-not-computed",
        {"age": 17, "sex": "female", "kidney": {"creatinine": {"value": 1.5, "unit": "mg/dL"}}},
        "caution",
        ["population.minor"],
        not_checked=[("value", "serum creatinine")],
    ),
    S(
        "egfr-30-is-moderate-not-severe",
        {"age": 50, "sex": "female", "kidney": {"egfr": 30}},
        "caution",
        ["kidney.moderate"],
    ),
    # ---- §6 red flags: pediatric and corticosteroids ---------------------------------------
    S(
        "pediatric-age-4-empty-back-pain",
        {"age": 4, "sex": "female", "back_pain": {}},
        "refer",
        ["population.minor", "red_flag.pediatric"],
        urgency="urgent",
    ),
    S(
        "pediatric-age-4-no-back-pain-described",
        {"age": 4, "sex": "female"},
        "caution",
        ["population.minor"],
        checks={"plan.max_supplemental_elemental_mg_per_day": 110},
    ),
    S(
        "pediatric-age-5-three-weeks",
        {
            "age": 5,
            "sex": "male",
            "back_pain": {"onset": "gradual", "severity": 3, "duration_weeks": 3},
        },
        "caution",
        ["population.minor"],
        checks={"plan.max_supplemental_elemental_mg_per_day": 110},
    ),
    S(
        "pediatric-age-5-four-weeks",
        {
            "age": 5,
            "sex": "male",
            "back_pain": {"onset": "gradual", "severity": 3, "duration_weeks": 4},
        },
        "refer",
        ["population.minor", "red_flag.pediatric"],
        urgency="urgent",
    ),
    S(
        "pediatric-age-17-fever",
        {
            "age": 17,
            "sex": "female",
            "back_pain": {"onset": "gradual", "severity": 3},
            "red_flags": ["fever"],
        },
        "refer",
        ["population.minor", "red_flag.infection", "red_flag.pediatric"],
        urgency="urgent",
    ),
    S(
        "pediatric-age-17-3.9-weeks",
        {
            "age": 17,
            "sex": "female",
            "back_pain": {"onset": "gradual", "severity": 3, "duration_weeks": 3.9},
        },
        "caution",
        ["population.minor"],
        checks={"plan.max_supplemental_elemental_mg_per_day": 350},
    ),
    S(
        "adult-age-18-four-weeks-no-pediatric",
        {
            "age": 18,
            "sex": "female",
            "back_pain": {"onset": "gradual", "severity": 3, "duration_weeks": 4},
        },
        "suitable",
        [],
    ),
    S(
        "adult-age-18-night-pain",
        {
            "age": 18,
            "sex": "male",
            "back_pain": {"onset": "gradual", "severity": 3},
            "red_flags": ["night_pain"],
        },
        "refer",
        ["red_flag.malignancy"],
        urgency="urgent",
    ),
    S(
        "steroids-without-trauma-gradual",
        {
            "age": 40,
            "sex": "male",
            "kidney": EGFR_OK,
            "red_flags": ["long_term_corticosteroids"],
            "back_pain": {"onset": "gradual", "severity": 3},
        },
        "refer",
        ["red_flag.fracture"],
        urgency="urgent",
    ),
    S(
        "osteoporosis-sudden-mild",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "red_flags": ["osteoporosis"],
            "back_pain": {"onset": "sudden", "severity": 3},
        },
        "refer",
        ["red_flag.fracture"],
        urgency="urgent",
    ),
    S(
        "osteoporosis-gradual-no-flag",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "red_flags": ["osteoporosis"],
            "back_pain": {"onset": "gradual", "severity": 3},
        },
        "suitable",
        [],
    ),
    S(
        "minor-trauma-age-70",
        {
            "age": 70,
            "sex": "male",
            "kidney": {"egfr": 70},
            "red_flags": ["minor_trauma"],
            "back_pain": {"onset": "gradual", "severity": 3},
        },
        "refer",
        ["red_flag.fracture"],
        urgency="urgent",
    ),
    S(
        "minor-trauma-age-69",
        {
            "age": 69,
            "sex": "male",
            "kidney": {"egfr": 70},
            "red_flags": ["minor_trauma"],
            "back_pain": {"onset": "gradual", "severity": 3},
        },
        "suitable",
        [],
    ),
    # ---- §11 conditions and deficiency -----------------------------------------------------
    S(
        "condition-myasthenia",
        {"age": 45, "sex": "female", "kidney": EGFR_OK, "conditions": ["myasthenia_gravis"]},
        "avoid",
        ["condition.myasthenia_gravis"],
        checks={"plan": None},
    ),
    S(
        "condition-heart-block",
        {"age": 70, "sex": "male", "kidney": {"egfr": 70}, "conditions": ["heart_block"]},
        "avoid",
        ["condition.heart_block"],
    ),
    S(
        "condition-bowel-obstruction",
        {"age": 45, "sex": "female", "kidney": EGFR_OK, "conditions": ["bowel_obstruction"]},
        "avoid",
        ["condition.bowel_obstruction"],
    ),
    S(
        "condition-dehydration-with-constipation",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "conditions": ["dehydration"],
            "symptoms": ["constipation"],
        },
        "caution",
        ["condition.dehydration"],
        checks={"plan.form": "glycinate"},
    ),
    S(
        "deficiency-risk-groups",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "conditions": ["type_2_diabetes", "alcohol_use_disorder"],
        },
        "suitable",
        ["deficiency.risk"],
    ),
    S(
        "deficiency-signs",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "symptoms": ["muscle_cramps", "tremor", "palpitations"],
        },
        "suitable",
        ["deficiency.signs"],
    ),
    # ---- §5 v2 interaction rows, members, brands -----------------------------------------
    S(
        "biktarvy",
        {"age": 40, "sex": "male", "kidney": EGFR_OK, "medications": meds("Biktarvy")},
        "caution",
        ["interaction.integrase_inhibitor"],
        separations=[("bictegravir", 2, 6)],
    ),
    S(
        "genvoya",
        {"age": 40, "sex": "male", "kidney": EGFR_OK, "medications": meds("Genvoya")},
        "caution",
        ["interaction.integrase_inhibitor"],
        separations=[("elvitegravir", 2, 2)],
    ),
    S(
        "vocabria",
        {"age": 40, "sex": "male", "kidney": EGFR_OK, "medications": meds("Vocabria 30 mg")},
        "caution",
        ["interaction.integrase_inhibitor"],
        separations=[("cabotegravir", 4, 2)],
    ),
    S(
        "juluca-two-findings-one-separation-4-6",
        {"age": 40, "sex": "male", "kidney": EGFR_OK, "medications": meds("Juluca")},
        "caution",
        ["interaction.absorption_reduced", "interaction.integrase_inhibitor"],
        separations=[("Juluca", 4, 6)],
        checks={
            "finding[interaction.absorption_reduced].details.drug": "rilpivirine",
            "finding[interaction.integrase_inhibitor].details.drug": "dolutegravir",
        },
    ),
    # Juluca named by its generics, as an EHR or an RxNorm clinical drug name writes it:
    # still one product with its label's own 4 / 6 (§5 v2 combination products)
    S(
        "juluca-by-generic-names",
        {
            "age": 40,
            "sex": "male",
            "kidney": EGFR_OK,
            "medications": meds("dolutegravir/rilpivirine 50 mg/25 mg tablet daily"),
        },
        "caution",
        ["interaction.absorption_reduced", "interaction.integrase_inhibitor"],
        separations=[("Juluca", 4, 6)],
    ),
    S(
        "eltrombopag",
        {"age": 40, "sex": "female", "kidney": EGFR_OK, "medications": meds("eltrombopag 50 mg")},
        "caution",
        ["interaction.absorption_reduced"],
        separations=[("eltrombopag", 2, 4)],
    ),
    S(
        "cellcept",
        {"age": 40, "sex": "female", "kidney": EGFR_OK, "medications": meds("CellCept 500 mg bid")},
        "caution",
        ["interaction.absorption_reduced"],
        separations=[("mycophenolate mofetil", 2, 2)],
    ),
    S(
        "xofluza-no-hours-but-said",
        {"age": 40, "sex": "female", "kidney": EGFR_OK, "medications": meds("Xofluza 40 mg")},
        "caution",
        ["interaction.absorption_reduced"],
        separations=[("baloxavir", None, None)],
        checks={"finding[interaction.absorption_reduced].details.drug": "baloxavir"},
    ),
    S(
        "other-absorption-rows",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds(
                "Plaquenil 200 mg", "Sprycel 100 mg", "Reyataz 300 mg", "cefdinir 300 mg"
            ),
        },
        "caution",
        ["interaction.absorption_reduced"] * 4,
        separations=[
            ("hydroxychloroquine", 4, 4),
            ("dasatinib", 2, 2),
            ("atazanavir", 2, 1),
            ("cefdinir", 2, 2),
        ],
    ),
    S(
        "tacrolimus",
        {"age": 40, "sex": "female", "kidney": EGFR_OK, "medications": meds("tacrolimus 1 mg bid")},
        "caution",
        ["interaction.magnesium_wasting"],
        separations=[],
    ),
    S(
        "metolazone",
        {"age": 60, "sex": "male", "kidney": EGFR_OK, "medications": meds("metolazone 2.5 mg")},
        "caution",
        ["interaction.loop_thiazide_diuretic"],
        separations=[],
    ),
    S(
        "dyazide-both-diuretic-findings",
        {"age": 60, "sex": "male", "kidney": EGFR_OK, "medications": meds("Dyazide 37.5/25")},
        "caution",
        ["interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"],
        separations=[],
    ),
    S(
        "lisinopril-hctz",
        {
            "age": 60,
            "sex": "male",
            "kidney": EGFR_OK,
            "medications": meds("lisinopril-HCTZ 20-12.5 mg"),
        },
        "caution",
        ["interaction.loop_thiazide_diuretic"],
        separations=[],
        checks={"finding[interaction.loop_thiazide_diuretic].details.drug": "hydrochlorothiazide"},
    ),
    S(
        "unithroid",
        {"age": 50, "sex": "female", "kidney": EGFR_OK, "medications": meds("Unithroid 75 mcg")},
        "caution",
        ["interaction.levothyroxine"],
        separations=[("levothyroxine", 4, 4)],
    ),
    S(
        "solodyn",
        {"age": 20, "sex": "male", "kidney": EGFR_OK, "medications": meds("Solodyn 105 mg")},
        "caution",
        ["interaction.tetracycline"],
        separations=[("minocycline", 2, 6)],
    ),
    S(
        "rxnorm-10582-levothyroxine",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": [{"name": "home med 3", "rxnorm": "10582"}],
        },
        "caution",
        ["interaction.levothyroxine"],
        separations=[("levothyroxine", 4, 4)],
    ),
    S(
        "rxnorm-3640-doxycycline",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": [{"name": "home med 4", "rxnorm": "3640"}],
        },
        "caution",
        ["interaction.tetracycline"],
        separations=[("doxycycline", 2, 6)],
    ),
    S(
        "v2-class-members-a",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds(
                "Baxdela 450 mg",
                "etidronate 400 mg",
                "Gralise 600 mg",
                "Digox 0.125 mg",
                "Soaanz 20 mg",
                "Zegerid 40 mg",
                "Aldactazide",
            ),
        },
        "caution",
        sorted(
            [
                "interaction.fluoroquinolone",
                "interaction.bisphosphonate",
                "interaction.gabapentin",
                "interaction.digoxin",
                "interaction.loop_thiazide_diuretic",
                "interaction.ppi",
                "interaction.potassium_sparing_diuretic",
                "interaction.loop_thiazide_diuretic",
            ]
        ),
        separations=[("delafloxacin", 2, 6), ("etidronate", 2, 2), ("gabapentin", None, 2)],
    ),
    S(
        "v2-class-members-b",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds(
                "Euthyrox 100 mcg",
                "Oracea 40 mg",
                "Nexium 24HR",
                "Dexilant 60 mg",
                "Aciphex 20 mg",
                "Moduretic 5/50",
            ),
        },
        "caution",
        sorted(
            [
                "interaction.levothyroxine",
                "interaction.tetracycline",
                "interaction.ppi",
                "interaction.ppi",
                "interaction.ppi",
                "interaction.potassium_sparing_diuretic",
                "interaction.loop_thiazide_diuretic",
            ]
        ),
        separations=[("levothyroxine", 4, 4), ("doxycycline", 2, 6)],
    ),
    S(
        "kayexalate-with-milk-of-magnesia-alkalosis",
        {
            "age": 60,
            "sex": "male",
            "kidney": EGFR_OK,
            "medications": meds("Kayexalate 15 g daily"),
            "magnesium_products": [oral(200, "hydroxide", purpose="antacid_laxative")],
        },
        "caution",
        ["intake.antacid_laxative_counted", "interaction.potassium_binder"],
        separations=[("sodium polystyrene sulfonate", 3, 3)],
        checks={
            "finding[interaction.potassium_binder].details.alkalosis_risk": True,
            "plan.max_supplemental_elemental_mg_per_day": 150,
        },
    ),
    S(
        "patiromer-no-hydroxide",
        {"age": 60, "sex": "male", "kidney": EGFR_OK, "medications": meds("Veltassa 8.4 g")},
        "caution",
        ["interaction.potassium_binder"],
        separations=[("patiromer", 3, 3)],
        checks={"finding[interaction.potassium_binder].details.alkalosis_risk": "<absent>"},
    ),
    # ---- §13 spelling, coverage ------------------------------------------------------------
    S(
        "international-spellings",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("ciprofloxacine 500 mg", "Doxycyclin 100 mg"),
        },
        "caution",
        ["interaction.fluoroquinolone", "interaction.tetracycline"],
        separations=[("ciprofloxacin", 2, 6), ("doxycycline", 2, 6)],
    ),
    S(
        "approximate-spelling-levothyroxine",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("levothyroxyne 50 mcg"),
        },
        "caution",
        ["interaction.levothyroxine"],
        separations=[("levothyroxine", 4, 4)],
        checks={
            "finding[interaction.levothyroxine].details.matched_by": "approximate_spelling",
            "finding[interaction.levothyroxine].details.note": (
                "matched by approximate spelling: confirm"
            ),
        },
    ),
    # §5 v2: a code the tables do not hold is read through its display text
    S(
        "unknown-rxnorm-read-through-its-text",
        {
            "age": 40,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": [{"name": "ciprofloxacin 500 mg", "rxnorm": "99999999"}],
        },
        "caution",
        ["interaction.fluoroquinolone"],
        separations=[("ciprofloxacin", 2, 6)],
    ),
    S(
        "not-recognized-only",
        {"age": 40, "sex": "female", "kidney": EGFR_OK, "medications": meds("tafamidis 61 mg")},
        "suitable",
        ["medication.not_recognized"],
        not_checked=[("medication", "tafamidis 61 mg")],
        summary_has=("Suitable for what was checked; not checked: tafamidis 61 mg",),
    ),
    S(
        "common-drug-is-checked-and-silent",
        {"age": 40, "sex": "female", "kidney": EGFR_OK, "medications": meds("atorvastatin 20 mg")},
        "suitable",
        [],
    ),
    # ---- §2/§12 magnesium medicines in the medication list ---------------------------------
    # 30 mL × 400 mg/5 mL = 2400 mg hydroxide × 0.417 = 1000.8 mg elemental, antacid/laxative
    S(
        "milk-of-magnesia-30-ml-at-bedtime",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Milk of Magnesia 30 mL at bedtime"),
        },
        "avoid",
        [
            "intake.antacid_laxative_counted",
            "intake.compound_converted",
            "intake.no_headroom",
            "intake.ul_exceeded",
        ],
        checks={
            "plan": None,
            "intake.antacid_laxative_elemental_mg_per_day": 1000.8,
            "intake.supplemental_elemental_mg_per_day": 1000.8,
            "intake.excess_mg_per_day": 650.8,
            "intake.over_upper_limit": True,
            "intake.products.0.source": "medication list",
            "intake.products.0.elemental_mg_per_day": 1000.8,
        },
    ),
    # 400 mg oxide × 0.603 = 241.2 mg elemental; a supplement unless the text says otherwise
    S(
        "mag-ox-400-daily-supplement",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Mag-Ox 400 one tablet daily"),
        },
        "suitable",
        ["form.oxide_low_absorption", "intake.compound_converted"],
        checks={
            "intake.supplemental_elemental_mg_per_day": 241.2,
            "intake.antacid_laxative_elemental_mg_per_day": 0,
            "plan.max_supplemental_elemental_mg_per_day": 350,
        },
    ),
    S(
        "mag-ox-400-for-constipation-is-laxative",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Mag-Ox 400 daily for constipation"),
        },
        "suitable",
        [
            "form.oxide_low_absorption",
            "intake.antacid_laxative_counted",
            "intake.compound_converted",
        ],
        checks={
            "intake.antacid_laxative_elemental_mg_per_day": 241.2,
            "plan.max_supplemental_elemental_mg_per_day": 108.8,
        },
    ),
    S(
        "mag-ox-plus-glycinate-over-ul",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": GLY200,
            "medications": meds("Mag-Ox 400 one tablet daily"),
        },
        "caution",
        ["form.oxide_low_absorption", "intake.compound_converted", "intake.ul_exceeded"],
        checks={
            "intake.supplemental_elemental_mg_per_day": 441.2,
            "intake.excess_mg_per_day": 91.2,
        },
    ),
    # A count of tablets is not a strength: "Mag-Ox 2 tablets" is an amount not stated (§12),
    # never 2 mg of oxide.
    S(
        "mag-ox-two-tablets-strength-not-stated",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Mag-Ox 2 tablets daily"),
        },
        "caution",
        ["form.oxide_low_absorption", "intake.dose_unknown"],
        checks={"intake.supplemental_elemental_mg_per_day": 0},
    ),
    S(
        "slow-mag-two-tablets-strength-not-stated",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Slow-Mag 2 tablets daily"),
        },
        "caution",
        ["intake.dose_unknown"],
        checks={"intake.supplemental_elemental_mg_per_day": 0},
    ),
    # ...but the strength before the word "tablets" is still the strength
    S(
        "mag-ox-400-tablets-daily",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Mag-Ox 400 tablets daily"),
        },
        "suitable",
        ["form.oxide_low_absorption", "intake.compound_converted"],
        checks={"intake.supplemental_elemental_mg_per_day": 241.2},
    ),
    # "Mag-Ox 400 2 tablets bid": 400 mg × 2 × 2/day × 0.603 = 964.8 mg elemental
    S(
        "mag-ox-400-two-tablets-bid",
        {
            "age": 60,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Mag-Ox 400 2 tablets bid"),
        },
        "caution",
        ["form.oxide_low_absorption", "intake.compound_converted", "intake.ul_exceeded"],
        checks={"intake.supplemental_elemental_mg_per_day": 964.8},
    ),
    S(
        "moms-multivitamin-is-not-milk-of-magnesia",
        {"age": 50, "sex": "female", "kidney": EGFR_OK, "medications": meds("Mom's multivitamin")},
        "suitable",
        [],
        checks={"intake.products": []},
    ),
    S(
        "maalox-as-needed-amount-unknown",
        {"age": 50, "sex": "male", "kidney": EGFR_OK, "medications": meds("Maalox as needed")},
        "caution",
        ["intake.antacid_laxative_counted", "intake.dose_unknown"],
        checks={"plan.max_supplemental_elemental_mg_per_day": 350},
        plan_has=("may be too high",),  # §12: the ceiling says it may be too high
    ),
    # hydroxide with no purpose given counts as antacid/laxative (§2 v2): 1200 × 0.417 = 500.4
    S(
        "hydroxide-product-defaults-to-antacid",
        {
            "age": 50,
            "sex": "male",
            "kidney": EGFR_OK,
            "magnesium_products": [oral(1200, "hydroxide", "compound")],
        },
        "avoid",
        [
            "intake.antacid_laxative_counted",
            "intake.compound_converted",
            "intake.no_headroom",
            "intake.ul_exceeded",
        ],
        checks={"intake.antacid_laxative_elemental_mg_per_day": 500.4},
    ),
    # 2500 mg glycinate × 0.141 = 352.5: 2.5 mg over
    S(
        "compound-glycinate-just-over-ul",
        {
            "age": 50,
            "sex": "male",
            "kidney": EGFR_OK,
            "magnesium_products": [oral(2500, "glycinate", "compound")],
        },
        "caution",
        ["intake.compound_converted", "intake.ul_exceeded"],
        checks={"intake.excess_mg_per_day": 2.5, "plan.max_supplemental_elemental_mg_per_day": 350},
    ),
    # ---- §12 plan wording --------------------------------------------------------------------
    S(
        "moderate-kidney-plan-clinician-directed",
        {"age": 55, "sex": "female", "kidney": {"egfr": 45}},
        "caution",
        ["kidney.moderate"],
        checks={
            "plan.dosing": "clinician_directed",
            "plan.max_supplemental_elemental_mg_per_day": 350,
        },
        summary_has=("clinician-directed",),
        plan_has=("not a self-care dose",),
    ),
    S(
        "topical-plan-says-not-counted",
        {"age": 45, "sex": "female", "kidney": EGFR_OK, "route_preference": "topical"},
        "suitable",
        ["form.topical_evidence_limited"],
        checks={
            "plan.route": "topical",
            "plan.form": "chloride",
            "plan.max_supplemental_elemental_mg_per_day": 350,
        },
        summary_has=("not counted toward the upper limit",),
        plan_has=("oral magnesium", "not counted toward the upper limit"),
    ),
    # ---- whole vignettes: several rows at once ------------------------------------------
    S(
        "vignette-ppi-two-years-with-cramps",
        {
            "age": 55,
            "sex": "male",
            "kidney": {"egfr": 85},
            "medications": meds("omeprazole 20 mg daily"),
            "symptoms": ["muscle_cramps"],
            "back_pain": {"onset": "gradual", "severity": 5, "duration_weeks": 3},
        },
        "caution",
        ["deficiency.signs", "interaction.ppi"],
        separations=[],
        checks={"plan.form": "glycinate", "plan.max_supplemental_elemental_mg_per_day": 350},
    ),
    S(
        "vignette-two-diuretics-egfr-50",
        {
            "age": 45,
            "sex": "female",
            "kidney": {"egfr": 50},
            "medications": meds("furosemide 40 mg", "spironolactone 25 mg"),
        },
        "caution",
        [
            "interaction.loop_thiazide_diuretic",
            "interaction.potassium_sparing_diuretic",
            "kidney.moderate",
        ],
        separations=[],
        checks={"plan.dosing": "clinician_directed"},
    ),
    S(
        "vignette-alcohol-tremor-serum-1.1",
        {
            "age": 40,
            "sex": "male",
            "kidney": EGFR_OK,
            "conditions": ["alcohol_use_disorder"],
            "symptoms": ["tremor"],
            "serum_magnesium": {"value": 1.1, "unit": "mg/dL"},
        },
        "refer",
        ["deficiency.risk", "deficiency.signs", "lab.hypomagnesemia", "lab.severe_hypomagnesemia"],
        urgency="urgent",
    ),
    # Mag-Ox 400 mg bid: 400 × 0.603 × 2 = 482.4 mg; eGFR 45 and intake are contexts
    S(
        "vignette-80y-mag-ox-bid-lethargy-egfr-45",
        {
            "age": 80,
            "sex": "male",
            "kidney": {"egfr": 45},
            "medications": meds("Mag-Ox 400 mg bid"),
            "symptoms": ["lethargy"],
        },
        "refer",
        [
            "form.oxide_low_absorption",
            "intake.compound_converted",
            "intake.ul_exceeded",
            "kidney.moderate",
            "toxicity.hypermagnesemia",
        ],
        urgency="emergency",
        checks={"intake.supplemental_elemental_mg_per_day": 482.4},
    ),
    # 15 mL milk of magnesia = 1200 mg hydroxide × 0.417 = 500.4 mg: no room for more
    S(
        "vignette-cipro-with-milk-of-magnesia",
        {
            "age": 40,
            "sex": "male",
            "kidney": EGFR_OK,
            "medications": meds("ciprofloxacin 500 mg bid", "Milk of Magnesia 15 mL at bedtime"),
        },
        "avoid",
        [
            "intake.antacid_laxative_counted",
            "intake.compound_converted",
            "intake.no_headroom",
            "intake.ul_exceeded",
            "interaction.fluoroquinolone",
        ],
        checks={"intake.antacid_laxative_elemental_mg_per_day": 500.4},
    ),
    S(
        "vignette-15y-six-weeks",
        {
            "age": 15,
            "sex": "male",
            "back_pain": {"onset": "gradual", "severity": 4, "duration_weeks": 6},
        },
        "refer",
        ["population.minor", "red_flag.pediatric", "review.persistent_pain"],
        urgency="urgent",
    ),
    # ---- more edges -------------------------------------------------------------------------
    S(
        "infant-with-back-pain",
        {"age": 0, "sex": "female", "back_pain": {}},
        "refer",
        ["population.infant", "red_flag.pediatric"],
        urgency="urgent",
        checks={"intake.upper_limit_mg": None},
    ),
    S(
        "child-10-saddle-anesthesia",
        {
            "age": 10,
            "sex": "male",
            "back_pain": {"onset": "gradual", "severity": 4},
            "red_flags": ["saddle_anesthesia"],
        },
        "refer",
        ["population.minor", "red_flag.cauda_equina", "red_flag.pediatric"],
        urgency="emergency",
    ),
    S(
        "child-6-over-age-ul",
        {"age": 6, "sex": "male", "magnesium_products": [oral(150)]},
        "caution",
        ["intake.ul_exceeded", "population.minor"],
        checks={"intake.excess_mg_per_day": 40, "plan.max_supplemental_elemental_mg_per_day": 110},
    ),
    # small older woman: 80 µmol/L (0.905 mg/dL), 75 y: eGFR ≈ 66 but clearance ≈ 42 decides
    S(
        "small-older-woman-umol-clearance-decides",
        {
            "age": 75,
            "sex": "female",
            "weight_kg": 50,
            "kidney": {"creatinine": {"value": 80, "unit": "µmol/L"}},
        },
        "caution",
        ["kidney.egfr_estimated", "kidney.moderate"],
        checks={
            "finding[kidney.moderate].details.decided_by": "creatinine_clearance",
            "finding[kidney.moderate].details.kidney_function": round(
                cockcroft_gault(80 / UMOL_PER_MG, 75, 50, "female"), 2
            ),
            "plan.dosing": "clinician_directed",
        },
    ),
    S(
        "dialysis-with-creatinine",
        {
            "age": 60,
            "sex": "male",
            "kidney": {"dialysis": True, "creatinine": {"value": 6.0, "unit": "mg/dL"}},
        },
        "avoid",
        ["kidney.failure"],
    ),
    S(
        "pregnancy",
        {"age": 30, "sex": "female", "pregnant": True, "kidney": EGFR_OK},
        "caution",
        ["population.pregnancy"],
        checks={"plan.max_supplemental_elemental_mg_per_day": 350},
    ),
    S(
        "digoxin-confusion-with-magnesium-age-70",
        {
            "age": 70,
            "sex": "female",
            "kidney": {"egfr": 80},
            "magnesium_products": GLY200,
            "medications": meds("digoxin 0.125 mg daily"),
            "symptoms": ["confusion"],
        },
        "refer",
        ["interaction.digoxin", "toxicity.digoxin_suspected", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "omeprazole-magnesium-is-not-magnesium-intake",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Prilosec OTC (omeprazole magnesium) 20 mg daily"),
        },
        "caution",
        ["interaction.ppi"],
        checks={"intake.supplemental_elemental_mg_per_day": 0, "intake.products": []},
    ),
    S(
        "unknown-rxnorm-no-name",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": [{"name": "100 mg", "rxnorm": "99999999"}],
        },
        "suitable",
        ["medication.not_recognized"],
        not_checked=[("code", "RxNorm 99999999")],
        summary_has=("Suitable for what was checked; not checked: RxNorm 99999999",),
    ),
    S(
        "plain-magnesium-250-daily-in-list",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("magnesium 250 mg daily"),
        },
        "suitable",
        [],
        checks={"intake.supplemental_elemental_mg_per_day": 250},
    ),
    S(
        "flushing-with-mylanta-as-needed",
        {
            "age": 45,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Mylanta as needed"),
            "symptoms": ["flushing"],
        },
        "refer",
        ["intake.antacid_laxative_counted", "intake.dose_unknown", "toxicity.hypermagnesemia"],
        urgency="emergency",
    ),
    S(
        "exactly-ul-is-not-over",
        {"age": 50, "sex": "female", "kidney": EGFR_OK, "magnesium_products": [oral(350)]},
        "suitable",
        [],
        checks={"intake.over_upper_limit": False, "intake.excess_mg_per_day": 0},
    ),
    S(
        "antacid-exactly-ul-no-headroom",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "magnesium_products": [oral(350, "hydroxide", purpose="antacid_laxative")],
        },
        "avoid",
        ["intake.antacid_laxative_counted", "intake.no_headroom"],
    ),
    S(
        "caution-summary-lists-not-checked",
        {
            "age": 50,
            "sex": "female",
            "kidney": EGFR_OK,
            "medications": meds("Synthroid 100 mcg", "tafamidis 61 mg"),
        },
        "caution",
        ["interaction.levothyroxine", "medication.not_recognized"],
        not_checked=[("medication", "tafamidis 61 mg")],
        summary_has=("Not checked: tafamidis 61 mg",),
    ),
]


def _get(rec: dict[str, Any], path: str) -> Any:
    """Return the value at a dotted path ("finding[code].details.x", "intake.products.0")."""
    node: Any = rec
    rest = path
    if rest.startswith("finding["):
        code, rest = rest[len("finding[") :].split("]", 1)
        hits = [f for f in rec["findings"] if f["code"] == code]
        assert len(hits) == 1, f"expected one {code} finding, got {len(hits)}"
        node, rest = hits[0], rest.lstrip(".")
    for key in filter(None, rest.split(".")):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return "<absent>"
    return node


def _same(actual: Any, expected: Any) -> bool:
    """Compare exactly, numbers to the 0.1 mg or 0.01 mL/min a reader sees."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return actual == expected
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and math.isclose(actual, expected, abs_tol=0.051)
    return actual == expected


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: Scenario) -> None:
    """Evaluate the profile; every expectation is checked and every miss reported at once."""
    profile = PROFILE_SCHEMA.load(scenario.profile)
    rec = as_json(default_knowledge_base().evaluate(profile))
    got = sorted(f["code"] for f in rec["findings"])
    problems = []
    if rec["disposition"] != scenario.disposition:
        problems.append(f"disposition {rec['disposition']!r}, expected {scenario.disposition!r}")
    if got != sorted(scenario.codes):
        problems.append(f"codes {got}, expected {sorted(scenario.codes)}")
    if scenario.disposition in ("refer", "avoid") and rec["plan"] is not None:
        problems.append("a plan for refer/avoid")
    if scenario.urgency is not None:
        actual = (rec["referral"] or {}).get("urgency")
        if actual != scenario.urgency:
            problems.append(f"urgency {actual!r}, expected {scenario.urgency!r}")
    for path, expected in scenario.checks.items():
        actual = _get(rec, path)
        if not _same(actual, expected):
            problems.append(f"{path} = {actual!r}, expected {expected!r}")
    if scenario.separations is not None:
        plan = rec["plan"] or {}
        seps = sorted(
            (s["drug"], s["drug_before_magnesium_hours"], s["drug_after_magnesium_hours"])
            for s in plan.get("separations", [])
        )
        want = sorted(
            (d, None if b is None else float(b), None if a is None else float(a))
            for d, b, a in scenario.separations
        )
        if seps != want:
            problems.append(f"separations {seps}, expected {want}")
    nc = [(n["kind"], n["item"]) for n in rec["not_checked"]]
    if nc != scenario.not_checked:
        problems.append(f"not_checked {nc}, expected {scenario.not_checked}")
    plan_text = " ".join(
        [(rec["plan"] or {}).get("ceiling_label", "")] + [*(rec["plan"] or {}).get("notes", [])]
    )
    for text in scenario.plan_has:
        if text not in plan_text:
            problems.append(f"plan lacks {text!r}: {plan_text!r}")
    for text in scenario.summary_has:
        if text not in rec["summary"]:
            problems.append(f"summary lacks {text!r}: {rec['summary']!r}")
    assert not problems, "\n".join(problems)


def test_scenario_count() -> None:
    """The set stays a full acceptance set (about 45 or more profiles)."""
    assert len(SCENARIOS) >= 45


# --- every v2 member and brand alone: exactly its own findings (CLINICAL.md §5 v2) ----------

LT, KS = "interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"
II, AR = "interaction.integrase_inhibitor", "interaction.absorption_reduced"
MEMBERS: list[tuple[str, list[str], tuple[str, float | None, float | None] | None]] = [
    # (medication text, codes, the plan's separation for it or None)
    ("Triumeq", [II], ("dolutegravir", 2, 6)),
    ("Dovato", [II], ("dolutegravir", 2, 6)),
    ("Tivicay 50 mg", [II], ("dolutegravir", 2, 6)),
    ("Stribild", [II], ("elvitegravir", 2, 2)),
    ("Edurant 25 mg", [AR], ("rilpivirine", 4, 2)),
    ("Complera", [AR], ("rilpivirine", 4, 2)),
    ("Odefsey", [AR], ("rilpivirine", 4, 2)),
    ("Evotaz", [AR], ("atazanavir", 2, 1)),
    ("Promacta 50 mg", [AR], ("eltrombopag", 2, 4)),
    ("Alvaiz", [AR], ("eltrombopag", 2, 4)),
    ("Myfortic 360 mg", [AR], ("mycophenolic acid", 2, 2)),
    ("Cuprimine 250 mg", [AR], ("penicillamine", 2, 2)),
    ("Depen", [AR], ("penicillamine", 2, 2)),
    ("itraconazole 100 mg capsules", [AR], ("itraconazole", 2, 1)),
    ("ketoconazole 200 mg", [AR], ("ketoconazole", 2, 1)),
    ("cefpodoxime 200 mg", [AR], ("cefpodoxime", 2, 2)),
    ("Kayexalate", ["interaction.potassium_binder"], ("sodium polystyrene sulfonate", 3, 3)),
    ("Baxdela", ["interaction.fluoroquinolone"], ("delafloxacin", 2, 6)),
    ("Cipro 500 mg", ["interaction.fluoroquinolone"], ("ciprofloxacin", 2, 6)),
    ("Avelox", ["interaction.fluoroquinolone"], ("moxifloxacin", 4, 8)),
    ("Levaquin", ["interaction.fluoroquinolone"], ("levofloxacin", 2, 2)),
    ("Doryx MPC", ["interaction.tetracycline"], ("doxycycline", 2, 6)),
    ("Acticlate", ["interaction.tetracycline"], ("doxycycline", 2, 6)),
    ("Monodox", ["interaction.tetracycline"], ("doxycycline", 2, 6)),
    ("Targadox", ["interaction.tetracycline"], ("doxycycline", 2, 6)),
    ("Minolira", ["interaction.tetracycline"], ("minocycline", 2, 6)),
    ("Ximino", ["interaction.tetracycline"], ("minocycline", 2, 6)),
    ("demeclocycline", ["interaction.tetracycline"], ("demeclocycline", 2, 6)),
    ("Binosto", ["interaction.bisphosphonate"], ("alendronate", 2, None)),
    ("Atelvia", ["interaction.bisphosphonate"], ("risedronate", 2, None)),
    ("Levo-T", ["interaction.levothyroxine"], ("levothyroxine", 4, 4)),
    ("Thyquidity", ["interaction.levothyroxine"], ("levothyroxine", 4, 4)),
    ("Ermeza", ["interaction.levothyroxine"], ("levothyroxine", 4, 4)),
    ("Eltroxin", ["interaction.levothyroxine"], ("levothyroxine", 4, 4)),
    ("L-thyroxine 50 mcg", ["interaction.levothyroxine"], ("levothyroxine", 4, 4)),
    ("Levothyroxin 50 mcg", ["interaction.levothyroxine"], ("levothyroxine", 4, 4)),
    ("Isentress", [II], None),
    ("HCTZ 25 mg", [LT], None),
    ("Microzide", [LT], None),
    ("Demadex", [LT], None),
    ("indapamide", [LT], None),
    ("ethacrynic acid", [LT], None),
    ("chlorothiazide", [LT], None),
    ("chlorthalidone", [LT], None),
    ("Zestoretic", [LT], None),
    ("Prinzide", [LT], None),
    ("Hyzaar 50-12.5", [LT], None),
    ("Diovan HCT", [LT], None),
    ("Maxzide", [LT, KS], None),
    ("eplerenone", [KS], None),
    ("Prilosec OTC", ["interaction.ppi"], None),
    ("Aciphex", ["interaction.ppi"], None),
    ("cyclosporine", ["interaction.magnesium_wasting"], None),
    ("cisplatin", ["interaction.magnesium_wasting"], None),
    ("carboplatin", ["interaction.magnesium_wasting"], None),
    ("amphotericin B", ["interaction.magnesium_wasting"], None),
    ("foscarnet", ["interaction.magnesium_wasting"], None),
    ("pentamidine", ["interaction.magnesium_wasting"], None),
    ("cetuximab", ["interaction.magnesium_wasting"], None),
    ("panitumumab", ["interaction.magnesium_wasting"], None),
    ("gentamicin", ["interaction.magnesium_wasting"], None),
    ("tobramycin", ["interaction.magnesium_wasting"], None),
    ("amikacin", ["interaction.magnesium_wasting"], None),
    ("Digox", ["interaction.digoxin"], None),
    ("CIPROFLOXACIN HCL 500MG TAB", ["interaction.fluoroquinolone"], ("ciprofloxacin", 2, 6)),
    (" LaSiX ", [LT], None),
    # §13 normalisation: NFKC (full-width letters), confusables (Cyrillic і, С)
    (
        "\uff23\uff49\uff50\uff52\uff4f 500 mg",
        ["interaction.fluoroquinolone"],
        ("ciprofloxacin", 2, 6),
    ),
    ("Las\u0456x 40 mg", [LT], None),
    ("\u0421ellCept 500 mg", [AR], ("mycophenolate mofetil", 2, 2)),
]


@pytest.mark.parametrize(("text", "codes", "separation"), MEMBERS, ids=[m[0] for m in MEMBERS])
def test_member_alone(text: str, codes: list[str], separation: Any) -> None:
    profile = PROFILE_SCHEMA.load(
        {"age": 50, "sex": "female", "kidney": {"egfr": 90}, "medications": [{"name": text}]}
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    assert rec["disposition"] == "caution"
    assert sorted(f["code"] for f in rec["findings"]) == sorted(codes)
    seps = [
        (s["drug"], s["drug_before_magnesium_hours"], s["drug_after_magnesium_hours"])
        for s in rec["plan"]["separations"]
    ]
    assert seps == ([separation] if separation else [])
    assert rec["not_checked"] == []


# --- disagreements left open (CLINICAL.md §13) -------------------------------------------------


# A text naming a common drug and a drug the tables do not know: the common name does not
# vouch for the other part (§13). Each unknown part is reported by itself, as written.
@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("metformin 500 mg and tafamidis 61 mg", ["tafamidis 61 mg"]),
        ("fluticasone/umeclidinium/vilanterol", ["umeclidinium", "vilanterol"]),
    ],
)
def test_unknown_drug_beside_a_common_one_is_said(text: str, unknown: list[str]) -> None:
    profile = PROFILE_SCHEMA.load(
        {"age": 50, "sex": "female", "kidney": {"egfr": 90}, "medications": [{"name": text}]}
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    assert [f["code"] for f in rec["findings"]] == ["medication.not_recognized"]
    assert [(n["kind"], n["item"]) for n in rec["not_checked"]] == [
        ("medication", u) for u in unknown
    ]
    assert rec["summary"].startswith("Suitable for what was checked; not checked:")


# --- §1 intake figures by age: the UL (the plan's ceiling) and the RDA, from the tables -------

# (age, sex, pregnant, lactating, UL, RDA) as CLINICAL.md §1 prints them
INTAKE_TABLE = [
    (1, "male", False, False, 65, 80),
    (3, "female", False, False, 65, 80),
    (4, "male", False, False, 110, 130),
    (8, "female", False, False, 110, 130),
    (9, "male", False, False, 350, 240),
    (13, "female", False, False, 350, 240),
    (14, "male", False, False, 350, 410),
    (16, "female", False, False, 350, 360),
    (16, "female", True, False, 350, 400),
    (17, "female", False, True, 350, 360),
    (18, "male", False, False, 350, 410),
    (19, "male", False, False, 350, 400),
    (25, "female", False, False, 350, 310),
    (25, "female", True, False, 350, 350),
    (30, "female", False, True, 350, 310),
    (31, "male", False, False, 350, 420),
    (35, "female", True, False, 350, 360),
    (45, "female", False, True, 350, 320),
    (70, "female", False, False, 350, 320),
]


@pytest.mark.parametrize(("age", "sex", "pregnant", "lactating", "ul", "rda"), INTAKE_TABLE)
def test_upper_limit_and_rda_by_age(
    age: int, sex: str, pregnant: bool, lactating: bool, ul: float, rda: float
) -> None:
    profile = PROFILE_SCHEMA.load(
        {
            "age": age,
            "sex": sex,
            "pregnant": pregnant,
            "lactating": lactating,
            "kidney": {"egfr": 90},
        }
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    assert rec["intake"]["upper_limit_mg"] == ul
    assert rec["intake"]["rda_mg"] == rda
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == ul


def test_an_intake_just_over_the_ul_never_reads_0_mg_over() -> None:
    """§12: 350.004 mg fires intake.ul_exceeded, and the excess a reader sees is not 0."""
    profile = PROFILE_SCHEMA.load(
        {"age": 50, "sex": "female", "kidney": {"egfr": 90}, "magnesium_products": [oral(350.004)]}
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    assert [f["code"] for f in rec["findings"]] == ["intake.ul_exceeded"]
    assert rec["intake"]["over_upper_limit"] is True
    assert 0 < rec["intake"]["excess_mg_per_day"] <= 0.01


# --- §2 v2 / §12: magnesium medicines named in the medication list, as intake -----------------

# (text, route, purpose, elemental mg/day counted, amount known)
MEDICINES = [
    # 15 mL × 400 mg/5 mL = 1200 mg hydroxide × 0.417 = 500.4
    ("Phillips' Milk of Magnesia 15 mL daily", "oral", "antacid_laxative", 500.4, True),
    ("Gaviscon 2 tablets after meals", "oral", "antacid_laxative", None, False),
    ("Mylanta as needed", "oral", "antacid_laxative", None, False),
    ("Maalox", "oral", "antacid_laxative", None, False),
    ("Epsom salt 2 teaspoons in water by mouth", "oral", "antacid_laxative", None, False),
    ("magnesium citrate oral solution", "oral", "antacid_laxative", None, False),
    # 400 mg oxide × 0.603 = 241.2, a supplement unless the text says antacid or laxative
    ("Mag-Ox 400 daily", "oral", "supplement", 241.2, True),
    ("Mag-Ox 400 daily for heartburn", "oral", "antacid_laxative", 241.2, True),
    ("Epsom salt bath", "topical", None, None, False),  # purpose moot: not counted
    # the record's abbreviation, and "mag" for magnesium: 30 mL MOM = 1000.8 mg as above
    ("MOM 30 mL hs", "oral", "antacid_laxative", 1000.8, True),
    ("Mag Oxide 400 mg daily", "oral", "supplement", 241.2, True),
    ("mag citrate 300 mL once", "oral", "antacid_laxative", None, False),
]


@pytest.mark.parametrize(("text", "route", "purpose", "mg", "known"), MEDICINES)
def test_magnesium_medicine_in_the_list_is_intake(
    text: str, route: str, purpose: str | None, mg: float | None, known: bool
) -> None:
    profile = PROFILE_SCHEMA.load(
        {"age": 50, "sex": "female", "kidney": {"egfr": 90}, "medications": [{"name": text}]}
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    [product] = rec["intake"]["products"]
    assert (product["route"], product["source"]) == (route, "medication list")
    if purpose is not None:
        assert product["purpose"] == purpose
    if mg is None:
        assert product["counted_toward_upper_limit"] is False
    else:
        assert product["elemental_mg_per_day"] == pytest.approx(mg, abs=0.05)
    codes = {f["code"] for f in rec["findings"]}
    assert ("intake.dose_unknown" in codes) == (route == "oral" and not known)
    assert rec["not_checked"] == []


# --- §5 v2: RxNorm clinical drug codes (SCD) from CLINICAL.md ---------------------------------

RXNORM_PRODUCTS = [
    ("313988", ["interaction.loop_thiazide_diuretic"], []),  # furosemide 40 MG Oral Tablet
    ("199026", ["interaction.tetracycline"], [("doxycycline", 2.0, 6.0)]),
]


@pytest.mark.parametrize(("code", "codes", "separations"), RXNORM_PRODUCTS)
def test_rxnorm_clinical_drug_codes(code: str, codes: list[str], separations: list) -> None:
    profile = PROFILE_SCHEMA.load(
        {
            "age": 50,
            "sex": "female",
            "kidney": {"egfr": 90},
            "medications": [{"name": "home med", "rxnorm": code}],
        }
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    assert sorted(f["code"] for f in rec["findings"]) == codes
    assert [
        (s["drug"], s["drug_before_magnesium_hours"], s["drug_after_magnesium_hours"])
        for s in rec["plan"]["separations"]
    ] == separations


def test_rxnorm_252430_magnesium_oxide_400_is_intake() -> None:
    """252430 magnesium oxide 400 MG: 241.2 mg elemental a tablet, the text says how often."""
    profile = PROFILE_SCHEMA.load(
        {
            "age": 50,
            "sex": "female",
            "kidney": {"egfr": 90},
            "medications": [{"name": "one tablet twice daily", "rxnorm": "252430"}],
        }
    )
    rec = as_json(default_knowledge_base().evaluate(profile))
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == pytest.approx(482.4, abs=0.05)
    assert sorted(f["code"] for f in rec["findings"]) == [
        "form.oxide_low_absorption",
        "intake.compound_converted",
        "intake.ul_exceeded",
    ]

"""Intake limits, kidney, lab and pain thresholds, each row with its citation.

Values marked CHOICE are this project's engineering choices (CLINICAL.md says which);
the rest are guideline numbers.
"""

from dataclasses import dataclass

from rules.data.sources import cite
from rules.model import Source


@dataclass(frozen=True)
class Threshold:
    value: float
    unit: str
    source: Source


# --- CLINICAL.md §1: tolerable upper intake level (supplements + Mg medicines, not food) ---
# (min age inclusive, max age exclusive, UL mg/day elemental); None below 1 year: no UL set.
UPPER_LIMITS: tuple[tuple[int, int, float | None], ...] = (
    (0, 1, None),
    (1, 4, 65.0),
    (4, 9, 110.0),
    (9, 200, 350.0),
)
UPPER_LIMIT_SOURCE = cite("IOM97", "pp. 242–245: UL for magnesium by age (CLINICAL.md §1)")
ANTACID_COUNTED_SOURCE = cite("IOM00", "p. 63: magnesium-containing antacids count toward the UL")

# --- CLINICAL.md §1: RDA, total intake from food and supplements (IOM97) ---
# (min age, max age exclusive, male, female, pregnant, lactating); None where the table is blank.
RDA: tuple[tuple[int, int, float, float, float | None, float | None], ...] = (
    (1, 4, 80, 80, None, None),
    (4, 9, 130, 130, None, None),
    (9, 14, 240, 240, None, None),
    (14, 19, 410, 360, 400, 360),
    (19, 31, 400, 310, 350, 310),
    (31, 200, 420, 320, 360, 320),
)
RDA_SOURCE = cite("IOM97", "RDA table for magnesium (CLINICAL.md §1)")

# --- CLINICAL.md §3: kidney function (KDIGO stages; SmPC contraindication below 30) ---
EGFR_FAILURE_BELOW = Threshold(15, "mL/min/1.73 m²", cite("KDIGO", "GFR category G5 (< 15)"))
EGFR_SEVERE_BELOW = Threshold(
    30, "mL/min/1.73 m²", cite("SmPC", "section 4.3: contraindicated below 30 mL/min")
)
EGFR_MODERATE_BELOW = Threshold(
    60, "mL/min/1.73 m²", cite("KDIGO", "GFR categories G3a–G3b (30–59)")
)
OLDER_ADULT_AGE = Threshold(
    65, "years", cite("CHOICE", "CLINICAL.md §3: kidney function unknown at 65 or over")
)
KIDNEY_MONITORING = "Serum magnesium every 3–6 months while taking magnesium (SmPC section 4.4)."

# --- CLINICAL.md §3 (v2): kidney function from serum creatinine ---
CREATININE_UMOL_L_PER_MG_DL = 88.42  # 1 mg/dL = 88.42 µmol/L (CLINICAL.md §3)
KIDNEY_EQUATIONS_FROM_AGE = Threshold(
    18, "years", cite("INKER21", "CKD-EPI 2021 is validated in adults (18 and over)")
)
CKD_EPI_2021_SOURCE = cite("INKER21", "Table 2: 2021 CKD-EPI creatinine equation, without race")
COCKCROFT_GAULT_SOURCE = cite("CG76", "creatinine clearance equation; × 0.85 for women")


@dataclass(frozen=True)
class CkdEpi2021:
    """eGFR = 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age [× 1.012 female]."""

    kappa: float
    alpha: float
    factor: float


CKD_EPI_2021: dict[str, CkdEpi2021] = {
    "female": CkdEpi2021(kappa=0.7, alpha=-0.241, factor=142 * 1.012),
    "male": CkdEpi2021(kappa=0.9, alpha=-0.302, factor=142),
}
CKD_EPI_2021_HIGH_EXPONENT = -1.200
CKD_EPI_2021_AGE_BASE = 0.9938
COCKCROFT_GAULT_FEMALE_FACTOR = 0.85

# --- CLINICAL.md §4: serum magnesium (mg/dL) ---
MG_DL_PER_MMOL_L = 2.431
MEQ_PER_MMOL = 2.0
SERUM_LOW_BELOW = Threshold(1.8, "mg/dL", cite("IOM97", "lower limit of normal serum magnesium"))
SERUM_SEVERE_LOW_BELOW = Threshold(
    1.2,
    "mg/dL",
    cite(
        "SmPC", "section 4.2: severe deficiency is repleted under medical care (about 0.5 mmol/L)"
    ),
)
SERUM_HIGH_ABOVE = Threshold(
    2.3, "mg/dL", cite("ODS", "normal serum magnesium 0.75–0.95 mmol/L (2.3 mg/dL)")
)
SERUM_TOXIC_AT = Threshold(
    4.2, "mg/dL", cite("ODS", "hypermagnesemia: symptoms usually above 1.74–2.61 mmol/L")
)

# --- CLINICAL.md §4 (v2): signs of toxicity and the context that makes them likely ---
TOXICITY_OLDER_AGE = Threshold(
    65, "years", cite("PMDA", "hypermagnesemia with magnesium oxide in older adults")
)
TOXICITY_EGFR_BELOW = Threshold(
    60, "mL/min/1.73 m²", cite("WAKAI19", "eGFR ≤ 55 an independent risk for hypermagnesemia")
)
TOXICITY_SIGNS_AT = Threshold(
    2, "signs", cite("ODS", "hypermagnesemia: weakness, lethargy, hypotension, bradycardia")
)
UNEXPLAINED_CARDINAL_AT = Threshold(
    2, "signs", cite("CHOICE", "CLINICAL.md §4: two cardinal signs without magnesium")
)

# --- CLINICAL.md §6: pain ---
SEVERE_PAIN_AT = Threshold(7, "0–10 scale", cite("CHOICE", "CLINICAL.md §6: 7 or more is severe"))
INFLAMMATORY_FEATURES_AT = Threshold(
    2, "features", cite("ACP07", "inflammatory back pain features (CLINICAL.md §6)")
)
INFLAMMATORY_WEEKS_AT = Threshold(12, "weeks", cite("ACP07", "chronic pain: 12 weeks or more"))
PERSISTENT_WEEKS_AT = Threshold(6, "weeks", cite("ACP11", "review if not improving at 6 weeks"))
FRACTURE_AGE_AT = Threshold(70, "years", cite("ACP07", "Table 1: age > 70 with minor trauma"))
# CLINICAL.md §6 (v2): back pain in children (ACR Appropriateness Criteria, Back Pain—Child).
PEDIATRIC_ANY_PAIN_BELOW = Threshold(
    5, "years", cite("ACR-PEDS", "back pain under 5 years: imaging and specialist evaluation")
)
PEDIATRIC_PERSISTENT_WEEKS_AT = Threshold(
    4, "weeks", cite("ACR-PEDS", "back pain for 4 weeks or more in a child")
)

# --- CLINICAL.md §7: populations ---
ADULT_AGE = Threshold(18, "years", cite("IOM97", "UL by age group (CLINICAL.md §1, §7)"))
INFANT_BELOW = Threshold(1, "years", cite("IOM97", "no UL set under 1 year (CLINICAL.md §1)"))


def upper_limit_for(age: int) -> float | None:
    """Return the UL (mg/day elemental, supplements and medicines) for `age` in years."""
    for low, high, ul in UPPER_LIMITS:
        if low <= age < high:
            return ul
    return UPPER_LIMITS[-1][2]


def rda_for(age: int, sex: str, pregnant: bool, lactating: bool) -> float | None:
    """Return the RDA (mg/day, food and supplements), or None where the table gives none."""
    for low, high, male, female, preg, lact in RDA:
        if low <= age < high:
            if pregnant and preg is not None:
                return preg
            if lactating and lact is not None:
                return lact
            if sex == "male":
                return male
            if sex == "female" or male == female:
                return female
            return None  # sex other/unknown where the sexes differ: no single value
    return None  # under 1 year: the table gives no RDA

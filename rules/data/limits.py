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

# --- CLINICAL.md §4: serum magnesium (mg/dL) ---
MG_DL_PER_MMOL_L = 2.431
MEQ_PER_MMOL = 2.0
SERUM_LOW_BELOW = Threshold(1.8, "mg/dL", cite("IOM97", "lower limit of normal serum magnesium"))
SERUM_HIGH_ABOVE = Threshold(
    2.6, "mg/dL", cite("CHOICE", "CLINICAL.md §4: common laboratory upper limit")
)
SERUM_TOXIC_AT = Threshold(
    4.8, "mg/dL", cite("IOM97", "p. 243: symptoms of hypermagnesemia start at 4.8–8.4 mg/dL")
)

# --- CLINICAL.md §6: pain ---
SEVERE_PAIN_AT = Threshold(7, "0–10 scale", cite("CHOICE", "CLINICAL.md §6: 7 or more is severe"))
INFLAMMATORY_FEATURES_AT = Threshold(
    2, "features", cite("ACP07", "inflammatory back pain features (CLINICAL.md §6)")
)
INFLAMMATORY_WEEKS_AT = Threshold(12, "weeks", cite("ACP07", "chronic pain: 12 weeks or more"))
PERSISTENT_WEEKS_AT = Threshold(6, "weeks", cite("ACP11", "review if not improving at 6 weeks"))
FRACTURE_AGE_AT = Threshold(70, "years", cite("ACP07", "Table 1: age > 70 with minor trauma"))

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

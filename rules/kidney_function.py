"""Kidney function from what the record holds (CLINICAL.md §3, v2).

- eGFR as given, or, with serum creatinine at age 18 or over and no eGFR, the race-free
  CKD-EPI 2021 equation (Inker, NEJM 2021); sex `other` or `unknown`: both sexes' constants,
  the lower result.
- With weight too: Cockcroft–Gault creatinine clearance (× 0.85 for women; the lower for
  sex `other` or `unknown`). The SmPC states its contraindication as clearance, and eGFR
  overstates clearance in small, older patients, so the kidney rules read the lower of the two.
- Under 18 nothing is computed (the bedside Schwartz equation needs height): a `NotChecked`
  asks for an eGFR.

Computed values are rounded to 0.01 before any rule reads them, so the number a reader sees
is the number that decided (a computed 29.996 never shows as 30 beside `kidney.severe`).
Written by hand: the two equations are a few lines each and no maintained library carries
the 2021 equation with its citation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules.data.limits import (
    CKD_EPI_2021,
    CKD_EPI_2021_AGE_BASE,
    CKD_EPI_2021_HIGH_EXPONENT,
    COCKCROFT_GAULT_FEMALE_FACTOR,
    CREATININE_UMOL_L_PER_MG_DL,
    KIDNEY_EQUATIONS_FROM_AGE,
)
from rules.errors import ProfileError
from rules.model import Creatinine, NotChecked, Profile

DecidedBy = Literal["egfr", "egfr_estimated", "creatinine_clearance"]
_PLACES = 2


@dataclass(frozen=True)
class KidneyFunction:
    """What the kidney rules decide on, and where each number came from."""

    egfr_given: float | None = None
    creatinine_mg_dl: float | None = None
    egfr_estimated: float | None = None  # CKD-EPI 2021, when computed
    egfr_estimated_sex: str | None = None  # the constants used ("female" or "male")
    clearance: float | None = None  # Cockcroft–Gault, mL/min, when computed
    value: float | None = None  # the lower of eGFR (given or estimated) and clearance
    decided_by: DecidedBy | None = None
    not_checked: tuple[NotChecked, ...] = ()

    @property
    def computed(self) -> bool:
        """True when a computed value (not a reported eGFR) is the one the rules read."""
        return self.decided_by in ("egfr_estimated", "creatinine_clearance")

    @property
    def egfr(self) -> float | None:
        """The eGFR, given or estimated (not the clearance)."""
        return self.egfr_given if self.egfr_given is not None else self.egfr_estimated


def creatinine_mg_dl(creatinine: Creatinine) -> float:
    """Return serum creatinine in mg/dL (1 mg/dL = 88.42 µmol/L)."""
    if creatinine.unit == "mg/dL":
        return creatinine.value
    if creatinine.unit == "µmol/L":
        return creatinine.value / CREATININE_UMOL_L_PER_MG_DL
    raise ProfileError("kidney.creatinine.unit", f"unit {creatinine.unit!r} cannot be converted")


def ckd_epi_2021(scr_mg_dl: float, age: int, sex: str) -> tuple[float, str]:
    """Return (eGFR mL/min/1.73 m², constants used); `other`/`unknown` sex gives the lower."""
    sexes = (sex,) if sex in CKD_EPI_2021 else tuple(CKD_EPI_2021)
    results = []
    for s in sexes:
        c = CKD_EPI_2021[s]
        ratio = scr_mg_dl / c.kappa
        egfr = (
            c.factor
            * min(ratio, 1.0) ** c.alpha
            * max(ratio, 1.0) ** CKD_EPI_2021_HIGH_EXPONENT
            * CKD_EPI_2021_AGE_BASE**age
        )
        results.append((egfr, s))
    return min(results)


def cockcroft_gault(scr_mg_dl: float, age: int, weight_kg: float, sex: str) -> float:
    """Return creatinine clearance (mL/min); the female factor applies unless sex is male."""
    clearance = (140 - age) * weight_kg / (72 * scr_mg_dl)
    return clearance if sex == "male" else clearance * COCKCROFT_GAULT_FEMALE_FACTOR


def assess(profile: Profile) -> KidneyFunction:
    """Return the kidney function the rules read for `profile`."""
    kidney = profile.kidney
    given = kidney.egfr
    if kidney.creatinine is None:
        return KidneyFunction(
            egfr_given=given,
            value=given,
            decided_by="egfr" if given is not None else None,
        )
    scr = creatinine_mg_dl(kidney.creatinine)
    if scr <= 0:
        raise ProfileError("kidney.creatinine.value", "serum creatinine must be above 0")
    if profile.age < KIDNEY_EQUATIONS_FROM_AGE.value:
        not_checked: tuple[NotChecked, ...] = ()
        if given is None:
            not_checked = (
                NotChecked(
                    kind="value",
                    item="serum creatinine",
                    reason=(
                        f"kidney function was not estimated from creatinine at age {profile.age}: "
                        "the adult equations start at 18 and the bedside Schwartz equation "
                        "needs height; send a measured eGFR"
                    ),
                ),
            )
        return KidneyFunction(
            egfr_given=given,
            creatinine_mg_dl=scr,
            value=given,
            decided_by="egfr" if given is not None else None,
            not_checked=not_checked,
        )
    estimated = sex_used = None
    if given is None:
        raw, sex_used = ckd_epi_2021(scr, profile.age, profile.sex)
        estimated = round(raw, _PLACES)
    clearance = None
    if profile.weight_kg is not None:
        raw_clearance = cockcroft_gault(scr, profile.age, profile.weight_kg, profile.sex)
        clearance = round(raw_clearance, _PLACES)
    egfr = given if given is not None else estimated
    assert egfr is not None
    decided_by: DecidedBy = "egfr" if given is not None else "egfr_estimated"
    value = egfr
    if clearance is not None and clearance < egfr:
        value, decided_by = clearance, "creatinine_clearance"
    return KidneyFunction(
        egfr_given=given,
        creatinine_mg_dl=scr,
        egfr_estimated=estimated,
        egfr_estimated_sex=sex_used,
        clearance=clearance,
        value=value,
        decided_by=decided_by,
    )

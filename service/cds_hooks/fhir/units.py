"""Units of measure: UCUM codes through ucumvert (a UCUM grammar on top of pint).

Only what UCUM does not cover is kept by hand, and kept small:
- countable dose forms: a UCUM annotation alone (`{pill}`, `{tbl}`) is the unit 1, so
  which annotations name a countable form is this service's call; `TAB` and `CAP` are
  HL7 v3 orderableDrugForm codes that EHRs put in Quantity.code, not UCUM;
- a few human spellings EHRs send in Quantity.unit instead of a code ("mcg", "lbs");
- mEq: UCUM's eq has no valence, and magnesium's (2) is chemistry, so serum magnesium
  units stay a three-row table in observations.py.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ucumvert import InvalidUcumError, PintUcumRegistry

ANNOTATION = re.compile(r"\{([^{}]*)\}")
COUNT_WORDS = frozenset(
    {
        "pill",
        "pills",
        "tab",
        "tabs",
        "tbl",
        "tablet",
        "tablets",
        "cap",
        "caps",
        "capsule",
        "capsules",
        "each",
        "ea",
        "dose",
        "doses",
        "lozenge",
        "lozenges",
        "sachet",
        "sachets",
        "softgel",
        "softgels",
        "chewable",
    }
)
# Human spellings → UCUM (Quantity.unit when Quantity.code is absent).
SPELLINGS = {
    "mcg": "ug",
    "µg": "ug",
    "μg": "ug",
    "milligram": "mg",
    "milligrams": "mg",
    "gram": "g",
    "grams": "g",
    "ml": "mL",
    "millilitre": "mL",
    "milliliter": "mL",
    "l": "L",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "kilogram": "kg",
    "kilograms": "kg",
    "kgs": "kg",
    "µmol/l": "umol/L",
    "μmol/l": "umol/L",
    "umol/l": "umol/L",
    "mg/dl": "mg/dL",
    "mmol/l": "mmol/L",
}


@functools.cache
def _registry() -> PintUcumRegistry:
    return PintUcumRegistry()


def warm() -> None:
    """Build the UCUM registry and parser now (a second or more), not on the first request."""
    convert(1, "g", "mg")


def is_count(unit: str | None) -> bool:
    """True for a dose counted in units of the product: '1', '{pill}', 'TAB', 'tablets'."""
    if unit is None:
        return False
    key = unit.strip()
    if key == "1":
        return True
    annotation = ANNOTATION.fullmatch(key)
    word = (annotation.group(1) if annotation else key).strip().lower()
    return word in COUNT_WORDS


def quantity(value: float, unit: str | None) -> Any | None:
    """A pint Quantity for a UCUM unit (or a known spelling of one); None when unknown."""
    if not unit or not unit.strip() or ANNOTATION.fullmatch(unit.strip()):
        return None
    code = unit.strip()
    code = SPELLINGS.get(code.lower(), code)
    try:
        return value * _registry().from_ucum(code)
    except InvalidUcumError:
        return None


def convert(value: float, unit: str | None, target: str) -> float | None:
    """`value` in `unit` expressed in the UCUM unit `target`; None when not convertible."""
    factor = _factor(unit, target) if unit else None
    # Rounded: float noise from the conversion factors (1 g = 1000.0000000000001 mg).
    return None if factor is None else round(value * factor, 9)


@functools.lru_cache(maxsize=256)
def _factor(unit: str, target: str) -> float | None:
    """How many `target` one `unit` is (parsing UCUM takes about a millisecond: cached).

    Every unit read here is a plain multiple (mass, volume, amount, rate), never an
    offset scale such as degrees Celsius, so one factor converts any value.
    """
    amount = quantity(1.0, unit)
    if amount is None:
        return None
    goal = _registry().from_ucum(target)
    if amount.dimensionality != goal.dimensionality:
        return None
    return float((amount / goal).to("dimensionless").magnitude)


def normal_key(unit: str | None) -> str:
    """A unit folded for comparing spellings: 'mL/min/{1.73_m2}' → 'ml/min/1.73m2'."""
    key = (unit or "").lower().replace(" ", "").replace("_", "").replace("^", "")
    key = key.replace("²", "2")
    return key.replace("{", "").replace("}", "") if "/" in key else key

"""Dosage → the dose in mg, doses a day and route of a magnesium product."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from service.cds_hooks.fhir import units
from service.cds_hooks.fhir.codes import GTS_ABBREVIATION, SNOMED
from service.cds_hooks.fhir.elements import codes, number, obj, objects, text
from service.cds_hooks.fhir.notes import Reading

Dosage = Mapping[str, Any]
TOPICAL_ROUTE = "6064005"  # SNOMED CT: Topical route (qualifier value)
TOPICAL_WORDS = re.compile(
    r"\b(topical|cutaneous|transdermal|lotion|spray|cream|gel|oil|bath|flakes)\b"
)
TIMING_CODES = {
    "QD": 1, "QOD": 1, "QAM": 1, "QPM": 1, "AM": 1, "PM": 1, "WK": 1, "MO": 1,
    "BID": 2, "TID": 3, "QID": 4, "Q4H": 6, "Q6H": 4, "Q8H": 3, "Q12H": 2,
}  # fmt: skip
TEXT_FREQUENCY = (
    (re.compile(r"\b(qid|four times)\b"), 4),
    (re.compile(r"\b(tid|three times)\b"), 3),
    (re.compile(r"\b(bid|twice)\b"), 2),
    (re.compile(r"\b(qd|once|daily|nightly|at bedtime|qhs)\b"), 1),
)
PERIOD_PER_DAY = {"s": 86400, "min": 1440, "h": 24, "d": 1, "wk": 1 / 7, "mo": 1 / 30, "a": 1 / 365}
MAX_PER_DAY = 24


def first_dosage(resource: Mapping[str, Any], where: str) -> Dosage | None:
    """The first Dosage (dosageInstruction on a request, dosage on a statement)."""
    dosages = objects(resource, "dosageInstruction", where) or objects(resource, "dosage", where)
    return dosages[0] if dosages else None


def route(name: str, dosage: Dosage | None, where: str) -> str:
    """'topical' for a skin product (by route code or words), else 'oral'."""
    concept = obj(dosage, "route", where) if dosage else None
    words = (
        " ".join(
            [text(concept, "text", where) or ""]
            + [text(c, "display", where) or "" for c in objects(concept, "coding", where)]
        )
        if concept
        else ""
    )
    if TOPICAL_ROUTE in codes(concept, SNOMED, where) or TOPICAL_WORDS.search(
        f"{name} {words}".lower()
    ):
        return "topical"
    return "oral"


def dose_quantity(dosage: Dosage | None, where: str) -> tuple[float, str | None] | None:
    """(value, unit code or unit) of the first doseQuantity, or a doseRange's high end."""
    if not dosage:
        return None
    items = objects(dosage, "doseAndRate", where)
    quantity = obj(dosage, "doseQuantity", where)  # DSTU2/STU3 shape, still sent
    for item in items:
        quantity = obj(item, "doseQuantity", where)
        if quantity is None:
            dose_range = obj(item, "doseRange", where)
            quantity = obj(dose_range, "high", where) if dose_range else None
        if quantity is not None:
            break
    if quantity is None:
        return None
    value = number(quantity, "value", where)
    if value is None:
        return None
    return value, text(quantity, "code", where) or text(quantity, "unit", where)


def dose_mg(
    dosage: Dosage | None,
    strength_mg: float | None,
    per_ml: float | None,
    name: str,
    where: str,
    reading: Reading[Any],
) -> float | None:
    """The dose in mg of the product as labelled, or None.

    None without a note when the words may still tell (a count or volume of a product
    whose strength the name does not give: the knowledge base reads the text); None with a
    note when the unit is not understood at all.
    """
    quantity = dose_quantity(dosage, where)
    if quantity is None:
        if strength_mg is not None and per_ml is None:
            reading.note(
                where, f"{name}: no dose given, counted as one unit ({strength_mg:g} mg) per dose"
            )
            return strength_mg
        return None
    amount, unit = quantity
    if unit is None or units.is_count(unit):  # before UCUM: 'cap' must not parse as a unit
        if strength_mg is None or per_ml is not None:
            return None
        if unit is None:
            reading.note(
                where,
                f"{name}: dose {amount:g} without a unit, read as {amount:g} × {strength_mg:g} mg",
            )
        return amount * strength_mg
    mg = units.convert(amount, unit, "mg")
    if mg is not None:
        return mg
    ml = units.convert(amount, unit, "mL")
    if ml is not None:
        return ml * strength_mg / per_ml if strength_mg is not None and per_ml else None
    reading.note(
        where,
        f"{name}: dose {amount:g} {unit} could not be converted to mg, so the order's dose "
        "was not used",
        affects_safety=True,
        kind="unit",
    )
    return None


def unit_understood(dosage: Dosage | None, where: str) -> bool:
    """False when the dose has a unit that is neither a count, a mass nor a volume."""
    quantity = dose_quantity(dosage, where)
    if quantity is None or quantity[1] is None or units.is_count(quantity[1]):
        return True
    return any(units.convert(1, quantity[1], goal) is not None for goal in ("mg", "mL"))


def dose_words(dosage: Dosage | None, where: str) -> str:
    """The dose as words the knowledge base's reader understands ('2 tablets', '30 mL')."""
    quantity = dose_quantity(dosage, where)
    if quantity is None:
        return ""
    amount, unit = quantity
    if unit is None or units.is_count(unit):
        return f"{amount:g} tablets"
    ml = units.convert(amount, unit, "mL")
    return f"{ml:g} mL" if ml is not None else ""


def times_per_day(dosage: Dosage | None, where: str, reading: Reading[Any]) -> int | None:
    """Doses a day, whole (a dose taken less than daily still lands whole on its day)."""
    per_day = _per_day(dosage, where)
    if per_day is None:
        return None
    if per_day > MAX_PER_DAY:
        reading.note(
            where,
            f"{per_day:g} doses a day is more than {MAX_PER_DAY}: counted as {MAX_PER_DAY}",
            affects_safety=True,
            kind="value",
        )
        return MAX_PER_DAY
    return max(1, math.ceil(per_day - 1e-9))


def _per_day(dosage: Dosage | None, where: str) -> float | None:
    if not dosage:
        return None
    timing = obj(dosage, "timing", where) or {}
    repeat = obj(timing, "repeat", where) or {}
    frequency = number(repeat, "frequencyMax", where) or number(repeat, "frequency", where)
    period = number(repeat, "period", where)
    if frequency or period:
        per_day = PERIOD_PER_DAY.get(text(repeat, "periodUnit", where) or "d")
        if per_day is not None and (period or 1) > 0:
            return (frequency or 1) / (period or 1) * per_day
    for key in ("timeOfDay", "when"):
        value = repeat.get(key)
        if isinstance(value, list) and value:
            return float(len(value))
    for code in codes(obj(timing, "code", where), GTS_ABBREVIATION, where):
        if code.upper() in TIMING_CODES:
            return float(TIMING_CODES[code.upper()])
    timing_code = obj(timing, "code", where)
    words = " ".join(
        w
        for w in (
            text(dosage, "text", where),
            text(timing_code, "text", where) if timing_code else "",
        )
        if w
    )
    for pattern, count in TEXT_FREQUENCY:
        if pattern.search(words.lower()):
            return float(count)
    return None

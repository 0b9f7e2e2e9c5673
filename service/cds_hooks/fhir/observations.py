"""Observations → eGFR, serum creatinine, body weight, serum magnesium, pregnancy status.

eGFR follows CLINICAL.md §3 v2: every listed LOINC code, values at the top level or in a
panel's components (the FHIR core example f205), comparators ('>60' is at least 60, '<15'
just under 15) and values sent as text. The newest usable Observation wins; one that
cannot be read is said, and the next older one is tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from service.cds_hooks.fhir import units
from service.cds_hooks.fhir.codes import (
    BODY_WEIGHT_CODES,
    CREATININE_CODES,
    EGFR_CODES,
    EGFR_PANEL_CODES,
    LOINC,
    MAGNESIUM_CODES,
    NOT_PREGNANT,
    PREGNANCY_STATUS_CODES,
    PREGNANT,
    SNOMED,
)
from service.cds_hooks.fhir.elements import codes, instant, number, obj, objects, ref, status, text
from service.cds_hooks.fhir.notes import Reading, UnreadableResource

T = TypeVar("T")
Resource = Mapping[str, Any]

USABLE = {"final", "amended", "corrected", "preliminary", "registered"}
EGFR_UNITS = {"ml/min/1.73m2", "ml/min", "ml/min/1.73m^2"}
MAGNESIUM_UNITS = {"mg/dl": "mg/dL", "mmol/l": "mmol/L", "meq/l": "mEq/L"}
TEXT_VALUE = re.compile(r"\s*([<>]=?)?\s*(\d+(?:\.\d+)?)\s*(\S.*)?")
# '<15' is under 15: read just below the bound so the lower band applies (§3).
BELOW = 0.1
NO_FINDING_FROM = 60.0  # §3: at 60 and over there is no kidney finding


@dataclass(frozen=True)
class Value:
    """One numeric result: value, comparator, unit as sent, and where it came from."""

    value: float
    comparator: str | None
    unit: str | None
    source: str


def observations_with(
    resources: Iterable[Resource], wanted: Iterable[str], reading: Reading[Any]
) -> list[Resource]:
    """Usable Observations coded (or holding components coded) with a `wanted` LOINC code."""
    wanted = set(wanted)
    found = []
    for resource in resources:
        if resource.get("resourceType") != "Observation":
            continue
        source = ref(resource)
        try:
            state = status(resource, source)
            own = set(codes(obj(resource, "code", source), LOINC, source))
            parts = {
                c
                for component in objects(resource, "component", source)
                for c in codes(obj(component, "code", source), LOINC, source)
            }
        except UnreadableResource as error:
            reading.unreadable(source, error)
            continue
        if not (own | parts) & wanted:
            continue
        if state is None:
            reading.note(source, "no status: read as a final result")
        elif state not in USABLE:
            continue  # cancelled, entered-in-error, unknown: not a result
        found.append(resource)
    found.sort(key=_effective, reverse=True)
    return found


def newest(
    resources: list[Resource],
    read: Callable[[Resource, Reading[Any]], T | None],
    reading: Reading[Any],
) -> T | None:
    """The value of the newest Observation `read` can use; the ones it cannot are noted."""
    for resource in resources:
        try:
            value = read(resource, reading)
        except UnreadableResource as error:
            reading.unreadable(ref(resource), error)
            continue
        if value is not None:
            return value
    return None


# --- eGFR -----------------------------------------------------------------------------------


def read_egfr(resources: list[Resource]) -> Reading[float | None]:
    """The newest eGFR (mL/min/1.73 m²) from top-level values or panel components."""
    reading: Reading[float | None] = Reading(None)
    candidates = observations_with(resources, (*EGFR_CODES, *EGFR_PANEL_CODES), reading)
    reading.value = newest(candidates, _egfr_of, reading)
    return reading


def _egfr_of(obs: Resource, reading: Reading[Any]) -> float | None:
    source = ref(obs)
    values: list[Value] = []
    said = len(reading.notes)
    own = set(codes(obj(obs, "code", source), LOINC, source))
    if own & set(EGFR_CODES):
        values += _values(obs, source, f"{source}", reading)
    for i, component in enumerate(objects(obs, "component", source)):
        if set(codes(obj(component, "code", source), LOINC, source)) & set(EGFR_CODES):
            values += _values(component, source, f"{source} component {i}", reading)
    usable = [v for v in (_egfr_value(v, reading) for v in values) if v is not None]
    if not usable:
        if len(reading.notes) == said:  # nothing said yet about why
            reading.note(
                source, "eGFR observation has no value: not used", affects_safety=True, kind="value"
            )
        return None
    # Race-specific components (MDRD/CKD-EPI Black and non-Black) differ: the lower one
    # never overstates kidney function.
    return min(usable)


def _values(
    element: Mapping[str, Any], source: str, where: str, reading: Reading[Any]
) -> list[Value]:
    """The numeric value of an Observation or component: valueQuantity, valueInteger or
    valueString."""
    quantity = obj(element, "valueQuantity", source)
    if quantity is not None:
        value = number(quantity, "value", source)
        if value is None:
            reading.note(
                where, "a quantity without a value: not used", affects_safety=True, kind="value"
            )
            return []
        unit = text(quantity, "code", source) or text(quantity, "unit", source)
        return [Value(value, text(quantity, "comparator", source), unit, where)]
    whole = number(element, "valueInteger", source)
    if whole is not None:
        return [Value(whole, None, None, where)]  # R4's valueInteger: no unit to check
    sent = text(element, "valueString", source)
    if sent is not None:
        match = TEXT_VALUE.fullmatch(sent)
        if match is None:
            reading.note(
                where,
                f"value {sent!r} is not a number: not used",
                affects_safety=True,
                kind="value",
            )
            return []
        return [Value(float(match.group(2)), match.group(1), match.group(3), where)]
    absent = obj(element, "dataAbsentReason", source)
    if absent is not None:
        why = text(absent, "text", source) or ", ".join(
            codes(absent, "http://terminology.hl7.org/CodeSystem/data-absent-reason", source)
        )
        reading.note(
            where, f"no value ({why or 'data absent'}): not used", affects_safety=True, kind="value"
        )
    return []


def _egfr_value(value: Value, reading: Reading[Any]) -> float | None:
    if value.unit is not None and units.normal_key(value.unit) not in EGFR_UNITS:
        converted = units.convert(value.value, value.unit, "mL/min")
        if converted is None:
            reading.note(
                value.source,
                f"eGFR unit {value.unit} not understood: value not used",
                affects_safety=True,
                kind="unit",
            )
            return None
        reading.note(
            value.source, f"eGFR {value.value:g} {value.unit} read as {converted:g} mL/min"
        )
        value = Value(converted, value.comparator, None, value.source)
    if value.comparator == "<":
        reading.note(
            value.source,
            f"eGFR reported as <{value.value:g}: evaluated as {value.value - BELOW:g}",
        )
        return value.value - BELOW
    if value.comparator in (">", ">=") and value.value < NO_FINDING_FROM:
        reading.note(
            value.source,
            f"eGFR reported as {value.comparator}{value.value:g}: evaluated as {value.value:g}, "
            "its lowest possible value",
        )
    return value.value


# --- creatinine and weight --------------------------------------------------------------------


def read_creatinine(resources: list[Resource]) -> Reading[dict[str, Any] | None]:
    """The newest serum creatinine as {value, unit} in mg/dL or µmol/L."""
    reading: Reading[dict[str, Any] | None] = Reading(None)
    candidates = observations_with(resources, CREATININE_CODES, reading)

    def read(obs: Resource, reading: Reading[Any]) -> dict[str, Any] | None:
        found = _values(obs, ref(obs), ref(obs), reading)
        if not found:
            return None
        value = found[0]
        code = next(
            c for c in codes(obj(obs, "code", ref(obs)), LOINC, ref(obs)) if c in CREATININE_CODES
        )
        unit = value.unit or ("mg/dL" if code == "2160-0" else "umol/L")
        if value.comparator:
            reading.note(
                value.source,
                f"creatinine reported as {value.comparator}{value.value:g}: not used for a "
                "computed kidney function",
                affects_safety=True,
                kind="value",
            )
            return None
        mg_dl = units.convert(value.value, unit, "mg/dL")
        if mg_dl is not None:
            return {"value": mg_dl, "unit": "mg/dL"}
        umol_l = units.convert(value.value, unit, "umol/L")
        if umol_l is not None:
            return {"value": umol_l, "unit": "µmol/L"}
        reading.note(
            value.source,
            f"creatinine unit {unit} not understood: value not used",
            affects_safety=True,
            kind="unit",
        )
        return None

    reading.value = newest(candidates, read, reading)
    return reading


def read_weight(resources: list[Resource]) -> Reading[float | None]:
    """The newest body weight in kg."""
    reading: Reading[float | None] = Reading(None)
    candidates = observations_with(resources, BODY_WEIGHT_CODES, reading)

    def read(obs: Resource, reading: Reading[Any]) -> float | None:
        found = _values(obs, ref(obs), ref(obs), reading)
        if not found:
            return None
        value = found[0]
        kg = units.convert(value.value, value.unit or "kg", "kg")
        if kg is None or kg <= 0:
            reading.note(
                value.source,
                f"body weight {value.value:g} {value.unit or ''} could not be read in kg: not used",
                affects_safety=True,
                kind="unit",
            )
            return None
        return round(kg, 2)

    reading.value = newest(candidates, read, reading)
    return reading


# --- serum magnesium --------------------------------------------------------------------------


def read_serum_magnesium(resources: list[Resource]) -> Reading[dict[str, Any] | None]:
    """The newest serum magnesium as {value, unit} in a unit the knowledge base converts."""
    reading: Reading[dict[str, Any] | None] = Reading(None)
    candidates = observations_with(resources, MAGNESIUM_CODES, reading)

    def read(obs: Resource, reading: Reading[Any]) -> dict[str, Any] | None:
        found = _values(obs, ref(obs), ref(obs), reading)
        if not found:
            return None
        value = found[0]
        code = next(
            c for c in codes(obj(obs, "code", ref(obs)), LOINC, ref(obs)) if c in MAGNESIUM_CODES
        )
        if not value.unit:
            implied = MAGNESIUM_CODES[code]
            reading.note(
                value.source,
                f"serum magnesium without a unit: read as {implied}, the unit LOINC {code} implies",
            )
            return {"value": value.value, "unit": implied}
        known = MAGNESIUM_UNITS.get(units.normal_key(value.unit))
        if known is None:
            reading.note(
                value.source,
                f"serum magnesium unit {value.unit} not understood: value not used",
                affects_safety=True,
                kind="unit",
            )
            return None
        return {"value": value.value, "unit": known}

    reading.value = newest(candidates, read, reading)
    return reading


# --- pregnancy status -------------------------------------------------------------------------


def read_pregnancy_status(resources: list[Resource]) -> Reading[bool]:
    """True when the newest pregnancy-status Observation says pregnant."""
    reading: Reading[bool] = Reading(False)
    candidates = observations_with(resources, PREGNANCY_STATUS_CODES, reading)

    def read(obs: Resource, reading: Reading[Any]) -> bool | None:
        answer = set(codes(obj(obs, "valueCodeableConcept", ref(obs)), SNOMED, ref(obs)))
        if PREGNANT in answer:
            return True
        if NOT_PREGNANT in answer:
            return False
        reading.note(
            ref(obs),
            "pregnancy status is neither pregnant nor not pregnant: not used",
            affects_safety=True,
            kind="value",
        )
        return False  # the newest says nothing usable; older answers are out of date

    reading.value = bool(newest(candidates[:1], read, reading))
    return reading


def _effective(obs: Resource) -> datetime:
    period = obs.get("effectivePeriod")
    period = period if isinstance(period, Mapping) else {}
    for value in (
        obs.get("effectiveDateTime"),
        obs.get("effectiveInstant"),
        period.get("end"),
        period.get("start"),
        obs.get("issued"),
    ):
        moment = instant(value)
        if moment is not None:
            return moment
    return datetime.min.replace(tzinfo=UTC)

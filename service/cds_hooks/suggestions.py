"""Suggestions on the order hooks: one coherent set per draft magnesium order.

- disposition `avoid` or `refer`: only removing the draft is offered, on the card of the
  finding that decided it (no dose change beside it);
- otherwise, over the upper limit: only a lower frequency that keeps the day's total
  within the limit (or removal when even one dose is too much), on the upper-limit card;
- on order-select, only the orders the clinician selected get suggestions;
- a draft without an id cannot be named in an action: it gets none, and the card says so.
Labels name the product ("Remove magnesium oxide 400 mg") and act on that order's id.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules import Finding, Recommendation
from service.cds_hooks.fhir import DraftMagnesiumOrder

WITHOUT_ID_NOTE = (
    "The draft order for {product} has no id, so no change to it can be offered here: "
    "remove or change it in the order screen."
)


@dataclass(frozen=True)
class Plan:
    """The finding code whose card carries the suggestions, the suggestions, and what to say."""

    finding_code: str | None
    suggestions: list[dict[str, Any]]
    notes: list[str]


def plan_suggestions(rec: Recommendation, orders: list[DraftMagnesiumOrder]) -> Plan:
    """Decide which card carries which suggestions; at most one card gets them."""
    selected = [o for o in orders if o.selected]
    if not selected:
        return Plan(None, [], [])
    deciding = _deciding_finding(rec)
    suggestions: list[dict[str, Any]] = []
    notes: list[str] = []
    if deciding is not None:
        why = f"magnesium should not be taken now: {deciding.title[:1].lower()}{deciding.title[1:]}"
        for order in selected:
            _add(_remove(order, why), order, rec, suggestions, notes)
        code: str | None = deciding.code
    elif rec.intake.over_upper_limit:
        for order in selected:
            suggestion = _within_limit(order, rec)
            if suggestion is not None:
                _add(suggestion, order, rec, suggestions, notes)
        code = "intake.ul_exceeded"
    else:
        return Plan(None, [], [])
    if len(suggestions) == 1:
        suggestions[0]["isRecommended"] = True
    return Plan(code, suggestions, notes)


def _deciding_finding(rec: Recommendation) -> Finding | None:
    """The finding that rules magnesium out now, when the disposition is avoid or refer.

    An `avoid` finding (the direct reason not to take magnesium) before a `refer` one, then
    the most severe.
    """
    if rec.disposition not in ("avoid", "refer"):
        return None
    order = {"critical": 0, "warning": 1, "info": 2}
    candidates = [f for f in rec.findings if f.effect in ("avoid", "refer")]
    candidates.sort(key=lambda f: (f.effect != "avoid", order.get(f.severity, 3)))
    return candidates[0] if candidates else None


def _add(
    suggestion: dict[str, Any] | None,
    order: DraftMagnesiumOrder,
    rec: Recommendation,
    suggestions: list[dict[str, Any]],
    notes: list[str],
) -> None:
    if suggestion is None:
        return
    if not _order_id(order):
        notes.append(WITHOUT_ID_NOTE.format(product=order.label))
        return
    suggestions.append(suggestion)


def _order_id(order: DraftMagnesiumOrder) -> str | None:
    rid = order.resource.get("id")
    return rid if isinstance(rid, str) and rid else None


def _within_limit(order: DraftMagnesiumOrder, rec: Recommendation) -> dict[str, Any] | None:
    """Lower the draft order's frequency so the day's total stays within the upper limit."""
    if order.product_index is None:
        return None  # its amount is unknown: the dose-unknown card says so
    product = rec.intake.products[order.product_index]
    limit = rec.intake.upper_limit_mg
    per_day = product.elemental_mg_per_day
    if limit is None or not product.counted_toward_upper_limit or not per_day or per_day <= 0:
        return None
    room = limit - (rec.intake.exact_supplemental_mg - per_day)
    per_dose = per_day / product.times_per_day
    times = math.floor(room / per_dose + 1e-9) if room > 0 else 0
    if times >= product.times_per_day:
        return None  # this order is not what takes the total over the limit
    name = order.label
    if times < 1:
        return _remove(order, f"even one dose exceeds the {limit:g} mg/day upper limit")
    new_total = round(per_dose * times, 1)
    label = (
        f"Change {name} to {_times(times)} ({new_total:g} mg elemental/day, within the "
        f"{limit:g} mg limit)"
    )
    return {
        "label": label,
        "uuid": str(uuid.uuid4()),
        "actions": [
            {
                "type": "update",
                "description": label,
                "resource": _with_frequency(order.resource, times),
            }
        ],
    }


def _remove(order: DraftMagnesiumOrder, why: str) -> dict[str, Any]:
    label = f"Remove {order.label}"
    return {
        "label": label,
        "uuid": str(uuid.uuid4()),
        "actions": [
            {
                "type": "delete",
                "description": f"{label}: {why}",
                "resourceId": f"MedicationRequest/{_order_id(order)}",
            }
        ],
    }


def _with_frequency(resource: Mapping[str, Any], times: int) -> dict[str, Any]:
    updated = copy.deepcopy(dict(resource))
    dosages = updated.get("dosageInstruction") or [{}]
    dosage = dosages[0]
    timing = dosage.get("timing") or {}
    timing.pop("code", None)
    timing["repeat"] = {
        **(timing.get("repeat") or {}),
        "frequency": times,
        "period": 1,
        "periodUnit": "d",
    }
    for key in ("frequencyMax", "timeOfDay", "when"):
        timing["repeat"].pop(key, None)
    dosage["timing"] = timing
    dosage["text"] = f"{_dose_text(dosage)}{_times(times)}".strip()
    updated["dosageInstruction"] = [dosage, *dosages[1:]]
    return updated


def _dose_text(dosage: Mapping[str, Any]) -> str:
    items = dosage.get("doseAndRate") or []
    items = [items] if isinstance(items, Mapping) else items
    quantities = [i.get("doseQuantity") for i in items if isinstance(i, Mapping)]
    quantities.append(dosage.get("doseQuantity"))
    for quantity in quantities:
        if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), int | float):
            unit = quantity.get("unit") or quantity.get("code") or ""
            return f"{quantity['value']:g} {unit} ".replace("  ", " ")
    return ""


def _times(times: int) -> str:
    return {1: "once daily", 2: "twice daily", 3: "three times daily"}.get(
        times, f"{times} times daily"
    )

"""Recommendation → CDS Hooks cards: one card per finding, rendered, never re-derived.

- indicator is the finding's severity (critical, warning, info);
- detail is Markdown: the explanation, the evidence, the action, the sources;
- source is the finding's first source; source.topic carries the finding code;
- critical and warning cards offer override reasons;
- on the order hooks a card may suggest changing the draft magnesium order: a lower
  frequency that keeps the total within the upper limit, or removing it when magnesium
  should be avoided;
- the upper-limit card shows the elemental arithmetic, so the "compound converted" and
  "antacids counted" findings fold into it instead of standing alone;
- data the mapping could not use gets one card of its own (warning when a check may be
  incomplete because of it).
Null and empty members are left out, as the spec asks.
"""

from __future__ import annotations

import copy
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules import Finding, Recommendation
from service.cds_hooks.fhir_mapping import DataNote, DraftMagnesiumOrder, MappedPatient
from service.reports.override_reasons import HL7_OVERRIDE_CATEGORIES

FINDING_CODES = "https://magnesium-cds.example/fhir/CodeSystem/finding-code"
OVERRIDE_REASONS_SYSTEM = "https://magnesium-cds.example/fhir/CodeSystem/override-reason"
OVERRIDE_REASONS = tuple(
    {"system": OVERRIDE_REASONS_SYSTEM, "code": code, "display": display}
    for code, display in (
        ("benefit-outweighs-risk", "Reviewed: the benefit outweighs the risk for this patient"),
        ("already-managed", "Already monitored or managed"),
        ("record-incorrect", "The record data behind this card is wrong or out of date"),
        ("patient-declined", "Patient declined the change"),
    )
)
# Governance: the HL7 CDS Hooks non-adherence categories, offered beside our own reasons.
OVERRIDE_REASONS = OVERRIDE_REASONS + HL7_OVERRIDE_CATEGORIES
UPPER_LIMIT_CODES = ("intake.ul_exceeded", "intake.no_headroom")
FOLDED_INTO_UPPER_LIMIT = ("intake.compound_converted", "intake.antacid_laxative_counted")
MAPPING_SOURCE = {"label": "Magnesium CDS: reading the FHIR record"}
SUMMARY_MAX = 139  # the spec: under 140 characters


@dataclass(frozen=True)
class IssuedCard:
    card: dict[str, Any]
    finding_code: str | None  # None for the data-notes card


def render_cards(
    recommendation: Recommendation, mapped: MappedPatient, *, suggest_order_changes: bool
) -> list[IssuedCard]:
    """The cards for one evaluation, most urgent first; [] when there is nothing to say."""
    findings = list(recommendation.findings)
    has_limit_card = any(f.code in UPPER_LIMIT_CODES for f in findings)
    folded = [f for f in findings if has_limit_card and f.code in FOLDED_INTO_UPPER_LIMIT]
    issued = []
    for finding in findings:
        if finding in folded:
            continue
        card = _finding_card(finding, recommendation, folded)
        if suggest_order_changes and mapped.draft_orders:
            _add_suggestions(card, finding, recommendation, mapped.draft_orders)
        issued.append(IssuedCard(prune(card), finding.code))
    notes_card = _notes_card(mapped.notes)
    if notes_card:
        issued.append(IssuedCard(prune(notes_card), None))
    order = {"critical": 0, "warning": 1, "info": 2}
    issued.sort(key=lambda c: order[c.card["indicator"]])
    return issued


def _finding_card(finding: Finding, rec: Recommendation, folded: list[Finding]) -> dict[str, Any]:
    source = finding.sources[0] if finding.sources else None
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(finding.title),
        "indicator": finding.severity,
        "detail": _detail(finding, rec, folded),
        "source": {
            "label": source.title if source else "Magnesium CDS knowledge base",
            "url": source.url if source else None,
            "topic": {"system": FINDING_CODES, "code": finding.code, "display": finding.title},
        },
    }
    if finding.severity in ("critical", "warning"):
        card["overrideReasons"] = [dict(r) for r in OVERRIDE_REASONS]
    return card


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _detail(finding: Finding, rec: Recommendation, folded: list[Finding]) -> str:
    parts = [md(finding.explanation)]
    if finding.urgency:
        parts.append(f"**Urgency:** {finding.urgency}")
    if finding.code in UPPER_LIMIT_CODES:
        parts.append("**Upper-limit arithmetic:**\n\n" + _arithmetic(rec))
        parts.extend(md(f.explanation) for f in folded)
    if finding.evidence:
        parts.append(
            "**Evidence:** "
            + "; ".join(
                f"{md(str(key))}: {md(_plain(value))}" for key, value in finding.evidence.items()
            )
        )
    parts.append(f"**Action:** {md(finding.action)}")
    if finding.counterfactual:  # governance: what would change this answer
        parts.append(f"**What would change this:** {md(finding.counterfactual['text'])}")
    sources = "\n".join(
        f"- {md(s.title)}, {md(s.locator)}" + (f" <{s.url}>" if s.url else "")
        for s in finding.sources
    )
    if sources:
        parts.append("**Sources:**\n\n" + sources)
    parts.append(
        f"*Rule {md(finding.rule.id)} v{md(finding.rule.version)}, knowledge base "
        f"{md(rec.knowledge_base.version)}; finding `{finding.code}`.*"
    )
    return "\n\n".join(parts)


def _arithmetic(rec: Recommendation) -> str:
    intake = rec.intake
    lines = []
    for p in intake.products:
        if not p.counted_toward_upper_limit:
            continue
        if p.dose_basis == "compound":
            per_dose = f"{p.dose_mg:g} mg {p.form} (compound) × {p.elemental_fraction}"
        else:
            per_dose = f"{p.dose_mg:g} mg elemental ({p.form})"
        lines.append(f"- {per_dose} × {p.times_per_day}/day = {p.elemental_mg_per_day:g} mg/day")
    total = intake.supplemental_elemental_mg_per_day
    limit = intake.upper_limit_mg
    summary = f"- Total {total:g} mg/day elemental"
    if limit is not None:
        summary += f" against an upper limit of {limit:g} mg/day"
        if total > limit:
            summary += f": {total - limit:g} mg/day over"
    if intake.antacid_laxative_elemental_mg_per_day:
        summary += (
            f" (antacids and laxatives: {intake.antacid_laxative_elemental_mg_per_day:g} mg/day)"
        )
    return "\n".join([*lines, summary])


# --- suggestions on the order hooks ------------------------------------------------------


def _add_suggestions(
    card: dict[str, Any], finding: Finding, rec: Recommendation, orders: list[DraftMagnesiumOrder]
) -> None:
    suggestions = []
    for order in orders:
        if finding.code == "intake.ul_exceeded":
            suggestion = _within_limit(order, rec)
        elif finding.effect == "avoid":
            suggestion = _remove(order, "magnesium should be avoided: " + finding.title.lower())
        else:
            suggestion = None
        if suggestion:
            suggestions.append(suggestion)
    if suggestions:
        if len(suggestions) == 1:
            suggestions[0]["isRecommended"] = True
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"


def _within_limit(order: DraftMagnesiumOrder, rec: Recommendation) -> dict[str, Any] | None:
    """Lower the draft order's frequency so the day's total stays within the upper limit."""
    product = rec.intake.products[order.product_index]
    limit = rec.intake.upper_limit_mg
    if limit is None or not product.counted_toward_upper_limit or product.elemental_mg_per_day <= 0:
        return None
    room = limit - (rec.intake.supplemental_elemental_mg_per_day - product.elemental_mg_per_day)
    per_dose = product.elemental_mg_per_day / product.times_per_day
    times = math.floor(room / per_dose + 1e-9) if room > 0 else 0
    if times >= product.times_per_day:
        return None  # this order is not what takes the total over the limit
    if times < 1:
        return _remove(order, f"even one dose exceeds the {limit:g} mg/day upper limit")
    resource = _with_frequency(order.resource, times)
    new_total = round(per_dose * times, 1)
    label = (
        f"Change to {_times(times)} ({new_total:g} mg elemental/day, within the {limit:g} mg limit)"
    )
    return {
        "label": label,
        "uuid": str(uuid.uuid4()),
        "actions": [
            {"type": "update", "description": label, "resource": resource},
        ],
    }


def _remove(order: DraftMagnesiumOrder, why: str) -> dict[str, Any]:
    resource_id = f"MedicationRequest/{order.resource.get('id')}"
    label = "Remove the draft magnesium order"
    return {
        "label": label,
        "uuid": str(uuid.uuid4()),
        "actions": [
            {"type": "delete", "description": f"{label}: {why}", "resourceId": resource_id}
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
    timing["repeat"].pop("frequencyMax", None)
    timing["repeat"].pop("timeOfDay", None)
    timing["repeat"].pop("when", None)
    dosage["timing"] = timing
    dosage["text"] = f"{_dose_text(dosage)}{_times(times)}".strip()
    updated["dosageInstruction"] = [dosage, *dosages[1:]]
    return updated


def _dose_text(dosage: Mapping[str, Any]) -> str:
    items = dosage.get("doseAndRate") or []
    items = [items] if isinstance(items, Mapping) else items
    for item in items:
        quantity = item.get("doseQuantity") or {}
        if quantity.get("value") is not None:
            unit = quantity.get("unit") or quantity.get("code") or ""
            return f"{quantity['value']:g} {unit} ".replace("  ", " ")
    return ""


def _times(times: int) -> str:
    return {1: "once daily", 2: "twice daily", 3: "three times daily"}.get(
        times, f"{times} times daily"
    )


# --- what the mapping could not use ------------------------------------------------------


def _notes_card(notes: list[DataNote]) -> dict[str, Any] | None:
    if not notes:
        return None
    incomplete = any(n.affects_safety for n in notes)
    summary = (
        "Some record data could not be used: the magnesium checks may be incomplete"
        if incomplete
        else "Some record data was approximated for the magnesium checks"
    )
    lines = "\n".join(f"- **{md(n.source)}**: {md(n.text)}" for n in notes)
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": "warning" if incomplete else "info",
        "detail": "These items were read as described, or not used:\n\n" + lines,
        "source": dict(MAPPING_SOURCE),
    }
    if incomplete:
        card["overrideReasons"] = [dict(r) for r in OVERRIDE_REASONS]
    return card


# --- helpers -----------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md(text: str) -> str:
    """Escape Markdown so record text (drug names) renders as text, never as links or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def prune(value: Any) -> Any:
    """Drop null and empty members (the spec forbids null, "", [] and {})."""
    if isinstance(value, list):
        return [v for v in map(prune, value) if not _empty(v)]
    if value is None or isinstance(value, str | int | float):  # the common leaves, first
        return value
    if isinstance(value, Mapping):
        pruned = zip(value.keys(), map(prune, value.values()), strict=True)
        return {k: v for k, v in pruned if not _empty(v)}
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)

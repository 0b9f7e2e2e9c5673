"""Recommendation → CDS Hooks cards: one card per finding, rendered, never re-derived.

- indicator is the finding's severity (critical, warning, info);
- detail is Markdown: the explanation, the evidence, the action, the sources;
- source is the finding's first published source (a citation a clinician can look up,
  not the project's own reference); source.topic carries the finding code;
- critical and warning cards offer override reasons;
- on the order hooks one card may carry suggestions for the draft orders (suggestions.py);
- the upper-limit card shows the elemental arithmetic the knowledge base computed, so the
  "compound converted" and "antacids counted" findings fold into it;
- what was not checked (the recommendation's `not_checked`) and the data the mapping
  could not use share one card (warning when a check may be incomplete because of it);
- a deceased patient, or a record that cannot be evaluated, gets one card saying why.
Null and empty members are left out, as the spec asks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules import Finding, NotChecked, Recommendation
from rules.model import Source
from service.cds_hooks.fhir import DataNote, MappedPatient
from service.cds_hooks.suggestions import plan_suggestions
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
# Findings whose content is the recommendation's not_checked list: shown in its one card.
FOLDED_INTO_NOT_CHECKED = ("medication.not_recognized",)
MAPPING_SOURCE = {"label": "Magnesium CDS: what was read from the FHIR record"}
# Sources a clinician would not recognise as a citation: used for the label only when a
# finding cites nothing else.
UNCITABLE = ("CHOICE", "ART")
INDICATOR_ORDER = {"critical": 0, "warning": 1, "info": 2}
SUMMARY_MAX = 139  # the spec: under 140 characters


@dataclass(frozen=True)
class IssuedCard:
    card: dict[str, Any]
    finding_code: str | None  # None for the data-notes card


def render_cards(
    recommendation: Recommendation,
    mapped: MappedPatient,
    *,
    suggest_order_changes: bool,
    only: tuple[str, ...] | None = None,
) -> list[IssuedCard]:
    """The cards for one evaluation, most urgent first; [] when there is nothing to say.

    `only`: finding-code prefixes to keep (order-select on a non-magnesium order keeps the
    interaction cards).
    """
    findings = list(recommendation.findings)
    if only is not None:
        findings = [f for f in findings if f.code.startswith(only)]
    has_limit_card = any(f.code in UPPER_LIMIT_CODES for f in findings)
    folded = [f for f in findings if has_limit_card and f.code in FOLDED_INTO_UPPER_LIMIT]
    plan = (
        plan_suggestions(recommendation, mapped.draft_orders)
        if suggest_order_changes and mapped.draft_orders
        else None
    )
    issued = []
    for finding in findings:
        if finding in folded or finding.code in FOLDED_INTO_NOT_CHECKED:
            continue
        card = _finding_card(finding, recommendation, folded)
        if plan is not None and plan.finding_code == finding.code:
            if plan.suggestions:
                card["suggestions"] = plan.suggestions
                card["selectionBehavior"] = "at-most-one"
            if plan.notes:
                card["detail"] += "\n\n" + "\n\n".join(md(n) for n in plan.notes)
        issued.append(IssuedCard(prune(card), finding.code))
    notes_card = _notes_card(mapped.notes, _not_checked_beyond(recommendation, mapped))
    if notes_card:
        issued.append(IssuedCard(prune(notes_card), None))
    issued.sort(key=lambda c: INDICATOR_ORDER[c.card["indicator"]])
    return issued


def deceased_card() -> IssuedCard:
    """The one card for a patient recorded as deceased."""
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": "Patient recorded as deceased: no magnesium advice given",
        "indicator": "info",
        "detail": (
            "The Patient resource says this patient has died (deceasedBoolean or "
            "deceasedDateTime), so the magnesium checks were not run. If the record is "
            "wrong, correct it and open the chart again."
        ),
        "source": dict(MAPPING_SOURCE),
    }
    return IssuedCard(card, None)


def not_evaluable_card(problems: list[str], notes: list[DataNote]) -> IssuedCard:
    """The one card for a record the knowledge base cannot evaluate (no birth date, ...)."""
    lines = [f"- {md(p)}" for p in problems]
    lines += [f"- **{md(n.source)}**: {md(n.text)}" for n in notes if n.affects_safety]
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": "Magnesium checks not run: the record lacks data they need",
        "indicator": "warning",
        "detail": (
            "No magnesium advice was given, because the record cannot be evaluated:\n\n"
            + "\n".join(lines)
            + "\n\nAdd the missing data and open the chart again. Do not read the absence "
            "of other cards as 'nothing to say'."
        ),
        "source": dict(MAPPING_SOURCE),
        "overrideReasons": [dict(r) for r in OVERRIDE_REASONS],
    }
    return IssuedCard(card, None)


def _finding_card(finding: Finding, rec: Recommendation, folded: list[Finding]) -> dict[str, Any]:
    source = _citation(finding.sources)
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(finding.title),
        "indicator": finding.severity,
        "detail": _detail(finding, rec, folded),
        "source": {
            "label": _label(source) if source else "Magnesium CDS knowledge base",
            "url": source.url
            if source and source.url and source.url.startswith("https://")
            else None,
            "topic": {"system": FINDING_CODES, "code": finding.code, "display": finding.title},
        },
    }
    if finding.severity in ("critical", "warning"):
        card["overrideReasons"] = [dict(r) for r in OVERRIDE_REASONS]
    return card


def _citation(sources: tuple[Source, ...]) -> Source | None:
    """The source to name on the card: the first one a clinician can look up."""
    for source in sources:
        if source.key not in UNCITABLE:
            return source
    return sources[0] if sources else None


def _label(source: Source) -> str:
    if source.key == "CHOICE":
        return "Magnesium CDS clinical reference (a reviewable project value)"
    if source.key == "ART":
        return "Source article: Does magnesium help with back pain?"
    # The locator when it points into the source (a page, a section); not when it points
    # at this project's own reference, which a clinician cannot look up.
    internal = "CLINICAL.md" in (source.locator or "")
    label = f"{source.title}, {source.locator}" if source.locator and not internal else source.title
    return label if len(label) <= 200 else label[:199].rstrip() + "…"


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
                f"{md(str(key))}: {md(_plain(value))}"
                for key, value in finding.evidence.items()
                if value is not None  # an absent value is not evidence
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
    """The knowledge base's arithmetic lines and excess, as computed (never recomputed)."""
    intake = rec.intake
    lines = [
        # A medicine from the medication list: its line starts with the medicine's name.
        f"- {p.arithmetic}"
        if p.source == "medication list"
        else f"- magnesium {p.form}: {p.arithmetic}"
        for p in intake.products
        if p.arithmetic
        and p.route == "oral"
        and (p.counted_toward_upper_limit or p.source == "medication list")
    ]
    total = intake.supplemental_elemental_mg_per_day
    limit = intake.upper_limit_mg
    summary = f"- Total {total:g} mg/day elemental"
    if limit is not None:
        summary += f" against an upper limit of {limit:g} mg/day"
        if intake.over_upper_limit:
            summary += f": {intake.excess_mg_per_day:g} mg/day over"
    if intake.antacid_laxative_elemental_mg_per_day:
        summary += (
            f" (antacids and laxatives: {intake.antacid_laxative_elemental_mg_per_day:g} mg/day)"
        )
    return "\n".join([*lines, summary])


# --- what the mapping could not use ------------------------------------------------------


def _not_checked_beyond(rec: Recommendation, mapped: MappedPatient) -> list[NotChecked]:
    """The recommendation's not_checked entries the mapping's notes do not already say."""
    said = {(n.source, n.text) for n in mapped.notes}
    return [n for n in rec.not_checked if (n.item, n.reason) not in said]


def _notes_card(notes: list[DataNote], not_checked: list[NotChecked]) -> dict[str, Any] | None:
    """One card for everything not checked or not used as sent."""
    if not notes and not not_checked:
        return None
    incomplete = bool(not_checked) or any(n.affects_safety for n in notes)
    summary = (
        "Not everything could be checked: the magnesium checks may be incomplete"
        if incomplete
        else "Some record data was approximated for the magnesium checks"
    )
    parts = []
    if not_checked:
        parts.append(
            "**Not checked:**\n\n"
            + "\n".join(f"- **{md(n.item)}**: {md(n.reason)}" for n in not_checked)
        )
    if notes:
        parts.append(
            "**Read from the record as described, or not used:**\n\n"
            + "\n".join(f"- **{md(n.source)}**: {md(n.text)}" for n in notes)
        )
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": "warning" if incomplete else "info",
        "detail": "\n\n".join(parts),
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
    if value is None:
        return "not recorded"
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

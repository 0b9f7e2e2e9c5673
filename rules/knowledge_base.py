"""The knowledge base: every rule module, one engine, and the recommendation it yields."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rules import counterfactual, forms, intake, interactions, kidney, labs, populations, red_flags
from rules.engine import RuleEngine, RuleSpec
from rules.errors import EvaluationError
from rules.facts import Facts, derive
from rules.governance.fingerprint import release_version
from rules.model import (
    URGENCY_ORDER,
    Disposition,
    Finding,
    KnowledgeBaseRun,
    Plan,
    Profile,
    Recommendation,
    Referral,
    RuleRef,
    Separation,
)
from rules.rule import Rule

VERSION = "2026.11.1"
MODULES = (red_flags, labs, kidney, intake, populations, interactions, forms)
ALL_RULES: tuple[Rule, ...] = tuple(rule for module in MODULES for rule in module.RULES)
# Governance: the release only when every rule matches rules/data/versions.json.
VERSION = release_version(VERSION, ALL_RULES)

# CLINICAL.md §9: refer > avoid > caution > suitable.
_EFFECT_RANK = {"refer": 0, "avoid": 1, "caution": 2, "info": 3}


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    version: str
    code: str
    category: str
    severity: str
    effect: str
    title: str
    sources: tuple


def catalog(rules: Sequence[Rule] = ALL_RULES) -> tuple[CatalogEntry, ...]:
    """Return every rule as a reviewer reads it: id, version, code, category, sources."""
    return tuple(
        CatalogEntry(r.id, r.version, r.code, r.category, r.severity, r.effect, r.title, r.sources)
        for r in rules
    )


class KnowledgeBase:
    """The rules compiled into one engine; `evaluate` is safe from many threads."""

    def __init__(
        self,
        rules: Sequence[Rule] = ALL_RULES,
        version: str = VERSION,
        on_fire: Mapping[str, Callable[[Mapping[str, Any]], None]] | None = None,
    ):
        """Compile `rules`. `on_fire` maps a rule id to extra work run when it fires (tests
        use it to show that a failing rule fails the evaluation)."""
        self.version = version
        self.rules = {r.id: r for r in rules}
        self._order = {rule_id: i for i, rule_id in enumerate(self.rules)}  # once, not per call
        hooks = on_fire or {}
        self._engine = RuleEngine(
            [RuleSpec(r.id, r.fact_kind, r.when, hooks.get(r.id)) for r in rules]
        )

    def evaluate(self, profile: Profile) -> Recommendation:
        """Return the explained recommendation for `profile`, or raise a RulesError."""
        facts = derive(profile)
        engine_facts = facts.engine_facts()
        fired = self._engine.evaluate(engine_facts)
        findings = self._findings(facts, fired, {str(f["ref"]): f for f in engine_facts})
        disposition = _disposition(findings)
        return Recommendation(
            evaluation_id=str(uuid.uuid4()),
            disposition=disposition,
            summary=_summary(disposition, findings, facts),
            findings=findings,
            plan=_plan(facts, findings) if disposition in ("caution", "suitable") else None,
            referral=_referral(findings) if disposition == "refer" else None,
            intake=facts.intake,
            knowledge_base=KnowledgeBaseRun(
                version=self.version,
                rules_evaluated=len(self.rules),
                rules_fired=tuple(dict.fromkeys(f.rule_id for f in fired)),
            ),
        )

    def _findings(self, facts: Facts, fired, by_ref) -> tuple[Finding, ...]:  # noqa: ANN001
        out: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        order = self._order
        for hit in sorted(fired, key=lambda h: (order[h.rule_id], h.fact_ref)):
            rule = self.rules[hit.rule_id]
            if (rule.code, hit.fact_ref) in seen:  # two rules, one finding (e.g. toxicity)
                continue
            seen.add((rule.code, hit.fact_ref))
            fact = _fact_for(facts, hit.fact_ref)
            try:
                why = rule.explain(facts, fact)
            except Exception as exc:  # fail closed: a finding we cannot explain is an error
                raise EvaluationError(f"rule {rule.id} could not explain its finding") from exc
            out.append(
                Finding(
                    code=rule.code,
                    category=rule.category,
                    severity=rule.severity,
                    effect=rule.effect,
                    title=rule.title,
                    explanation=why.explanation,
                    action=why.action,
                    evidence=why.evidence,
                    details=why.details,
                    sources=rule.sources + why.sources,
                    rule=RuleRef(rule.id, rule.version),
                    urgency=rule.urgency,
                    counterfactual=counterfactual.counterfactual(
                        rule, self.rules.values(), by_ref[hit.fact_ref]
                    ),
                )
            )
        out.sort(key=lambda f: (_EFFECT_RANK[f.effect], _urgency_rank(f)))
        return tuple(out)


def _fact_for(facts: Facts, ref: str) -> dict:
    if ref.startswith("medication:"):
        return {"kind": "medication", "index": int(ref.split(":", 1)[1])}
    return {"kind": "profile"}


def _urgency_rank(f: Finding) -> int:
    return URGENCY_ORDER.index(f.urgency) if f.urgency else len(URGENCY_ORDER)


def _disposition(findings: Sequence[Finding]) -> Disposition:
    effects = {f.effect for f in findings}
    for disposition in ("refer", "avoid", "caution"):
        if disposition in effects:
            return disposition  # type: ignore[return-value]
    return "suitable"


def _referral(findings: Sequence[Finding]) -> Referral:
    refer = [f for f in findings if f.effect == "refer"]
    urgency = min((f.urgency or "prompt" for f in refer), key=URGENCY_ORDER.index)
    return Referral(urgency=urgency, reasons=tuple(f.title for f in refer))  # type: ignore[arg-type]


def _plan(facts: Facts, findings: Sequence[Finding]) -> Plan:
    form, route = forms.choose_form(facts)
    separations: list[Separation] = []
    monitoring: list[str] = []
    for m in facts.matched_drugs:
        if m.separation is not None:
            separations.append(m.separation)
    for f in findings:
        if f.category in ("interaction", "kidney", "lab") and "separation" not in f.details:
            monitoring.append(f.action)
    return Plan(
        form=form,
        route=route,  # type: ignore[arg-type]
        max_supplemental_elemental_mg_per_day=facts.dose_ceiling_mg,
        separations=tuple(separations),
        monitoring=tuple(dict.fromkeys(monitoring)),
    )


def _summary(disposition: Disposition, findings: Sequence[Finding], facts: Facts) -> str:
    if disposition == "refer":
        top = findings[0]
        return (
            f"Refer ({top.urgency}): {top.title}. Magnesium cannot address this; "
            "the patient needs a clinician's assessment first."
        )
    if disposition == "avoid":
        reasons = "; ".join(f.title for f in findings if f.effect == "avoid")
        return f"Avoid magnesium supplements: {reasons}."
    form, route = forms.choose_form(facts)
    ceiling = facts.dose_ceiling_mg
    base = f"Magnesium {form} ({route}) is reasonable, at most {ceiling:g} mg elemental per day"
    if disposition == "caution":
        n = sum(1 for f in findings if f.effect == "caution")
        return f"{base}, with {n} precaution{'s' if n != 1 else ''} listed below."
    return base + ". Evidence for back pain is limited: one small trial in chronic pain."


_DEFAULT: KnowledgeBase | None = None
_DEFAULT_LOCK = threading.Lock()


def default_knowledge_base() -> KnowledgeBase:
    """Return the process's knowledge base, compiling it on first use (once per worker)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = KnowledgeBase()
    return _DEFAULT

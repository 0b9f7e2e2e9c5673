"""The knowledge base: every rule module, one engine, and the recommendation it yields."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rules import (
    comorbidities,
    counterfactual,
    forms,
    intake,
    interactions,
    kidney,
    labs,
    populations,
    red_flags,
    toxicity,
)
from rules.engine import RuleEngine, RuleSpec
from rules.errors import EvaluationError
from rules.facts import Facts, derive
from rules.governance.fingerprint import release_version
from rules.model import (
    URGENCY_ORDER,
    Disposition,
    Finding,
    KnowledgeBaseRun,
    NotChecked,
    Plan,
    Profile,
    Recommendation,
    Referral,
    RuleRef,
)
from rules.rule import Rule

VERSION = "2026.12.0"
MODULES = (
    red_flags,
    labs,
    toxicity,
    kidney,
    intake,
    populations,
    comorbidities,
    interactions,
    forms,
)
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
        # The counterfactual search's view of the rules: each condition compiled once.
        self._compiled = counterfactual.Compiled(rules)
        for kind in {r.fact_kind for r in rules}:
            self._compiled.kind(kind)
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
        not_checked = _not_checked(facts)
        return Recommendation(
            evaluation_id=str(uuid.uuid4()),
            disposition=disposition,
            summary=_summary(disposition, findings, facts, not_checked),
            findings=findings,
            plan=_plan(facts, findings) if disposition in ("caution", "suitable") else None,
            referral=_referral(findings) if disposition == "refer" else None,
            intake=facts.intake,
            knowledge_base=KnowledgeBaseRun(
                version=self.version,
                rules_evaluated=len(self.rules),
                rules_fired=tuple(dict.fromkeys(f.rule_id for f in fired)),
            ),
            not_checked=not_checked,
        )

    def _findings(self, facts: Facts, fired, by_ref) -> tuple[Finding, ...]:
        out: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        order = self._order
        memo = counterfactual.Memo(self._compiled, facts)  # this evaluation's only
        # "What would change this answer" is asked of the findings that decide it: those
        # whose effect is the disposition (CLINICAL.md §9, the strongest effect present).
        # A weaker finding cannot change the answer on its own, and searching for each of
        # them cost most of an evaluation (bench/README.md); they carry None, as info does.
        deciding = _disposition([self.rules[h.rule_id] for h in fired])
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
                        rule, self.rules.values(), by_ref[hit.fact_ref], facts.profile, memo
                    )
                    if rule.effect == deciding
                    else None,
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


def _disposition(findings: Sequence[Finding | Rule]) -> Disposition:
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
    # One separation per drug, one per combination product (CLINICAL.md §5 v2).
    separations = interactions.plan_separations(facts.matched_drugs)
    monitoring: list[str] = []
    for f in findings:
        if f.category in ("interaction", "kidney", "lab") and "separation" not in f.details:
            monitoring.append(f.action)
    terms = forms.plan_terms(facts, findings)  # CLINICAL.md §12 wording
    return Plan(
        form=form,
        route=route,  # type: ignore[arg-type]
        max_supplemental_elemental_mg_per_day=facts.dose_ceiling_mg,
        separations=tuple(separations),
        monitoring=tuple(dict.fromkeys(monitoring)),
        dosing=terms.dosing,
        ceiling_label=terms.ceiling_label,
        notes=terms.notes,
    )


def _not_checked(facts: Facts) -> tuple[NotChecked, ...]:
    """Return the profile's own not-checked items, then the knowledge base's, once each."""
    own = facts.not_checked + facts.kidney.not_checked  # medications, then kidney inputs
    return tuple(dict.fromkeys(facts.profile.not_checked + own))


def _not_checked_text(not_checked: Sequence[NotChecked]) -> str:
    return "; ".join(n.item for n in not_checked)


def _summary(
    disposition: Disposition,
    findings: Sequence[Finding],
    facts: Facts,
    not_checked: Sequence[NotChecked] = (),
) -> str:
    if disposition == "refer":
        top = findings[0]
        return (
            f"Refer ({top.urgency}): {top.title}. Magnesium cannot address this; "
            "the patient needs a clinician's assessment first."
        )
    if disposition == "avoid":
        reasons = "; ".join(f.title for f in findings if f.effect == "avoid")
        return f"Avoid magnesium supplements: {reasons}."
    base = forms.plan_sentence(facts, findings)
    if disposition == "caution":
        n = sum(1 for f in findings if f.effect == "caution")
        text = f"{base}, with {n} precaution{'s' if n != 1 else ''} listed below."
        if not_checked:
            text += f" Not checked: {_not_checked_text(not_checked)}."
        return text
    text = base + ". Evidence for back pain is limited: one small trial in chronic pain."
    if not_checked:  # CLINICAL.md §13: never a plain "suitable" when something was not checked
        return (
            f"Suitable for what was checked; not checked: {_not_checked_text(not_checked)}. " + text
        )
    return text


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

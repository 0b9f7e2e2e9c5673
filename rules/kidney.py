"""Kidney function (CLINICAL.md §3).

Impaired kidneys cannot clear excess magnesium (ART; IOM97: high serum magnesium occurs
mostly with impaired kidneys and non-food magnesium). KDIGO stages; the SmPC
contraindicates oral magnesium below 30 mL/min.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F
from rules.data.limits import (
    EGFR_FAILURE_BELOW,
    EGFR_MODERATE_BELOW,
    EGFR_SEVERE_BELOW,
    KIDNEY_MONITORING,
    OLDER_ADULT_AGE,
)
from rules.data.sources import cite
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

VERSION = "1.0.0"
_ART = cite("ART", "When to consult a doctor: severe kidney dysfunction")
_IOM = cite("IOM97", "p. 243: hypermagnesemia mostly with impaired kidney function")


def _evidence(facts: Facts) -> dict[str, Any]:
    k = facts.profile.kidney
    out: dict[str, Any] = {"dialysis": k.dialysis}
    if k.egfr is not None:
        out["egfr"] = k.egfr
    return out


def _explain_failure(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    k = facts.profile.kidney
    why = (
        "is on dialysis" if k.dialysis else f"has an eGFR of {k.egfr:g} (kidney failure, under 15)"
    )
    return Explanation(
        explanation=(
            f"The patient {why}. Failing kidneys cannot excrete excess magnesium, so even "
            "ordinary supplement doses can build up to dangerous blood levels (hypermagnesemia)."
        ),
        action="Do not take magnesium supplements except as directed by the nephrology team.",
        evidence=_evidence(facts),
    )


def _explain_severe(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    egfr = facts.profile.kidney.egfr
    return Explanation(
        explanation=(
            f"eGFR {egfr:g} mL/min/1.73 m² is severely reduced (15 to under 30). Oral magnesium "
            "is contraindicated below 30 because the kidneys cannot clear it."
        ),
        action="Do not take magnesium supplements; discuss back-pain options with the clinician.",
        evidence=_evidence(facts),
    )


def _explain_moderate(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    egfr = facts.profile.kidney.egfr
    return Explanation(
        explanation=(
            f"eGFR {egfr:g} mL/min/1.73 m² is moderately reduced (30 to under 60). Magnesium "
            "clearance is lower, so levels can rise over time."
        ),
        action="Use only a clinician-directed dose. " + KIDNEY_MONITORING,
        evidence=_evidence(facts),
        details={"monitoring": KIDNEY_MONITORING},
    )


def _explain_unknown(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"Kidney function is not known and the patient is {facts.profile.age}. Kidney "
            "function often declines with age, and magnesium is cleared by the kidneys."
        ),
        action="Check kidney function (eGFR) before starting magnesium.",
        evidence={"age": facts.profile.age, "egfr": None},
    )


_KNOWN = (F.egfr_known == True) & (F.dialysis == False)

RULES: tuple[Rule, ...] = (
    Rule(
        id="kidney-failure",
        version=VERSION,
        code="kidney.failure",
        category="kidney",
        effect="avoid",
        title="Kidney failure or dialysis: avoid magnesium supplements",
        when=(F.dialysis == True) | ((F.egfr_known == True) & (F.egfr < EGFR_FAILURE_BELOW.value)),
        explain=_explain_failure,
        sources=(EGFR_FAILURE_BELOW.source, EGFR_SEVERE_BELOW.source, _ART),
    ),
    Rule(
        id="kidney-severe",
        version=VERSION,
        code="kidney.severe",
        category="kidney",
        effect="avoid",
        title="Severely reduced kidney function: avoid magnesium supplements",
        when=_KNOWN & (F.egfr >= EGFR_FAILURE_BELOW.value) & (F.egfr < EGFR_SEVERE_BELOW.value),
        explain=_explain_severe,
        sources=(EGFR_SEVERE_BELOW.source, _ART, _IOM),
    ),
    Rule(
        id="kidney-moderate",
        version=VERSION,
        code="kidney.moderate",
        category="kidney",
        effect="caution",
        title="Moderately reduced kidney function: clinician-directed dose and monitoring",
        when=_KNOWN & (F.egfr >= EGFR_SEVERE_BELOW.value) & (F.egfr < EGFR_MODERATE_BELOW.value),
        explain=_explain_moderate,
        sources=(EGFR_MODERATE_BELOW.source, cite("SmPC", "section 4.4: monitor serum magnesium")),
    ),
    Rule(
        id="kidney-unknown-older-adult",
        version=VERSION,
        code="kidney.unknown_older_adult",
        category="kidney",
        effect="caution",
        title="Kidney function unknown in an older adult",
        when=(F.egfr_known == False) & (F.dialysis == False) & (F.age >= OLDER_ADULT_AGE.value),
        explain=_explain_unknown,
        sources=(OLDER_ADULT_AGE.source, _IOM),
    ),
)

"""Kidney function (CLINICAL.md §3).

Impaired kidneys cannot clear excess magnesium (ART; IOM97: high serum magnesium occurs
mostly with impaired kidneys and non-food magnesium). KDIGO stages; the SmPC
contraindicates oral magnesium below 30 mL/min. v2: the rules read the lower of eGFR
(given, or estimated from creatinine) and creatinine clearance (`rules.kidney_function`);
each finding's `details.decided_by` names which, and `kidney.egfr_estimated` shows the
arithmetic whenever a computed value decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F
from rules.data.limits import (
    CKD_EPI_2021_SOURCE,
    COCKCROFT_GAULT_SOURCE,
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

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "kidney-failure": "2.0.0",
    "kidney-severe": "2.0.0",
    "kidney-moderate": "2.0.0",
    "kidney-unknown-older-adult": "2.0.0",
    "kidney-egfr-estimated": "1.0.0",
}
_ART = cite("ART", "When to consult a doctor: severe kidney dysfunction")
_IOM = cite("IOM97", "p. 243: hypermagnesemia mostly with impaired kidney function")


def _evidence(facts: Facts) -> dict[str, Any]:
    k = facts.kidney
    out: dict[str, Any] = {"dialysis": facts.profile.kidney.dialysis}
    if k.egfr_given is not None:
        out["egfr"] = k.egfr_given
    if k.creatinine_mg_dl is not None:
        creatinine = facts.profile.kidney.creatinine
        assert creatinine is not None
        out["creatinine"] = {"value": creatinine.value, "unit": creatinine.unit}
    if k.egfr_estimated is not None:
        out["egfr_estimated"] = k.egfr_estimated
    if k.clearance is not None:
        out["creatinine_clearance"] = k.clearance
        out["weight_kg"] = facts.profile.weight_kg
    return out


def _details(facts: Facts, **extra: Any) -> dict[str, Any]:
    """Which number decided (CLINICAL.md §3: `egfr`, `egfr_estimated`, `creatinine_clearance`)."""
    k = facts.kidney
    out: dict[str, Any] = dict(extra)
    if k.value is not None:
        out["decided_by"] = k.decided_by
        out["kidney_function"] = k.value
    return out


def _measure(facts: Facts) -> str:
    """The deciding number in words: "eGFR 25 mL/min/1.73 m²" or "creatinine clearance …"."""
    k = facts.kidney
    if k.decided_by == "creatinine_clearance":
        return f"creatinine clearance {k.clearance:g} mL/min (Cockcroft–Gault)"
    if k.decided_by == "egfr_estimated":
        return f"eGFR {k.egfr_estimated:g} mL/min/1.73 m² (estimated from creatinine)"
    return f"eGFR {k.value:g} mL/min/1.73 m²"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _explain_failure(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    why = (
        "is on dialysis"
        if facts.profile.kidney.dialysis
        else f"has {_measure(facts)}: kidney failure, under 15"
    )
    return Explanation(
        explanation=(
            f"The patient {why}. Failing kidneys cannot excrete excess magnesium, so even "
            "ordinary supplement doses can build up to dangerous blood levels (hypermagnesemia)."
        ),
        action="Do not take magnesium supplements except as directed by the nephrology team.",
        evidence=_evidence(facts),
        details={} if facts.profile.kidney.dialysis else _details(facts),
    )


def _explain_severe(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"{_first_upper(_measure(facts))} is severely reduced (15 to under 30). Oral "
            "magnesium is contraindicated below 30 because the kidneys cannot clear it."
        ),
        action="Do not take magnesium supplements; discuss back-pain options with the clinician.",
        evidence=_evidence(facts),
        details=_details(facts),
    )


def _explain_moderate(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"{_first_upper(_measure(facts))} is moderately reduced (30 to under 60). Magnesium "
            "clearance is lower, so levels can rise over time."
        ),
        action="Use only a clinician-directed dose. " + KIDNEY_MONITORING,
        evidence=_evidence(facts),
        details=_details(facts, monitoring=KIDNEY_MONITORING),
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


def _explain_estimated(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    k = facts.kidney
    creatinine = facts.profile.kidney.creatinine
    assert creatinine is not None and k.creatinine_mg_dl is not None
    parts = []
    details: dict[str, Any] = {
        "decided_by": k.decided_by,
        "kidney_function": k.value,
        "creatinine_mg_dl": round(k.creatinine_mg_dl, 3),
    }
    if k.egfr_estimated is not None:
        parts.append(
            f"eGFR {k.egfr_estimated:g} mL/min/1.73 m² from the race-free CKD-EPI 2021 "
            f"equation (creatinine {creatinine.value:g} {creatinine.unit}, age "
            f"{facts.profile.age}, {k.egfr_estimated_sex} constants)"
        )
        details["egfr_estimated"] = {
            "value": k.egfr_estimated,
            "equation": "CKD-EPI 2021 (race-free)",
            "sex_constants": k.egfr_estimated_sex,
        }
    if k.clearance is not None:
        parts.append(
            f"creatinine clearance {k.clearance:g} mL/min from the Cockcroft–Gault equation "
            f"(weight {facts.profile.weight_kg:g} kg)"
        )
        details["creatinine_clearance"] = {"value": k.clearance, "equation": "Cockcroft–Gault"}
    if k.egfr_given is not None:
        parts.append(f"reported eGFR {k.egfr_given:g} mL/min/1.73 m²")
    lower = "creatinine clearance" if k.decided_by == "creatinine_clearance" else "estimated eGFR"
    return Explanation(
        explanation=(
            "Kidney function was computed from serum creatinine: "
            + "; ".join(parts)
            + f". The kidney rules used the lower value, the {lower} ({k.value:g})."
        ),
        action=(
            "Confirm with a laboratory eGFR where the estimate is near a threshold; the "
            "equations are less reliable at extremes of muscle mass and body size."
        ),
        evidence=_evidence(facts),
        details=details,
    )


_KNOWN = (F.egfr_known == True) & (F.dialysis == False)

RULES: tuple[Rule, ...] = (
    Rule(
        id="kidney-failure",
        version=VERSIONS["kidney-failure"],
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
        version=VERSIONS["kidney-severe"],
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
        version=VERSIONS["kidney-moderate"],
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
        version=VERSIONS["kidney-unknown-older-adult"],
        code="kidney.unknown_older_adult",
        category="kidney",
        effect="caution",
        title="Kidney function unknown in an older adult",
        when=(F.egfr_known == False) & (F.dialysis == False) & (F.age >= OLDER_ADULT_AGE.value),
        explain=_explain_unknown,
        sources=(OLDER_ADULT_AGE.source, _IOM),
    ),
    Rule(
        id="kidney-egfr-estimated",
        version=VERSIONS["kidney-egfr-estimated"],
        code="kidney.egfr_estimated",
        category="kidney",
        effect="info",
        title="Kidney function computed from serum creatinine",
        # A computed value decided a kidney finding: under 60 and not on dialysis (dialysis
        # decides kidney.failure by itself).
        when=(F.kidney_computed == True)
        & (F.dialysis == False)
        & (F.egfr_known == True)
        & (F.egfr < EGFR_MODERATE_BELOW.value),
        explain=_explain_estimated,
        sources=(CKD_EPI_2021_SOURCE, COCKCROFT_GAULT_SOURCE),
    ),
)

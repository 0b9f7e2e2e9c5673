"""Serum magnesium and magnesium toxicity (CLINICAL.md §4).

Values are compared in mg/dL (1 mmol/L = 2.431 mg/dL = 2 mEq/L; converted in rules.facts).
Symptoms of hypermagnesemia become an emergency when something makes a high level likely:
kidney failure or severe disease, a serum value above the upper limit, or oral intake above
the UL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F, any_true, flag
from rules.data.limits import (
    EGFR_SEVERE_BELOW,
    SERUM_HIGH_ABOVE,
    SERUM_LOW_BELOW,
    SERUM_TOXIC_AT,
    UPPER_LIMIT_SOURCE,
)
from rules.data.sources import cite
from rules.data.tokens import HYPERMAGNESEMIA_NAUSEA, HYPERMAGNESEMIA_SYSTEMIC
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

VERSION = "1.0.0"


def _serum_evidence(facts: Facts) -> dict[str, Any]:
    lab = facts.profile.serum_magnesium
    assert lab is not None
    return {
        "serum_magnesium": {"value": lab.value, "unit": lab.unit},
        "serum_mg_dl": facts.serum_mg_dl,
    }


def _explain_low(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"Serum magnesium {facts.serum_mg_dl:g} mg/dL is below the lower limit of normal "
            f"({SERUM_LOW_BELOW.value:g} mg/dL). Low magnesium can contribute to muscle cramps "
            "and spasm, and supports repletion."
        ),
        action=(
            "Replete under clinical supervision and look for the cause (for example a proton "
            "pump inhibitor or a diuretic); recheck the level."
        ),
        evidence=_serum_evidence(facts),
    )


def _explain_high(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"Serum magnesium {facts.serum_mg_dl:g} mg/dL is above the upper limit of normal "
            f"({SERUM_HIGH_ABOVE.value:g} mg/dL). More magnesium would raise it further."
        ),
        action="Do not take magnesium supplements; find the cause of the high level.",
        evidence=_serum_evidence(facts),
    )


def _explain_toxicity(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    symptoms = sorted(
        t for t in facts.tokens if t in HYPERMAGNESEMIA_SYSTEMIC + HYPERMAGNESEMIA_NAUSEA
    )
    evidence: dict[str, Any] = {"symptoms": symptoms}
    reasons = []
    if facts.serum_mg_dl is not None:
        evidence.update(_serum_evidence(facts))
        if facts.serum_mg_dl >= SERUM_TOXIC_AT.value:
            reasons.append(f"serum magnesium {facts.serum_mg_dl:g} mg/dL is in the toxic range")
        elif facts.serum_mg_dl > SERUM_HIGH_ABOVE.value:
            reasons.append(f"serum magnesium {facts.serum_mg_dl:g} mg/dL is high")
    k = facts.profile.kidney
    if k.dialysis or (k.egfr is not None and k.egfr < EGFR_SEVERE_BELOW.value):
        evidence.update({"egfr": k.egfr, "dialysis": k.dialysis})
        reasons.append("kidney function is too low to clear magnesium")
    ul = facts.intake.upper_limit_mg
    if ul is not None and facts.intake.exact_supplemental_mg > ul:
        evidence["supplemental_elemental_mg_per_day"] = (
            facts.intake.supplemental_elemental_mg_per_day
        )
        reasons.append(
            f"oral intake {facts.intake.supplemental_elemental_mg_per_day:g} mg/day is above the UL"
        )
    if symptoms:
        reasons.append(
            "symptoms of hypermagnesemia: " + ", ".join(s.replace("_", " ") for s in symptoms)
        )
    return Explanation(
        explanation=(
            "Possible magnesium toxicity (hypermagnesemia): " + "; ".join(reasons) + ". "
            "It can cause dangerous weakness, low blood pressure and a slow or irregular heartbeat."
        ),
        action=(
            "Stop all magnesium now and seek emergency assessment (serum magnesium, ECG, "
            "kidney function)."
        ),
        evidence=evidence,
    )


_KIDNEY_CANNOT_CLEAR = (F.dialysis == True) | (
    (F.egfr_known == True) & (F.egfr < EGFR_SEVERE_BELOW.value)
)
_SERUM_HIGH = (F.serum_known == True) & (F.serum_mg_dl > SERUM_HIGH_ABOVE.value)
_INTAKE_HIGH = (F.ul_known == True) & (F.oral_over_ul_mg > 0)
_SYSTEMIC = any_true(*map(flag, HYPERMAGNESEMIA_SYSTEMIC))
_NAUSEA = any_true(*map(flag, HYPERMAGNESEMIA_NAUSEA))

RULES: tuple[Rule, ...] = (
    Rule(
        id="lab-hypomagnesemia",
        version=VERSION,
        code="lab.hypomagnesemia",
        category="lab",
        effect="caution",
        title="Low serum magnesium",
        when=(F.serum_known == True) & (F.serum_mg_dl < SERUM_LOW_BELOW.value),
        explain=_explain_low,
        sources=(SERUM_LOW_BELOW.source,),
    ),
    Rule(
        id="lab-hypermagnesemia",
        version=VERSION,
        code="lab.hypermagnesemia",
        category="lab",
        effect="avoid",
        title="High serum magnesium: avoid supplements",
        when=_SERUM_HIGH,
        explain=_explain_high,
        sources=(SERUM_HIGH_ABOVE.source, cite("IOM97", "p. 243: hypermagnesemia")),
    ),
    Rule(
        id="toxicity-serum",
        version=VERSION,
        code="toxicity.hypermagnesemia",
        category="toxicity",
        effect="refer",
        urgency="emergency",
        title="Serum magnesium in the toxic range: emergency",
        when=(F.serum_known == True) & (F.serum_mg_dl >= SERUM_TOXIC_AT.value),
        explain=_explain_toxicity,
        sources=(SERUM_TOXIC_AT.source,),
    ),
    # One rule per reason a high level is likely: the engine refuses one large expression,
    # and a reviewer reads three short ones more easily.
    *(
        Rule(
            id=f"toxicity-symptoms-{reason}",
            version=VERSION,
            code="toxicity.hypermagnesemia",
            category="toxicity",
            effect="refer",
            urgency="emergency",
            title="Symptoms of magnesium toxicity: emergency",
            when=symptoms & context,
            explain=_explain_toxicity,
            sources=sources,
        )
        for reason, symptoms, context, sources in (
            ("kidney", _SYSTEMIC | _NAUSEA, _KIDNEY_CANNOT_CLEAR, (EGFR_SEVERE_BELOW.source,)),
            ("serum", _SYSTEMIC | _NAUSEA, _SERUM_HIGH, (SERUM_HIGH_ABOVE.source,)),
            ("intake", _SYSTEMIC, _INTAKE_HIGH, (UPPER_LIMIT_SOURCE,)),
        )
    ),
)

"""Serum magnesium (CLINICAL.md §4).

Values are compared in mg/dL (1 mmol/L = 2.431 mg/dL = 2 mEq/L; converted in rules.facts).
v2: the upper limit of normal is 2.3 mg/dL (IOM/ODS normal range 0.75–0.95 mmol/L), and a
value under 1.2 mg/dL (about 0.5 mmol/L) is severe deficiency, repleted under medical care
before any oral supplement. A value in the toxic range is `toxicity.hypermagnesemia`
(rules.toxicity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F
from rules.data.limits import SERUM_HIGH_ABOVE, SERUM_LOW_BELOW, SERUM_SEVERE_LOW_BELOW
from rules.data.sources import cite
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

VERSION = "2.0.0"


def serum_evidence(facts: Facts) -> dict[str, Any]:
    """The serum value as sent and in mg/dL."""
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
        evidence=serum_evidence(facts),
    )


def _explain_severe_low(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"Serum magnesium {facts.serum_mg_dl:g} mg/dL is severely low (under "
            f"{SERUM_SEVERE_LOW_BELOW.value:g} mg/dL, about 0.5 mmol/L). Severe deficiency can "
            "cause arrhythmias, seizures and tetany, and is repleted under medical care, "
            "often intravenously, before any oral supplement."
        ),
        action=(
            "Arrange same-day medical assessment: ECG, potassium and calcium, and supervised "
            "repletion. Do not start a self-care supplement instead."
        ),
        evidence=serum_evidence(facts),
    )


def _explain_high(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            f"Serum magnesium {facts.serum_mg_dl:g} mg/dL is above the upper limit of normal "
            f"({SERUM_HIGH_ABOVE.value:g} mg/dL). There is no reason to add magnesium above "
            "the normal range; more would raise it further."
        ),
        action="Do not take magnesium supplements; find the cause of the high level.",
        evidence=serum_evidence(facts),
    )


_SERUM = F.serum_known == True

RULES: tuple[Rule, ...] = (
    Rule(
        id="lab-severe-hypomagnesemia",
        version=VERSION,
        code="lab.severe_hypomagnesemia",
        category="lab",
        effect="refer",
        urgency="urgent",
        title="Severely low serum magnesium: same-day medical repletion",
        when=_SERUM & (F.serum_mg_dl < SERUM_SEVERE_LOW_BELOW.value),
        explain=_explain_severe_low,
        sources=(SERUM_SEVERE_LOW_BELOW.source, cite("ODS", "magnesium deficiency: treatment")),
    ),
    Rule(
        id="lab-hypomagnesemia",
        version=VERSION,
        code="lab.hypomagnesemia",
        category="lab",
        effect="caution",
        title="Low serum magnesium",
        when=_SERUM & (F.serum_mg_dl < SERUM_LOW_BELOW.value),
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
        when=_SERUM & (F.serum_mg_dl > SERUM_HIGH_ABOVE.value),
        explain=_explain_high,
        sources=(SERUM_HIGH_ABOVE.source, cite("IOM97", "p. 243: hypermagnesemia")),
    ),
)

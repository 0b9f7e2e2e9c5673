"""Special populations and side effects (CLINICAL.md §7).

Pregnancy and lactation keep the adult UL of 350 mg but need the obstetric clinician's
agreement (product labels); oral supplements are not the IV magnesium sulfate of the FDA
2013 fetal-bone warning. Children get the UL for their age; under 1 year no UL is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F, any_true, flag
from rules.data.forms import GLYCINATE, LAXATIVE_FORMS
from rules.data.limits import ADULT_AGE, INFANT_BELOW, UPPER_LIMIT_SOURCE
from rules.data.sources import cite
from rules.data.tokens import GI_SYMPTOMS
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

VERSION = "1.0.0"
_LABELS = cite("SmPC", "section 4.6: pregnancy and breast-feeding")


def _explain_pregnancy(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "The patient is pregnant. The upper limit stays at 350 mg/day from supplements, "
            "but supplements in pregnancy should be agreed with the obstetric clinician. "
            "(The FDA's 2013 warning concerns prolonged IV magnesium sulfate, not oral "
            "supplements.)"
        ),
        action="Consult the obstetric clinician before starting magnesium.",
        evidence={"pregnant": True},
    )


def _explain_lactation(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "The patient is breastfeeding. The upper limit stays at 350 mg/day from "
            "supplements; agree supplements with the obstetric or postnatal clinician."
        ),
        action="Consult the obstetric clinician before starting magnesium.",
        evidence={"lactating": True},
    )


def _explain_minor(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    ul = facts.intake.upper_limit_mg
    return Explanation(
        explanation=(
            f"The patient is {facts.profile.age}. The upper limit for this age is {ul:g} mg/day "
            "from supplements, and back pain in children and adolescents needs a clinician's "
            "assessment."
        ),
        action=(
            f"Use only with a clinician's advice and keep supplements at or below {ul:g} mg/day."
        ),
        evidence={"age": facts.profile.age, "upper_limit_mg": ul},
    )


def _explain_infant(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "No upper limit is set for infants under 1 year: magnesium supplements are given "
            "only under a clinician's direction."
        ),
        action="Do not give magnesium supplements unless a clinician directs them.",
        evidence={"age": facts.profile.age},
    )


def _explain_gi(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    present = sorted(t for t in GI_SYMPTOMS if t in facts.tokens)
    laxative = sorted(
        {p.form for p in facts.intake.products if p.route == "oral" and p.form in LAXATIVE_FORMS}
    )
    action = "Lower the dose; take magnesium with food."
    details: dict[str, Any] = {}
    if laxative:
        action = f"Switch from {', '.join(laxative)} to {GLYCINATE} and lower the dose."
        details["switch_from"] = laxative
        details["switch_to"] = GLYCINATE
    return Explanation(
        explanation=(
            f"{', '.join(t.replace('_', ' ') for t in present).capitalize()}: the commonest side "
            "effects of magnesium supplements, more likely with laxative forms and above the "
            "upper limit."
        ),
        action=action,
        evidence={"symptoms": present},
        details=details,
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="population-pregnancy",
        version=VERSION,
        code="population.pregnancy",
        category="population",
        effect="caution",
        title="Pregnancy: agree magnesium with the obstetric clinician",
        when=F.pregnant == True,
        explain=_explain_pregnancy,
        sources=(_LABELS, UPPER_LIMIT_SOURCE),
    ),
    Rule(
        id="population-lactation",
        version=VERSION,
        code="population.lactation",
        category="population",
        effect="caution",
        title="Breastfeeding: agree magnesium with the obstetric clinician",
        when=F.lactating == True,
        explain=_explain_lactation,
        sources=(_LABELS, UPPER_LIMIT_SOURCE),
    ),
    Rule(
        id="population-minor",
        version=VERSION,
        code="population.minor",
        category="population",
        effect="caution",
        title="Under 18: upper limit by age, clinician advice",
        when=(F.age >= INFANT_BELOW.value) & (F.age < ADULT_AGE.value),
        explain=_explain_minor,
        sources=(ADULT_AGE.source, UPPER_LIMIT_SOURCE),
    ),
    Rule(
        id="population-infant",
        version=VERSION,
        code="population.infant",
        category="population",
        effect="avoid",
        title="Under 1 year: no upper limit set, avoid supplements",
        when=F.age < INFANT_BELOW.value,
        explain=_explain_infant,
        sources=(INFANT_BELOW.source,),
    ),
    Rule(
        id="side-effect-gi-symptoms",
        version=VERSION,
        code="side_effect.gi_symptoms",
        category="side_effect",
        effect="caution",
        title="Digestive side effects",
        when=any_true(*map(flag, GI_SYMPTOMS)),
        explain=_explain_gi,
        sources=(
            cite("ART", "Side effects: diarrhea, nausea, abdominal cramping"),
            UPPER_LIMIT_SOURCE,
        ),
    ),
)

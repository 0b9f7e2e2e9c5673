"""Form and route choice, and the plan's dose ceiling (CLINICAL.md §8).

1. route preference topical → magnesium chloride, topical (skin absorption unproven);
2. diarrhoea, nausea or cramping → glycinate, oral (least digestive upset);
3. constipation without diarrhoea → citrate, oral (mild osmotic laxative), unless the
   patient is dehydrated (§11: a laxative salt worsens it);
4. otherwise glycinate, oral. Never oxide for muscle use.
The ceiling is the age UL minus the elemental magnesium already taken as antacids or laxatives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rules.conditions import F, any_true, flag
from rules.data.forms import CITRATE, GLYCINATE, TOPICAL_CHLORIDE
from rules.data.sources import cite
from rules.data.tokens import CONSTIPATION, DEHYDRATION, GI_SYMPTOMS
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts
    from rules.model import Finding

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "form-topical-evidence-limited": "1.0.0",
    "form-citrate-for-constipation": "2.0.0",
    "form-oxide-low-absorption": "1.0.0",
}
_ART_FORMS = cite("ART", "Choosing the right type and application method")
_GROBER = cite("GROBER17", "Transdermal magnesium: no evidence of meaningful absorption")

_GI = any_true(*map(flag, GI_SYMPTOMS))
_CONSTIPATED = any_true(*map(flag, CONSTIPATION))
_DEHYDRATED = any_true(*map(flag, DEHYDRATION))


def choose_form(facts: Facts) -> tuple[str, str]:
    """Return (form, route) for the plan, in the order of CLINICAL.md §8."""
    if facts.profile.route_preference == "topical":
        return TOPICAL_CHLORIDE, "topical"
    if facts.tokens & set(GI_SYMPTOMS):
        return GLYCINATE, "oral"
    # Dehydration: a laxative salt worsens it (CLINICAL.md §11), so no citrate for constipation.
    if facts.tokens & set(CONSTIPATION) and not facts.profile.conditions & set(DEHYDRATION):
        return CITRATE, "oral"
    return GLYCINATE, "oral"


# --- CLINICAL.md §12: how the plan's ceiling is worded ---------------------------------------

CEILING_SELF_CARE = "at most, from supplements and magnesium-containing medicines together"
CEILING_CLINICIAN = (
    "upper bound for a clinician-directed dose, not a self-care dose: supplements and "
    "magnesium-containing medicines together"
)
CEILING_TOPICAL = (
    "ceiling for any oral magnesium taken besides (supplements and magnesium-containing "
    "medicines); topical magnesium is not counted toward the upper limit"
)
NOTE_CLINICIAN = (
    "Moderately reduced kidney function: the dose is for the clinician to set. The figure "
    "is an upper bound, not a dose to take."
)
NOTE_TOPICAL = (
    "Topical magnesium is not counted toward the upper limit (absorption through the skin "
    "is unproven). The ceiling applies to any oral magnesium taken besides."
)
NOTE_DOSE_UNKNOWN = (
    "A magnesium medicine of unknown amount is not in this ceiling: the ceiling may be too "
    "high. Find out the amount."
)
# Findings whose plan must be clinician-directed (CLINICAL.md §3: "clinician-directed dose").
CLINICIAN_DIRECTED_CODES = frozenset({"kidney.moderate"})


@dataclass(frozen=True)
class PlanTerms:
    dosing: Literal["self_care", "clinician_directed"]
    ceiling_label: str
    notes: tuple[str, ...]


def plan_terms(facts: Facts, findings: Sequence[Finding]) -> PlanTerms:
    """Return how the plan reads: who sets the dose, what the ceiling limits, what to know."""
    _, route = choose_form(facts)
    clinician = any(f.code in CLINICIAN_DIRECTED_CODES for f in findings)
    notes = []
    if clinician:
        notes.append(NOTE_CLINICIAN)
    if route == "topical":
        notes.append(NOTE_TOPICAL)
    # dose_known False also covers a known dose counted once a day for want of a frequency.
    if any(p.route == "oral" and not p.dose_known for p in facts.intake.products):
        notes.append(NOTE_DOSE_UNKNOWN)
    if route == "topical":
        label = CEILING_TOPICAL
    elif clinician:
        label = CEILING_CLINICIAN
    else:
        label = CEILING_SELF_CARE
    return PlanTerms(
        dosing="clinician_directed" if clinician else "self_care",
        ceiling_label=label,
        notes=tuple(notes),
    )


def plan_sentence(facts: Facts, findings: Sequence[Finding]) -> str:
    """The plan in one sentence, as the summary opens (no closing full stop)."""
    form, route = choose_form(facts)
    ceiling = facts.dose_ceiling_mg
    terms = plan_terms(facts, findings)
    if route == "topical":
        return (
            f"Topical magnesium {form} may be tried (not counted toward the upper limit); any "
            f"oral magnesium besides at most {ceiling:g} mg elemental per day"
        )
    if terms.dosing == "clinician_directed":
        return (
            f"Magnesium {form} ({route}) only at a clinician-directed dose, with "
            f"{ceiling:g} mg elemental per day as the upper bound, not a self-care dose"
        )
    return f"Magnesium {form} ({route}) is reasonable, at most {ceiling:g} mg elemental per day"


def _explain_topical(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "Topical magnesium (chloride oil or lotion) avoids digestive side effects, but "
            "absorption through the skin is unproven; any benefit may come from massage and "
            "warmth. Topical products are not counted toward the upper limit."
        ),
        action=(
            "Topical magnesium chloride may be tried for local muscle soreness; set expectations."
        ),
        evidence={
            "route_preference": facts.profile.route_preference,
            "topical_products": sum(1 for p in facts.intake.products if p.route == "topical"),
        },
    )


def _explain_citrate(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "Magnesium citrate is well absorbed and has a mild osmotic laxative effect, which "
            "can help constipation alongside back pain."
        ),
        action="Prefer magnesium citrate; switch to glycinate if stools become loose.",
        evidence={"symptoms": ["constipation"]},
    )


def _explain_oxide(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "Magnesium oxide is rich in elemental magnesium but poorly absorbed; it acts mainly "
            "as an antacid or laxative and is a poor choice for muscle use."
        ),
        action=f"For muscle use, prefer magnesium {GLYCINATE}.",
        evidence={"products": ["oxide"]},
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="form-topical-evidence-limited",
        version=VERSIONS["form-topical-evidence-limited"],
        code="form.topical_evidence_limited",
        category="form",
        effect="info",
        title="Topical magnesium: skin absorption is unproven",
        when=(F.route_preference == "topical") | (F.topical_products > 0),
        explain=_explain_topical,
        sources=(_GROBER, _ART_FORMS),
    ),
    Rule(
        id="form-citrate-for-constipation",
        version=VERSIONS["form-citrate-for-constipation"],
        code="form.citrate_for_constipation",
        category="form",
        effect="info",
        title="Constipation: magnesium citrate preferred",
        # "without diarrhoea": nausea or cramping also send the plan to glycinate (step 2).
        when=_CONSTIPATED & ~_GI & ~_DEHYDRATED & (F.route_preference != "topical"),
        explain=_explain_citrate,
        sources=(_ART_FORMS,),
    ),
    Rule(
        id="form-oxide-low-absorption",
        version=VERSIONS["form-oxide-low-absorption"],
        code="form.oxide_low_absorption",
        category="form",
        effect="info",
        title="Magnesium oxide is poorly absorbed",
        when=F.taking_oxide == True,
        explain=_explain_oxide,
        sources=(_ART_FORMS,),
    ),
)

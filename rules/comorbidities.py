"""Conditions that change the answer, and signs of deficiency (CLINICAL.md §11, v2).

The profile's `conditions` field carries them as tokens (FHIR: active Conditions by SNOMED
CT, mapped at the edge). Myasthenia gravis, second- or third-degree heart block and bowel
obstruction are contraindications (avoid); dehydration is a caution with laxative salts;
the groups at risk of inadequacy and the signs of deficiency are information: check serum
magnesium. (`rules.conditions` is the rule-condition vocabulary, hence this module's name.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import any_true, flag
from rules.data import tokens as T
from rules.data.sources import cite
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "condition-myasthenia-gravis": "1.0.0",
    "condition-heart-block": "1.0.0",
    "condition-bowel-obstruction": "1.0.0",
    "condition-dehydration": "1.0.0",
    "deficiency-risk": "1.0.0",
    "deficiency-signs": "1.0.0",
}
_ODS_GROUPS = cite("ODS", "Groups at risk of magnesium inadequacy")


def _words(tokens: list[str]) -> str:
    return ", ".join(t.replace("_", " ") for t in tokens)


def _contraindication(
    explanation: str, action: str
) -> Callable[[Facts, Mapping[str, Any]], Explanation]:
    def explain(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
        return Explanation(
            explanation=explanation,
            action=action,
            evidence={"conditions": sorted(facts.profile.conditions)},
        )

    return explain


def _explain_dehydration(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "The patient is dehydrated. Laxative magnesium salts (citrate, hydroxide, oxide, "
            "sulfate) draw water into the bowel and can worsen dehydration, and a dehydrated "
            "patient clears magnesium less well."
        ),
        action=(
            "Correct fluids first; avoid laxative magnesium salts until the patient is rehydrated."
        ),
        evidence={"conditions": ["dehydration"]},
    )


def _explain_deficiency_risk(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    present = sorted(t for t in T.DEFICIENCY_RISK if t in facts.profile.conditions)
    return Explanation(
        explanation=(
            f"{_words(present).capitalize()}: magnesium deficiency is more likely in this "
            "group (lower absorption, or more lost in urine or stool)."
        ),
        action="Check serum magnesium; a supplement may be reasonable.",
        evidence={"conditions": present},
    )


def _explain_deficiency_signs(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    present = sorted(t for t in T.DEFICIENCY_SIGNS if t in facts.tokens)
    return Explanation(
        explanation=(
            f"{_words(present).capitalize()}: these can be signs of low magnesium, the "
            "deficiency that the muscle-relaxation rationale for magnesium rests on. They "
            "have other causes too."
        ),
        action="Check serum magnesium.",
        evidence={"symptoms": present},
    )


def _condition(rule_id: str, code: str, effect: str, title: str, tokens, explain, sources) -> Rule:
    return Rule(
        id=rule_id,
        version=VERSIONS[rule_id],
        code=code,
        category=code.split(".", 1)[0],
        effect=effect,  # type: ignore[arg-type]
        title=title,
        when=any_true(*map(flag, tokens)),
        explain=explain,
        sources=sources,
    )


RULES: tuple[Rule, ...] = (
    _condition(
        "condition-myasthenia-gravis",
        "condition.myasthenia_gravis",
        "avoid",
        "Myasthenia gravis: avoid magnesium supplements",
        T.MYASTHENIA_GRAVIS,
        _contraindication(
            "The patient has myasthenia gravis. Magnesium impairs neuromuscular transmission "
            "and can precipitate myasthenic weakness or crisis.",
            "Do not take magnesium supplements unless the neurologist directs them.",
        ),
        (
            cite("MGFA", "cautionary drugs: magnesium"),
            cite("SmPC", "section 4.4: myasthenia gravis"),
        ),
    ),
    _condition(
        "condition-heart-block",
        "condition.heart_block",
        "avoid",
        "Heart block: avoid magnesium supplements",
        T.HEART_BLOCK,
        _contraindication(
            "The patient has second- or third-degree heart block. Magnesium slows conduction "
            "through the heart and is contraindicated.",
            "Do not take magnesium supplements unless the cardiologist directs them.",
        ),
        (cite("SmPC", "section 4.3: heart block (oral magnesium, e.g. magnesium aspartate)"),),
    ),
    _condition(
        "condition-bowel-obstruction",
        "condition.bowel_obstruction",
        "avoid",
        "Bowel obstruction: avoid oral magnesium",
        T.BOWEL_OBSTRUCTION,
        _contraindication(
            "The patient has bowel obstruction (or ileus, or an acute abdomen). Oral magnesium "
            "is contraindicated: it acts on the bowel and builds up when it cannot pass.",
            "Do not take oral magnesium; the abdomen needs medical assessment.",
        ),
        (cite("SmPC", "section 4.3: intestinal obstruction (milk of magnesia)"),),
    ),
    _condition(
        "condition-dehydration",
        "condition.dehydration",
        "caution",
        "Dehydration: correct fluids before magnesium",
        T.DEHYDRATION,
        _explain_dehydration,
        (cite("SmPC", "section 4.4: dehydration (milk of magnesia)"),),
    ),
    _condition(
        "deficiency-risk",
        "deficiency.risk",
        "info",
        "Magnesium deficiency more likely: check serum magnesium",
        T.DEFICIENCY_RISK,
        _explain_deficiency_risk,
        (_ODS_GROUPS,),
    ),
    Rule(
        id="deficiency-signs",
        version=VERSIONS["deficiency-signs"],
        code="deficiency.signs",
        category="deficiency",
        effect="info",
        title="Possible signs of low magnesium: check serum magnesium",
        when=any_true(*map(flag, T.DEFICIENCY_SIGNS)),
        explain=_explain_deficiency_signs,
        sources=(cite("ODS", "Magnesium deficiency: signs"), cite("ART", "muscle relaxation")),
    ),
)

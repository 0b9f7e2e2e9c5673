"""Magnesium and digoxin toxicity: signs are never dropped (CLINICAL.md §4, v2).

Toxicity is suspected (`toxicity.hypermagnesemia`, refer, emergency) when serum magnesium
is in the toxic range, or when the patient takes oral magnesium (any oral product, or a
magnesium medicine in the medication list, of known or unknown amount; topical products
do not count) and either
- one cardinal sign, or flushing, with a risk context: age 65 or over; eGFR (given or
  computed) under 60, or dialysis; oral intake over the UL; serum over 2.3 mg/dL; or
  magnesium taken as an antacid or laxative (ODS; PMDA; Wakai 2019), or
- two or more signs of which at least one is cardinal, whatever the context (flushing
  with nausea alone is a GI side effect, §7, not toxicity).
Two or more cardinal signs in a patient taking no oral magnesium need evaluation before
any supplement (`review.unexplained_signs`). A patient on digoxin with its classic signs of
toxicity is referred the same day (`toxicity.digoxin_suspected`; LABEL-LANOXIN 5.1, 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F, any_true, flag
from rules.data.limits import (
    SERUM_HIGH_ABOVE,
    SERUM_TOXIC_AT,
    TOXICITY_EGFR_BELOW,
    TOXICITY_OLDER_AGE,
    TOXICITY_SIGNS_AT,
    UNEXPLAINED_CARDINAL_AT,
    UPPER_LIMIT_SOURCE,
)
from rules.data.sources import cite, label
from rules.data.tokens import (
    DIGOXIN_TOXICITY_SIGNS,
    TOXICITY_CARDINAL,
    TOXICITY_FLUSHING,
    TOXICITY_SIGNS,
)
from rules.labs import serum_evidence
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "toxicity-serum": "2.0.0",
    "toxicity-signs-older-adult": "1.0.0",
    "toxicity-signs-kidney": "1.0.0",
    "toxicity-signs-intake": "1.0.0",
    "toxicity-signs-serum": "1.0.0",
    "toxicity-signs-antacid-laxative": "1.0.0",
    "toxicity-signs-several": "1.0.0",
    "review-unexplained-signs": "1.0.0",
    "toxicity-digoxin-suspected": "1.0.0",
}
_ODS = cite("ODS", "Health risks from excessive magnesium: hypermagnesemia")
_LANOXIN = label("LANOXIN", "sections 5.1 and 10: digoxin toxicity and overdosage")


def _words(tokens: list[str]) -> str:
    return ", ".join(t.replace("_", " ") for t in tokens)


def _oral_magnesium(facts: Facts) -> list[str]:
    """Each oral magnesium product as a reader knows it (form, or the medication text)."""
    out = []
    for p in facts.intake.products:
        if p.route != "oral":
            continue
        name = p.name or f"magnesium {p.form}"
        if p.elemental_mg_per_day is None:
            name += " (amount unknown)"
        elif p.purpose == "antacid_laxative":
            name += " (antacid or laxative)"
        out.append(name)
    return out


def risk_context(facts: Facts) -> list[str]:
    """What makes a high level likely here, in words (the rules' contexts, for reading)."""
    p, k, intake = facts.profile, facts.kidney, facts.intake
    out = []
    if p.age >= TOXICITY_OLDER_AGE.value:
        out.append(f"age {p.age}")
    if p.kidney.dialysis:
        out.append("dialysis")
    elif k.value is not None and k.value < TOXICITY_EGFR_BELOW.value:
        what = "creatinine clearance" if k.decided_by == "creatinine_clearance" else "eGFR"
        out.append(f"{what} {k.value:g}, under {TOXICITY_EGFR_BELOW.value:g}")
    if intake.upper_limit_mg is not None and intake.exact_supplemental_mg > intake.upper_limit_mg:
        out.append(
            f"oral intake {intake.supplemental_elemental_mg_per_day:g} mg/day, over the UL of "
            f"{intake.upper_limit_mg:g}"
        )
    if facts.serum_mg_dl is not None and facts.serum_mg_dl > SERUM_HIGH_ABOVE.value:
        out.append(f"serum magnesium {facts.serum_mg_dl:g} mg/dL")
    if any(x.route == "oral" and x.purpose == "antacid_laxative" for x in intake.products):
        out.append("magnesium taken as an antacid or laxative")
    return out


def _explain_toxicity(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    signs = sorted(t for t in TOXICITY_SIGNS if t in facts.tokens)
    magnesium = _oral_magnesium(facts)
    context = risk_context(facts)
    evidence: dict[str, Any] = {"signs": signs, "oral_magnesium": magnesium}
    reasons = []
    if facts.serum_mg_dl is not None:
        evidence.update(serum_evidence(facts))
        if facts.serum_mg_dl >= SERUM_TOXIC_AT.value:
            reasons.append(
                f"serum magnesium {facts.serum_mg_dl:g} mg/dL is in the toxic range "
                f"({SERUM_TOXIC_AT.value:g} or over)"
            )
    if signs:
        reasons.append("signs of toxicity: " + _words(signs))
    if magnesium:
        reasons.append("taking " + ", ".join(magnesium))
    if context:
        evidence["risk_context"] = context
        reasons.append("risk context: " + "; ".join(context))
    return Explanation(
        explanation=(
            "Possible magnesium toxicity (hypermagnesemia): " + "; ".join(reasons) + ". "
            "It can cause dangerous weakness, low blood pressure and a slow or irregular "
            "heartbeat, and the signs are easily put down to age or other illness."
        ),
        action=(
            "Stop all magnesium now and seek emergency assessment (serum magnesium, ECG, "
            "kidney function)."
        ),
        evidence=evidence,
        details={
            "signs": signs,
            "cardinal_signs": [t for t in signs if t in TOXICITY_CARDINAL],
            "risk_context": context,
        },
    )


def _explain_unexplained(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    signs = sorted(t for t in TOXICITY_CARDINAL if t in facts.tokens)
    return Explanation(
        explanation=(
            f"{_words(signs).capitalize()}: together these can mean a serious problem (for "
            "example a heart rhythm disorder, infection, dehydration or a drug effect), and "
            "the patient takes no oral magnesium to explain them. Magnesium would add to them "
            "if they came from a high level."
        ),
        action=(
            "Arrange a same-day clinical assessment (blood pressure, heart rate, ECG, "
            "electrolytes including magnesium) before starting any supplement."
        ),
        evidence={"signs": signs},
    )


def _explain_digoxin(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    signs = sorted(t for t in DIGOXIN_TOXICITY_SIGNS if t in facts.tokens)
    matched = [m for m in facts.matched_drugs if m.drug.drug_class == "digoxin"]
    texts = [m.matched for m in matched]
    return Explanation(
        explanation=(
            f"The patient takes digoxin ({', '.join(texts)}) and has {_words(signs)}: "
            "classic signs of digoxin toxicity. Low magnesium (and low potassium) makes "
            "digoxin toxicity more likely and more dangerous."
        ),
        action=(
            "Same-day assessment: digoxin level, potassium, magnesium and an ECG. Do not "
            "start magnesium as self-care until this is done."
        ),
        evidence={"signs": signs, "digoxin": texts},
    )


_MAGNESIUM = F.oral_products > 0
_SIGN_WITH_CONTEXT = (F.cardinal_signs >= 1) | any_true(*map(flag, TOXICITY_FLUSHING))


def _toxicity(rule_id: str, title: str, when, sources) -> Rule:
    return Rule(
        id=rule_id,
        version=VERSIONS[rule_id],
        code="toxicity.hypermagnesemia",
        category="toxicity",
        effect="refer",
        urgency="emergency",
        title=title,
        when=when,
        explain=_explain_toxicity,
        sources=sources,
    )


_SIGNS_TITLE = "Signs of magnesium toxicity: emergency"

RULES: tuple[Rule, ...] = (
    _toxicity(
        "toxicity-serum",
        "Serum magnesium in the toxic range: emergency",
        (F.serum_known == True) & (F.serum_mg_dl >= SERUM_TOXIC_AT.value),
        (SERUM_TOXIC_AT.source,),
    ),
    # One rule per risk context: the engine refuses one large expression, and a reviewer
    # reads five short ones more easily.
    *(
        _toxicity(
            f"toxicity-signs-{reason}", _SIGNS_TITLE, _MAGNESIUM & _SIGN_WITH_CONTEXT & ctx, src
        )
        for reason, ctx, src in (
            ("older-adult", F.age >= TOXICITY_OLDER_AGE.value, (TOXICITY_OLDER_AGE.source, _ODS)),
            (
                "kidney",
                (F.dialysis == True)
                | ((F.egfr_known == True) & (F.egfr < TOXICITY_EGFR_BELOW.value)),
                (TOXICITY_EGFR_BELOW.source, _ODS),
            ),
            (
                "intake",
                (F.ul_known == True) & (F.oral_over_ul_mg > 0),
                (UPPER_LIMIT_SOURCE, _ODS),
            ),
            (
                "serum",
                (F.serum_known == True) & (F.serum_mg_dl > SERUM_HIGH_ABOVE.value),
                (SERUM_HIGH_ABOVE.source, _ODS),
            ),
            (
                "antacid-laxative",
                F.antacid_products > 0,
                (_ODS, cite("PMDA", "magnesium oxide laxatives: hypermagnesemia")),
            ),
        )
    ),
    _toxicity(
        "toxicity-signs-several",
        _SIGNS_TITLE,
        _MAGNESIUM & (F.toxicity_signs >= TOXICITY_SIGNS_AT.value) & (F.cardinal_signs >= 1),
        (TOXICITY_SIGNS_AT.source,),
    ),
    Rule(
        id="review-unexplained-signs",
        version=VERSIONS["review-unexplained-signs"],
        code="review.unexplained_signs",
        category="review",
        effect="refer",
        urgency="urgent",
        title="Unexplained weakness, low blood pressure or slow heartbeat: assess first",
        when=(F.oral_products == 0) & (F.cardinal_signs >= UNEXPLAINED_CARDINAL_AT.value),
        explain=_explain_unexplained,
        sources=(UNEXPLAINED_CARDINAL_AT.source, _ODS),
    ),
    Rule(
        id="toxicity-digoxin-suspected",
        version=VERSIONS["toxicity-digoxin-suspected"],
        code="toxicity.digoxin_suspected",
        category="toxicity",
        effect="refer",
        urgency="urgent",
        title="Possible digoxin toxicity: same-day assessment",
        when=(F.on_digoxin == True) & any_true(*map(flag, DIGOXIN_TOXICITY_SIGNS)),
        explain=_explain_digoxin,
        sources=(_LANOXIN, cite("SmPC", "section 4.5: digoxin")),
    ),
)

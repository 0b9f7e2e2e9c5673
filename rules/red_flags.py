"""Back pain: red flags, referral and review (CLINICAL.md §6).

The article: "sudden, severe, or radiating back pain requires immediate professional
medical evaluation", because supplements cannot address a serious cause. The knowledge
base refers every red flag, and grades urgency by the guidelines (ACP07, ACP11, NICE-CKS).
Sudden onset of mild or moderate pain (a strain) is not a red flag; with osteoporosis it
is (`red_flag.fracture`). v2: long-term corticosteroids refer with or without trauma, and
back pain in a child refers (`red_flag.pediatric`: under 5 whenever back pain is described;
5–17 with pain for 4 weeks or more, or with night pain, fever, weight loss or a
neurological sign).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rules.conditions import F, any_true, flag
from rules.data import tokens as T
from rules.data.limits import (
    ADULT_AGE,
    FRACTURE_AGE_AT,
    INFLAMMATORY_FEATURES_AT,
    INFLAMMATORY_WEEKS_AT,
    PEDIATRIC_ANY_PAIN_BELOW,
    PEDIATRIC_PERSISTENT_WEEKS_AT,
    PERSISTENT_WEEKS_AT,
    SEVERE_PAIN_AT,
)
from rules.data.sources import cite
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "red-flag-cauda-equina": "1.0.0",
    "red-flag-vascular": "1.0.0",
    "red-flag-neurological-deficit": "1.0.0",
    "red-flag-infection": "1.0.0",
    "red-flag-malignancy": "1.0.0",
    "red-flag-fracture": "2.0.0",
    "red-flag-pediatric": "1.0.0",
    "red-flag-sudden-severe-pain": "1.0.0",
    "red-flag-severe-pain": "1.0.0",
    "red-flag-radiating-pain": "1.0.0",
    "review-inflammatory-back-pain": "1.0.0",
    "review-persistent-pain": "1.0.0",
}
_ART = cite("ART", "When to consult a doctor: sudden, severe or radiating back pain")
_ACP07 = cite("ACP07", "Table 2: red flags in low back pain")
_CKS = cite("NICE-CKS", "Red flags: sciatica and low back pain")


def _words(tokens: list[str]) -> str:
    return ", ".join(t.replace("_", " ") for t in tokens)


def _token_explainer(
    group: tuple[str, ...], concern: str, action: str
) -> Callable[[Facts, Mapping[str, Any]], Explanation]:
    def explain(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
        present = sorted(t for t in group if t in facts.tokens)
        return Explanation(
            explanation=(
                f"Back pain with {_words(present)} can mean {concern}. Magnesium cannot treat "
                "this; it needs a clinician's assessment first."
            ),
            action=action,
            evidence={"red_flags": present},
        )

    return explain


def _explain_fracture(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    group = T.FRACTURE_MAJOR + T.FRACTURE_MINOR + T.FRACTURE_RISK
    present = sorted(t for t in group if t in facts.tokens)
    evidence: dict[str, Any] = {"red_flags": present}
    age, onset = facts.profile.age, facts.profile.back_pain.onset
    reasons = []
    if "significant_trauma" in facts.tokens:
        reasons.append("significant trauma")
    if "long_term_corticosteroids" in facts.tokens:
        reasons.append(
            "long-term corticosteroid use (the most informative fracture red flag, with or "
            "without trauma)"
        )
    if "minor_trauma" in facts.tokens and (
        "osteoporosis" in facts.tokens or age >= FRACTURE_AGE_AT.value
    ):
        reasons.append(
            "minor trauma with "
            + ("osteoporosis" if "osteoporosis" in facts.tokens else f"age {age}")
        )
        if age >= FRACTURE_AGE_AT.value:
            evidence["age"] = age
    if "osteoporosis" in facts.tokens and onset == "sudden":
        reasons.append("sudden onset with osteoporosis")
        evidence["onset"] = onset
    return Explanation(
        explanation=(
            "Back pain with " + "; ".join(reasons) + " can mean a vertebral fracture. "
            "Magnesium cannot treat this; it needs a clinician's assessment first."
        ),
        action="Arrange same-day assessment and imaging for a possible fracture.",
        evidence=evidence,
    )


def _explain_pediatric(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    age, bp = facts.profile.age, facts.profile.back_pain
    present = sorted(t for t in T.PEDIATRIC_SIGNS if t in facts.tokens)
    evidence: dict[str, Any] = {"age": age}
    reasons = []
    if age < PEDIATRIC_ANY_PAIN_BELOW.value:
        reasons.append(f"back pain at age {age} (under {PEDIATRIC_ANY_PAIN_BELOW.value:g})")
    if bp.duration_weeks is not None and bp.duration_weeks >= PEDIATRIC_PERSISTENT_WEEKS_AT.value:
        reasons.append(f"pain for {bp.duration_weeks:g} weeks")
        evidence["duration_weeks"] = bp.duration_weeks
    if present:
        reasons.append(_words(present))
        evidence["red_flags"] = present
    return Explanation(
        explanation=(
            f"A child aged {age} with " + "; ".join(reasons) + ". Back pain in children more "
            "often has a structural, infectious or neoplastic cause than in adults, and needs "
            "a clinician's assessment (and often imaging) before any supplement."
        ),
        action="Arrange urgent assessment by the child's clinician or a paediatric service.",
        evidence=evidence,
    )


def _explain_sudden_severe(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    bp = facts.profile.back_pain
    return Explanation(
        explanation=(
            f"Back pain of sudden onset and severity {bp.severity}/10 needs urgent evaluation "
            "to rule out a serious cause (for example a fracture, an aortic problem or a disc "
            "emergency). Supplements cannot address it."
        ),
        action="Seek urgent medical evaluation today; do not rely on magnesium.",
        evidence={"onset": bp.onset, "severity": bp.severity},
    )


def _explain_severe(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    bp = facts.profile.back_pain
    return Explanation(
        explanation=(
            f"Severe back pain ({bp.severity}/10) calls for professional evaluation before "
            "relying on a supplement (source article)."
        ),
        action="Arrange prompt evaluation by a clinician.",
        evidence={"onset": bp.onset, "severity": bp.severity},
    )


def _explain_radiating(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    return Explanation(
        explanation=(
            "Radiating back pain should be evaluated by a clinician (source article). "
            "Guidelines treat one-sided sciatica without weakness, numbness or bladder or bowel "
            "changes as non-urgent, so this is a prompt, not an emergency, referral."
        ),
        action=(
            "Arrange prompt evaluation; seek emergency care if leg weakness, saddle numbness or "
            "bladder or bowel changes appear."
        ),
        evidence={"radiating": True},
    )


def _explain_inflammatory(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    present = sorted(t for t in T.INFLAMMATORY_FEATURES if t in facts.tokens)
    weeks = facts.profile.back_pain.duration_weeks
    return Explanation(
        explanation=(
            f"Back pain for {weeks:g} weeks with {_words(present)} suggests inflammatory back "
            "pain (for example axial spondyloarthritis), which needs specific treatment."
        ),
        action="Arrange a routine rheumatology review.",
        evidence={"features": present, "duration_weeks": weeks},
    )


def _explain_persistent(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    weeks = facts.profile.back_pain.duration_weeks
    return Explanation(
        explanation=(
            f"Back pain has lasted {weeks:g} weeks. Most acute back pain improves within "
            "six weeks; pain that does not should be reviewed."
        ),
        action="Review with a clinician if the pain is not improving.",
        evidence={"duration_weeks": weeks},
    )


def _flags(group: tuple[str, ...]):  # a Cond
    return any_true(*map(flag, group))


_SEVERE = (F.severity_known == True) & (F.severity >= SEVERE_PAIN_AT.value)


def _red_flag(rule_id: str, code: str, urgency: str, title: str, when, explain, sources) -> Rule:
    return Rule(
        id=rule_id,
        version=VERSIONS[rule_id],
        code=code,
        category="red_flag",
        effect="refer",
        urgency=urgency,  # type: ignore[arg-type]
        title=title,
        when=when,
        explain=explain,
        sources=sources,
    )


RULES: tuple[Rule, ...] = (
    _red_flag(
        "red-flag-cauda-equina",
        "red_flag.cauda_equina",
        "emergency",
        "Possible cauda equina syndrome: emergency",
        _flags(T.CAUDA_EQUINA),
        _token_explainer(
            T.CAUDA_EQUINA,
            "compression of the nerve roots at the base of the spine (cauda equina syndrome)",
            "Send to the emergency department now for same-day MRI.",
        ),
        (_ACP07, _CKS, _ART),
    ),
    _red_flag(
        "red-flag-vascular",
        "red_flag.vascular",
        "emergency",
        "Possible abdominal aortic aneurysm: emergency",
        _flags(T.VASCULAR),
        _token_explainer(
            T.VASCULAR,
            "an abdominal aortic aneurysm",
            "Send to the emergency department now (suspected symptomatic aneurysm).",
        ),
        (cite("NICE-NG156", "1.1: symptomatic aneurysm, immediate referral"), _ART),
    ),
    _red_flag(
        "red-flag-neurological-deficit",
        "red_flag.neurological_deficit",
        "urgent",
        "Progressive neurological deficit: same-day assessment",
        _flags(T.NEUROLOGICAL_DEFICIT),
        _token_explainer(
            T.NEUROLOGICAL_DEFICIT,
            "nerve root compression that is getting worse",
            "Arrange same-day medical assessment.",
        ),
        (_ACP07, _CKS, _ART),
    ),
    _red_flag(
        "red-flag-infection",
        "red_flag.infection",
        "urgent",
        "Possible spinal infection: same-day assessment",
        _flags(T.INFECTION),
        _token_explainer(
            T.INFECTION,
            "a spinal infection (for example discitis or an epidural abscess)",
            "Arrange same-day medical assessment.",
        ),
        (_ACP07, _CKS, _ART),
    ),
    _red_flag(
        "red-flag-malignancy",
        "red_flag.malignancy",
        "urgent",
        "Possible cancer: assessment within 24 hours",
        _flags(T.MALIGNANCY),
        _token_explainer(
            T.MALIGNANCY,
            "cancer affecting the spine",
            "Arrange medical assessment within 24 hours.",
        ),
        (_ACP07, _CKS, _ART),
    ),
    _red_flag(
        "red-flag-fracture",
        "red_flag.fracture",
        "urgent",
        "Possible vertebral fracture: urgent assessment",
        _flags(T.FRACTURE_MAJOR + T.FRACTURE_STEROIDS)
        | (_flags(T.FRACTURE_MINOR) & (_flags(T.FRACTURE_RISK) | (F.age >= FRACTURE_AGE_AT.value)))
        | (_flags(T.FRACTURE_SUDDEN_ONSET_RISK) & (F.onset == "sudden")),
        _explain_fracture,
        (
            _ACP07,
            cite("ACP11", "Table: fracture risk factors"),
            cite("DOWNIE13", "prolonged corticosteroid use: highest positive likelihood ratio"),
            _ART,
        ),
    ),
    _red_flag(
        "red-flag-pediatric",
        "red_flag.pediatric",
        "urgent",
        "Back pain in a child: urgent assessment",
        ((F.age < PEDIATRIC_ANY_PAIN_BELOW.value) & (F.back_pain_described == True))
        | (
            (F.age >= PEDIATRIC_ANY_PAIN_BELOW.value)
            & (F.age < ADULT_AGE.value)
            & (
                (
                    (F.duration_known == True)
                    & (F.duration_weeks >= PEDIATRIC_PERSISTENT_WEEKS_AT.value)
                )
                | _flags(T.PEDIATRIC_SIGNS)
            )
        ),
        _explain_pediatric,
        (PEDIATRIC_ANY_PAIN_BELOW.source, PEDIATRIC_PERSISTENT_WEEKS_AT.source),
    ),
    _red_flag(
        "red-flag-sudden-severe-pain",
        "red_flag.sudden_severe_pain",
        "urgent",
        "Sudden, severe back pain: urgent evaluation",
        (F.onset == "sudden") & _SEVERE,
        _explain_sudden_severe,
        (_ART, SEVERE_PAIN_AT.source),
    ),
    _red_flag(
        "red-flag-severe-pain",
        "red_flag.severe_pain",
        "prompt",
        "Severe back pain: prompt evaluation",
        (F.onset != "sudden") & _SEVERE,
        _explain_severe,
        (_ART, SEVERE_PAIN_AT.source),
    ),
    _red_flag(
        "red-flag-radiating-pain",
        "red_flag.radiating_pain",
        "prompt",
        "Radiating back pain: prompt evaluation",
        F.radiating == True,
        _explain_radiating,
        (_ART, _CKS),
    ),
    Rule(
        id="review-inflammatory-back-pain",
        version=VERSIONS["review-inflammatory-back-pain"],
        code="review.inflammatory_back_pain",
        category="review",
        effect="caution",
        title="Features of inflammatory back pain: rheumatology review",
        when=(F.inflammatory_features >= INFLAMMATORY_FEATURES_AT.value)
        & (F.duration_known == True)
        & (F.duration_weeks >= INFLAMMATORY_WEEKS_AT.value),
        explain=_explain_inflammatory,
        sources=(INFLAMMATORY_FEATURES_AT.source, INFLAMMATORY_WEEKS_AT.source),
    ),
    Rule(
        id="review-persistent-pain",
        version=VERSIONS["review-persistent-pain"],
        code="review.persistent_pain",
        category="review",
        effect="info",
        title="Back pain for six weeks or more: review if not improving",
        when=(F.duration_known == True) & (F.duration_weeks >= PERSISTENT_WEEKS_AT.value),
        explain=_explain_persistent,
        sources=(PERSISTENT_WEEKS_AT.source,),
    ),
)

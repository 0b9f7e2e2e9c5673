"""Magnesium for back pain: the knowledge base, free of any web framework.

    from rules import Profile, evaluate
    recommendation = evaluate(Profile(age=58, sex="female"))

`evaluate` raises `ProfileError` when the profile cannot be evaluated and
`EvaluationError` when the engine or a rule fails; it never returns "no findings" instead.
"""

from rules.errors import EvaluationError, ProfileError, RulesError, UnconvertibleDoseError
from rules.knowledge_base import (
    ALL_RULES,
    VERSION,
    KnowledgeBase,
    catalog,
    default_knowledge_base,
)
from rules.model import (
    BackPain,
    Finding,
    Kidney,
    LabValue,
    MagnesiumProduct,
    Medication,
    NotChecked,
    Profile,
    Recommendation,
)


def evaluate(profile: Profile) -> Recommendation:
    """Evaluate `profile` with the process's knowledge base."""
    return default_knowledge_base().evaluate(profile)


__all__ = [
    "ALL_RULES",
    "VERSION",
    "BackPain",
    "EvaluationError",
    "Finding",
    "Kidney",
    "KnowledgeBase",
    "LabValue",
    "MagnesiumProduct",
    "Medication",
    "NotChecked",
    "Profile",
    "ProfileError",
    "Recommendation",
    "RulesError",
    "UnconvertibleDoseError",
    "catalog",
    "default_knowledge_base",
    "evaluate",
]

"""What a rule is: an id, a version, a condition, and how its finding is explained."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rules.conditions import Cond
from rules.model import Effect, Severity, Source, Urgency

if TYPE_CHECKING:
    from rules.facts import Facts

SEVERITY_BY_EFFECT: dict[str, Severity] = {
    "refer": "critical",
    "avoid": "critical",
    "caution": "warning",
    "info": "info",
}


@dataclass(frozen=True)
class Explanation:
    """The case-specific part of a finding: what this patient's values say."""

    explanation: str
    action: str
    evidence: Mapping[str, Any]
    details: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()  # added to the rule's own sources (e.g. a drug's label)


Explain = Callable[["Facts", Mapping[str, Any]], Explanation]


@dataclass(frozen=True)
class Rule:
    """One clinical rule: when `when` holds on a fact of `fact_kind`, finding `code` fires."""

    id: str
    version: str
    code: str
    category: str
    effect: Effect
    title: str
    when: Cond
    explain: Explain
    sources: tuple[Source, ...]
    urgency: Urgency | None = None
    fact_kind: str = "profile"

    @property
    def severity(self) -> Severity:
        return SEVERITY_BY_EFFECT[self.effect]

"""A rule as plain JSON: what its fingerprint covers and what a release review compares.

Imports nothing from the project and reads rules by attribute only, so the same code
describes the rules of another knowledge-base version (`service.governance.probe` runs this
file against an older tree). Keep it that way.
"""

from __future__ import annotations

from typing import Any

# What a rule's behaviour rests on: its condition as compiled for the engine (thresholds
# included), the fact it reads, what it says and does, and what it cites. Explanation
# wording is not part of it: rewording a sentence is not a new rule version.
DOCUMENT_FIELDS = (
    "code",
    "category",
    "effect",
    "urgency",
    "fact_kind",
    "title",
    "condition",
    "thresholds",
    "sources",
)


def rule_document(rule: Any) -> dict[str, Any]:
    """Return the reviewable content of `rule` (a `rules.rule.Rule`) as plain JSON."""
    condition = rule.when.json
    return {
        "id": rule.id,
        "version": rule.version,
        "code": rule.code,
        "category": rule.category,
        "effect": rule.effect,
        "urgency": getattr(rule, "urgency", None),
        "fact_kind": getattr(rule, "fact_kind", "profile"),
        "title": rule.title,
        "condition": condition,
        "thresholds": thresholds(condition),
        "sources": [
            {"key": s.key, "title": s.title, "locator": s.locator, "url": s.url}
            for s in rule.sources
        ],
    }


def thresholds(condition: dict[str, Any]) -> list[dict[str, Any]]:
    """Every numeric comparison in `condition`: field, operator, value (engine JSON)."""
    out: list[dict[str, Any]] = []
    _walk(condition, out)
    return out


def _walk(json: dict[str, Any], out: list[dict[str, Any]]) -> None:
    for op, arg in json.items():
        if op in ("$and", "$or"):
            for child in arg:
                _walk(child, out)
        elif op.startswith("$"):
            for field, value in arg.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out.append({"field": field, "op": op, "value": value})

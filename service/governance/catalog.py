"""The rule catalog as a reviewer and a publisher read it: condition in words, test scenarios.

`GET /v1/knowledge-base` and `magnesium-cds kb export --fhir` both read `catalog_entries`.
A rule's scenarios are the ids in `rules/data/scenarios.jsonl` under which it fires,
found by evaluating them (once per knowledge base), not listed by hand.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from rules import KnowledgeBase
from rules.governance.fingerprint import fingerprint
from rules.governance.readable import readable
from service.governance.kb_diff import SCENARIOS

log = logging.getLogger(__name__)


def scenarios(path: Path = SCENARIOS) -> list[dict[str, Any]]:
    """The project's clinical scenarios: id, title, profile (API JSON)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@functools.lru_cache(maxsize=8)
def scenarios_by_rule(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Rule id → ids of the scenarios under which it fires."""
    from marshmallow import ValidationError

    from rules import RulesError
    from service.schemas import PROFILE_SCHEMA

    out: dict[str, list[str]] = {rule_id: [] for rule_id in kb.rules}
    for scenario in scenarios():
        try:
            rec = kb.evaluate(PROFILE_SCHEMA.load(scenario["profile"]))
        except (ValidationError, RulesError) as exc:
            # The catalog still answers; tests/governance fail on a scenario that cannot run.
            log.warning("scenario %s cannot be evaluated: %s", scenario["id"], type(exc).__name__)
            continue
        for rule_id in rec.knowledge_base.rules_fired:
            out.setdefault(rule_id, []).append(scenario["id"])
    return {rule_id: tuple(ids) for rule_id, ids in out.items()}


def catalog_entries(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every rule: id, version, code, effect, title, sources, readable condition, scenarios."""
    by_rule = scenarios_by_rule(kb)
    return [
        {
            "id": r.id,
            "version": r.version,
            "code": r.code,
            "category": r.category,
            "severity": r.severity,
            "effect": r.effect,
            "urgency": r.urgency,
            "title": r.title,
            "sources": r.sources,
            "condition": readable(r.when.json),
            "fact_kind": r.fact_kind,
            "fingerprint": fingerprint(r),
            "scenarios": list(by_rule.get(r.id, ())),
        }
        for r in kb.rules.values()
    ]

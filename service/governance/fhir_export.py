"""The knowledge base as FHIR R4 resources: one `Library`, one `PlanDefinition` per rule.

`magnesium-cds kb export --fhir DIR` writes them (and a transaction-free `Bundle` of type
collection holding all of them) so the catalog can be published and versioned like the
CDC opioid CDS content. Each PlanDefinition carries the rule's version, its condition
(engine JSON and words), its finding code and its citations as `relatedArtifact`; the
Library carries the knowledge-base version, the rule-version table and the list of rules.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from rules import KnowledgeBase
from rules.governance.fingerprint import UNRELEASED, build_table, declared
from service.cds_hooks.cards import FINDING_CODES
from service.governance.catalog import catalog_entries

BASE = "https://magnesium-cds.example/fhir"
LIBRARY_ID = "magnesium-cds-knowledge-base"
CONDITION_LANGUAGE = "application/x-durable-rules+json"  # the engine's own condition JSON
_PRIORITY = {"emergency": "stat", "urgent": "urgent", "prompt": "asap"}


def _name(text: str) -> str:
    """A FHIR computable name: letters and digits, starting with a capital."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _status(version: str) -> str:
    return "draft" if UNRELEASED in version else "active"


def plan_definition(entry: dict[str, Any], kb_version: str, when: dict[str, Any]) -> dict:
    """One rule as a PlanDefinition (type eca-rule)."""
    action: dict[str, Any] = {
        "title": entry["title"],
        "description": f"{entry['effect']}: {entry['title']}",
        "code": [
            {
                "coding": [
                    {"system": FINDING_CODES, "code": entry["code"], "display": entry["title"]}
                ]
            }
        ],
        "condition": [
            {
                "kind": "applicability",
                "expression": {
                    "description": entry["condition"],
                    "language": CONDITION_LANGUAGE,
                    "expression": json.dumps(when, sort_keys=True),
                },
            }
        ],
    }
    if entry.get("urgency"):
        action["priority"] = _PRIORITY[entry["urgency"]]
    return {
        "resourceType": "PlanDefinition",
        "id": entry["id"],
        "url": f"{BASE}/PlanDefinition/{entry['id']}",
        "identifier": [{"system": f"{BASE}/rule-fingerprint", "value": entry["fingerprint"]}],
        "version": entry["version"],
        "name": _name(entry["id"]),
        "title": entry["title"],
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "eca-rule",
                    "display": "ECA Rule",
                }
            ]
        },
        "status": _status(kb_version),
        "description": (
            f"Finding {entry['code']} ({entry['category']}, {entry['effect']}) when, on a "
            f"{entry['fact_kind']} fact: {entry['condition']}. Tested by scenarios: "
            + (", ".join(entry["scenarios"]) or "none")
            + "."
        ),
        "library": [f"{BASE}/Library/{LIBRARY_ID}|{kb_version}"],
        "relatedArtifact": [
            {
                "type": "citation",
                "label": s.key,
                "display": s.title,
                "citation": f"{s.title}, {s.locator}",
                **({"url": s.url} if s.url else {}),
            }
            for s in entry["sources"]
        ],
        "action": [action],
    }


def export(kb: KnowledgeBase, now: datetime | None = None) -> dict[str, Any]:
    """The Library and every PlanDefinition, as a FHIR R4 collection Bundle."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    entries = catalog_entries(kb)
    plans = [plan_definition(e, kb.version, kb.rules[e["id"]].when.json) for e in entries]
    table = build_table(kb.rules.values(), declared(kb.version))
    library = {
        "resourceType": "Library",
        "id": LIBRARY_ID,
        "url": f"{BASE}/Library/{LIBRARY_ID}",
        "version": kb.version,
        "name": "MagnesiumCdsKnowledgeBase",
        "title": "Magnesium for back pain: clinical decision-support knowledge base",
        "status": _status(kb.version),
        "date": stamp,
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/library-type",
                    "code": "logic-library",
                }
            ]
        },
        "description": (
            f"Knowledge base {kb.version}: {len(plans)} rules, each a PlanDefinition with its "
            "own version. The attached table records each rule's version and fingerprint."
        ),
        "relatedArtifact": [
            {
                "type": "composed-of",
                "display": p["title"],
                "resource": f"{p['url']}|{p['version']}",
            }
            for p in plans
        ],
        "content": [
            {
                "contentType": "application/json",
                "title": "Rule versions and fingerprints (rules/data/versions.json)",
                "data": base64.b64encode(
                    json.dumps(table, indent=2, sort_keys=True).encode()
                ).decode(),
            }
        ],
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": stamp,
        "entry": [
            {"fullUrl": f"{r['url']}|{r['version']}", "resource": r} for r in [library, *plans]
        ],
    }

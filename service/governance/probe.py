"""Describe one knowledge-base tree and replay a corpus under it; run as a child process.

    python probe.py ROOT DOCUMENT_PY < request.json > answer.json

ROOT is the tree whose `rules` and `service` packages to import (empty: the installed
ones); DOCUMENT_PY is `rules/governance/document.py` of the *current* tree, loaded by path
because an older tree does not have it. Only APIs every release has are used:
`rules.knowledge_base.{ALL_RULES, VERSION, KnowledgeBase}`, `service.schemas.ProfileSchema`
and `dump_recommendation`. A child process, because two versions of `rules` cannot share
one interpreter.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path


def main() -> int:
    root, document_py = sys.argv[1], sys.argv[2]
    if root:
        sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location("_kb_document", document_py)
    assert spec is not None and spec.loader is not None
    document = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(document)

    import rules
    from rules import knowledge_base as kb_module

    if root and not Path(rules.__file__).resolve().is_relative_to(Path(root).resolve()):
        print(json.dumps({"error": f"imported rules from {rules.__file__}, not {root}"}))
        return 1
    from service.schemas import ProfileSchema, dump_recommendation

    request = json.load(sys.stdin)
    kb = kb_module.KnowledgeBase()
    schema = ProfileSchema()
    results = []
    for item in request["corpus"]:
        try:
            recommendation = dump_recommendation(kb.evaluate(schema.load(item["profile"])))
        except Exception as exc:  # one bad profile never stops the replay; it is reported
            results.append({"id": item["id"], "error": f"{type(exc).__name__}: {exc}"})
            continue
        results.append({"id": item["id"], "recommendation": _essentials(recommendation)})
    answer = {
        "version": kb.version,
        "rules": [document.rule_document(r) for r in kb_module.ALL_RULES],
        "results": results,
    }
    json.dump(answer, sys.stdout, ensure_ascii=False)
    return 0


def _essentials(rec: dict) -> dict:
    """What a reviewer compares: disposition, findings (with the rule that made each), plan."""
    return {
        "disposition": rec["disposition"],
        "findings": [
            {
                "code": f["code"],
                "effect": f["effect"],
                "rule": f["rule"]["id"],
                "rule_version": f["rule"]["version"],
                "drug": (f.get("details") or {}).get("drug"),
            }
            for f in rec["findings"]
        ],
        "plan": rec.get("plan"),
        "rules_fired": rec["knowledge_base"]["rules_fired"],
    }


if __name__ == "__main__":
    sys.exit(main())

"""Per-rule version fingerprints, recorded in `rules/data/versions.json`.

A rule's fingerprint is a SHA-256 of its reviewable content (`document.rule_document`).
The table records, per rule id, the version and the fingerprint it had when released.
Changing a rule without bumping its version is *drift*: the test suite names the rule,
`magnesium-cds kb versions --write` refuses to record it, and the knowledge base reports
itself as an unreleased build instead of passing for the release.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rules.governance.document import DOCUMENT_FIELDS, rule_document

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "versions.json"
UNRELEASED = "+unreleased."


def fingerprint_document(document: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the fields a rule's behaviour rests on."""
    content = {key: document.get(key) for key in DOCUMENT_FIELDS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(rule: Any) -> str:
    """The fingerprint of one `rules.rule.Rule`."""
    return fingerprint_document(rule_document(rule))


@dataclass(frozen=True)
class Drift:
    """One way the rules differ from the recorded table."""

    rule_id: str
    kind: str  # "unversioned-change", "unrecorded-version", "new", "retired"
    message: str

    @property
    def blocks_release(self) -> bool:
        """A changed rule that kept its version can never be recorded as it is."""
        return self.kind == "unversioned-change"


def load_table(path: Path = TABLE_PATH) -> dict[str, Any]:
    """The recorded table; an empty one when the file does not exist yet."""
    if not path.exists():
        return {"knowledge_base": None, "rules": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def drift(rules: Iterable[Any], table: Mapping[str, Any]) -> list[Drift]:
    """Every difference between `rules` and the recorded `table`, by rule id."""
    recorded: Mapping[str, Mapping[str, str]] = table.get("rules") or {}
    out: list[Drift] = []
    seen = set()
    for rule in rules:
        seen.add(rule.id)
        entry = recorded.get(rule.id)
        now = fingerprint(rule)
        if entry is None:
            out.append(Drift(rule.id, "new", f"rule {rule.id} v{rule.version} is not recorded"))
        elif entry["fingerprint"] != now and entry["version"] == rule.version:
            out.append(
                Drift(
                    rule.id,
                    "unversioned-change",
                    f"rule {rule.id} changed (condition, thresholds, effect, title or sources) "
                    f"but kept version {rule.version}: bump its version",
                )
            )
        elif entry["version"] != rule.version or entry["fingerprint"] != now:
            out.append(
                Drift(
                    rule.id,
                    "unrecorded-version",
                    f"rule {rule.id} is v{rule.version}, the table records "
                    f"v{entry['version']}: run `magnesium-cds kb versions --write`",
                )
            )
    for rule_id in sorted(set(recorded) - seen):
        out.append(Drift(rule_id, "retired", f"rule {rule_id} is recorded but no longer exists"))
    return out


def build_table(rules: Iterable[Any], release: str) -> dict[str, Any]:
    """The table for `rules` released as knowledge base `release`."""
    return {
        "knowledge_base": release,
        "rules": {
            r.id: {"version": r.version, "fingerprint": fingerprint(r)}
            for r in sorted(rules, key=lambda r: r.id)
        },
    }


def write_table(table: Mapping[str, Any], path: Path = TABLE_PATH) -> None:
    path.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def declared(version: str) -> str:
    """The release a version string names (without the unreleased suffix)."""
    return version.split(UNRELEASED, 1)[0]


def release_problems(
    declared_version: str, rules: Iterable[Any], table: Mapping[str, Any]
) -> list[str]:
    """Why `rules` under `declared_version` are not the recorded release ([] when they are)."""
    rules = list(rules)
    problems = [d.message for d in drift(rules, table)]
    if table.get("knowledge_base") != declared_version:
        problems.append(
            f"the knowledge base declares {declared_version}, the table records "
            f"{table.get('knowledge_base')}: run `magnesium-cds kb versions --write`"
        )
    return problems


def release_version(declared_version: str, rules: Iterable[Any], path: Path = TABLE_PATH) -> str:
    """The knowledge-base version the rules earn: the declared release when every rule
    matches the recorded table, else `<declared>+unreleased.<digest>` (never passing a
    changed rule set off as the release)."""
    rules = list(rules)
    table = load_table(path)
    if not release_problems(declared_version, rules, table):
        return declared_version
    digest = hashlib.sha256(
        "".join(f"{r.id}@{r.version}#{fingerprint(r)};" for r in rules).encode()
    ).hexdigest()
    return f"{declared_version}{UNRELEASED}{digest[:8]}"


def table_update(
    declared_version: str, rules: Iterable[Any], table: Mapping[str, Any], *, force: bool = False
) -> tuple[dict[str, Any] | None, list[str]]:
    """The new table for `rules`, or None with the reasons it cannot be written.

    Refused: a rule changed without a version bump (unless `force`, for a reviewed merge),
    or rule versions changed while the knowledge-base version stayed the recorded one.
    """
    rules = list(rules)
    found = drift(rules, table)
    refusals = [d.message for d in found if d.blocks_release and not force]
    if found and table.get("knowledge_base") == declared_version and not force:
        refusals.append(
            f"rules changed but the knowledge base is still {declared_version}: bump VERSION "
            "in rules/knowledge_base.py (the knowledge-base version follows the rule versions)"
        )
    if refusals:
        return None, refusals
    return build_table(rules, declared_version), [d.message for d in found]

"""Per-rule versions cannot drift: the recorded fingerprints name any rule changed unversioned."""

from __future__ import annotations

import dataclasses
import json

from rules import ALL_RULES, VERSION
from rules.conditions import F
from rules.governance.fingerprint import (
    build_table,
    declared,
    drift,
    fingerprint,
    load_table,
    release_version,
    table_update,
)
from rules.model import Source
from rules.rule import Explanation

RULES = {r.id: r for r in ALL_RULES}
RELEASE = load_table()["knowledge_base"]  # the recorded release (2026.11.1 when written)


def _with(rule_id: str, **changes):
    """A copy of the rule set with one rule changed (a test copy; the real rules are untouched)."""
    return [dataclasses.replace(r, **changes) if r.id == rule_id else r for r in ALL_RULES]


def test_every_rule_matches_its_recorded_version():
    problems = [d.message for d in drift(ALL_RULES, load_table())]
    assert problems == [], "\n".join(problems)


def test_the_knowledge_base_is_the_recorded_release():
    table = load_table()
    assert VERSION == table["knowledge_base"] == RELEASE
    assert "+unreleased" not in VERSION


def test_a_threshold_changed_without_a_version_bump_names_the_rule():
    severe = RULES["kidney-severe"]
    moved = (F.egfr_known == True) & (F.dialysis == False) & (F.egfr >= 15) & (F.egfr < 31)  # noqa: E712
    found = drift(_with("kidney-severe", when=moved), load_table())
    assert [(d.rule_id, d.kind) for d in found] == [("kidney-severe", "unversioned-change")]
    assert "rule kidney-severe changed" in found[0].message
    assert f"kept version {severe.version}: bump its version" in found[0].message


def test_a_source_or_effect_change_is_a_change_too():
    source = Source("KDIGO", "KDIGO 2024", "another row")
    for changes in ({"sources": (source,)}, {"effect": "avoid"}, {"title": "Renamed"}):
        found = drift(_with("kidney-moderate", **changes), load_table())
        assert [(d.rule_id, d.kind) for d in found] == [("kidney-moderate", "unversioned-change")]


def test_explanation_wording_is_not_part_of_the_fingerprint():
    rule = RULES["kidney-moderate"]
    reworded = dataclasses.replace(rule, explain=lambda facts, fact: Explanation("x", "y", {}))
    assert fingerprint(reworded) == fingerprint(rule)


def test_the_fingerprint_covers_the_condition_as_compiled():
    rule = RULES["lab-hypomagnesemia"]
    same = dataclasses.replace(rule, when=(F.serum_known == True) & (F.serum_mg_dl < 1.8))  # noqa: E712
    other = dataclasses.replace(rule, when=(F.serum_known == True) & (F.serum_mg_dl <= 1.8))  # noqa: E712
    assert fingerprint(same) == fingerprint(rule)
    assert fingerprint(other) != fingerprint(rule)


def test_a_bumped_rule_needs_a_new_knowledge_base_version(tmp_path):
    rules = _with("kidney-severe", version="1.1.0", when=F.egfr < 31)
    table = load_table()
    found = drift(rules, table)
    assert [(d.rule_id, d.kind) for d in found] == [("kidney-severe", "unrecorded-version")]
    new, problems = table_update(RELEASE, rules, table)
    assert new is None
    assert problems == [
        f"rules changed but the knowledge base is still {RELEASE}: bump VERSION in "
        "rules/knowledge_base.py (the knowledge-base version follows the rule versions)"
    ]
    new, notes = table_update("2026.11.2", rules, table)
    assert new is not None and new["knowledge_base"] == "2026.11.2"
    assert new["rules"]["kidney-severe"]["version"] == "1.1.0"
    path = tmp_path / "versions.json"
    path.write_text(json.dumps(new))
    assert release_version("2026.11.2", rules, path) == "2026.11.2"


def test_an_unversioned_change_is_never_recorded_or_released(tmp_path):
    rules = _with("kidney-severe", when=F.egfr < 31)
    new, problems = table_update("2026.12.0", rules, load_table())
    assert new is None
    assert problems[0].startswith("rule kidney-severe changed")
    path = tmp_path / "versions.json"
    path.write_text(json.dumps(load_table()))
    version = release_version(RELEASE, rules, path)
    assert version.startswith(f"{RELEASE}+unreleased.") and len(version) == len(RELEASE) + 20
    assert declared(version) == RELEASE


def test_new_and_retired_rules_are_reported():
    table = build_table([r for r in ALL_RULES if r.id != "kidney-moderate"], "2026.11.0")
    table["rules"]["kidney-ancient"] = {"version": "0.1.0", "fingerprint": "0" * 64}
    found = {(d.rule_id, d.kind) for d in drift(ALL_RULES, table)}
    assert found == {("kidney-moderate", "new"), ("kidney-ancient", "retired")}


def test_the_service_warns_at_start_when_the_knowledge_base_is_unreleased(tmp_path, caplog):
    from rules import KnowledgeBase
    from service import create_app

    kb = KnowledgeBase(version="2026.11.1+unreleased.0123abcd")
    with caplog.at_level("WARNING", logger="service.governance"):
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
                "KNOWLEDGE_BASE": kb,
            }
        )
    assert [r.getMessage() for r in caplog.records if r.name == "service.governance"] == [
        "knowledge base 2026.11.1+unreleased.0123abcd is not a recorded release: its rules "
        "differ from rules/data/versions.json (run `magnesium-cds kb versions`)"
    ]

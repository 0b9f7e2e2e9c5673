"""`kb diff`: a release's rule changes and its replay, checked by hand on two scenarios.

The "new" side is a test copy of this tree with one threshold moved (EGFR_MODERATE_BELOW:
eGFR below 60 → below 45) and the versions of the two rules reading it bumped
(kidney-moderate, and kidney-egfr-estimated, which fires only on a computed value). By
hand, from rules/data/scenarios.jsonl: only two scenarios have an eGFR from 45 to under 60
(s43's computed value is 35, so kidney-egfr-estimated changes no patient) —
- s15-toxic-serum (eGFR 50): still refer, but kidney.moderate no longer fires;
- s20-moderate-kidney (eGFR 45): caution → suitable, kidney.moderate gone, and the plan
  (glycinate, oral, at most 350 mg/day) loses that finding's monitoring item.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rules import ALL_RULES, VERSION
from service.cli import main
from service.governance.kb_diff import DiffError, diff, markdown, resolved

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moved_tree(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("kb-new")
    for package in ("rules", "service"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    limits = tree / "rules" / "data" / "limits.py"
    text = limits.read_text()
    old = "EGFR_MODERATE_BELOW = Threshold(\n    60, "
    assert text.count(old) == 1
    limits.write_text(text.replace(old, "EGFR_MODERATE_BELOW = Threshold(\n    45, "))
    kidney = tree / "rules" / "kidney.py"
    text = kidney.read_text()
    # The threshold is shared: kidney.egfr_estimated reads it too, so both are bumped.
    for old, new in (
        ('"kidney-moderate": "2.0.0",', '"kidney-moderate": "2.1.0",'),
        ('"kidney-egfr-estimated": "1.0.0",', '"kidney-egfr-estimated": "1.1.0",'),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    kidney.write_text(text)
    return tree


@pytest.fixture(scope="module")
def report(moved_tree) -> dict:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the old side is the git revision HEAD")
    return diff("HEAD", str(moved_tree))


def test_the_moved_threshold_is_the_only_rule_change(report):
    rules = report["rules"]
    assert (rules["added"], rules["removed"], rules["unchanged"]) == ([], [], len(ALL_RULES) - 2)
    estimated, change = rules["changed"]
    assert estimated == {
        "id": "kidney-egfr-estimated",
        "code": "kidney.egfr_estimated",
        "old_version": "1.0.0",
        "new_version": "1.1.0",
        "version_bumped": True,
        "content_changed": True,
        "condition": {
            "old": "kidney_computed = true and dialysis = false and egfr_known = true and "
            "egfr < 60",
            "new": "kidney_computed = true and dialysis = false and egfr_known = true and "
            "egfr < 45",
        },
        "thresholds": [{"field": "egfr", "op": "$lt", "old": [60], "new": [45]}],
    }
    assert change == {
        "id": "kidney-moderate",
        "code": "kidney.moderate",
        "old_version": "2.0.0",
        "new_version": "2.1.0",
        "version_bumped": True,
        "content_changed": True,
        "condition": {
            "old": "egfr_known = true and dialysis = false and egfr ≥ 30 and egfr < 60",
            "new": "egfr_known = true and dialysis = false and egfr ≥ 30 and egfr < 45",
        },
        "thresholds": [{"field": "egfr", "op": "$lt", "old": [60], "new": [45]}],
    }


def test_the_replay_matches_the_hand_check(report):
    replay = report["replay"]
    assert (replay["profiles"], replay["changed"], replay["unchanged"]) == (54, 2, 52)
    assert replay["errors"] == []
    assert replay["by_rule"] == {"kidney-moderate": ["s15-toxic-serum", "s20-moderate-kidney"]}
    toxic, moderate = replay["patients"]
    assert toxic["id"] == "s15-toxic-serum" and toxic["changed"] == ["findings"]
    assert toxic["old"]["findings"] == [
        "toxicity.hypermagnesemia",
        "lab.hypermagnesemia",
        "kidney.moderate",
    ]
    assert toxic["new"]["findings"] == ["toxicity.hypermagnesemia", "lab.hypermagnesemia"]
    assert moderate == {
        "id": "s20-moderate-kidney",
        "changed": ["disposition", "findings", "plan"],
        "plan_fields": ["ceiling_label", "dosing", "monitoring", "notes"],
        "rules": ["kidney-moderate"],
        "old": {
            "disposition": "caution",
            "findings": ["kidney.moderate"],
            "plan": "glycinate (oral), at most 350 mg/day, 1 monitoring item",
        },
        "new": {
            "disposition": "suitable",
            "findings": [],
            "plan": "glycinate (oral), at most 350 mg/day",
        },
    }


def test_versions_name_both_sides_and_the_copy_is_unreleased(report):
    assert report["old"]["version"] == VERSION
    # The copy changed a rule without re-recording versions.json: never the release.
    assert report["new"]["version"].startswith(f"{VERSION}+unreleased.")


def test_markdown_lists_changes_replay_and_a_blank_sign_off(report):
    text = markdown(report)
    assert "### kidney-moderate (kidney.moderate), v2.0.0 → v2.1.0" in text
    assert "- threshold `egfr $lt`: 60 → 45" in text
    assert (
        "| s20-moderate-kidney | disposition, findings, plan (ceiling_label, dosing, monitoring, "
        "notes) | caution: kidney.moderate; plan "
        "glycinate (oral), at most 350 mg/day, 1 monitoring item | suitable: no findings; plan "
        "glycinate (oral), at most 350 mg/day | kidney-moderate |" in text
    )
    assert "- **kidney-moderate** (2): s15-toxic-serum, s20-moderate-kidney" in text
    assert text.endswith(
        "## Sign-off\n\n| Reviewer | Date | Decision (approve / approve with changes / reject) |\n"
        "|---|---|---|\n|  |  |  |\n"
    )
    assert report["sign_off"] == {"reviewer": None, "date": None, "decision": None}


def test_a_json_lines_corpus_of_profiles(moved_tree, tmp_path):
    corpus = tmp_path / "profiles.jsonl"
    corpus.write_text(
        json.dumps({"age": 50, "sex": "male", "kidney": {"egfr": 50}})
        + "\n\n"
        + json.dumps({"age": 50, "sex": "male", "kidney": {"egfr": 70}})
        + "\n"
        + json.dumps({"age": -1, "sex": "male"})
        + "\n"
    )
    report = diff("installed", str(moved_tree), corpus)
    replay = report["replay"]
    assert (replay["profiles"], replay["changed"], replay["unchanged"]) == (3, 1, 1)
    assert [p["id"] for p in replay["patients"]] == ["line-1"]
    (error,) = replay["errors"]
    assert error["id"] == "line-4" and error["old"].startswith("ValidationError")


def test_unknown_sides_are_refused_with_a_reason(tmp_path):
    with pytest.raises(DiffError, match="neither `installed`"):
        with resolved("no-such-revision-xyz"):
            pass
    with pytest.raises(DiffError, match="no rules/knowledge_base.py"):
        with resolved(str(tmp_path)):
            pass


def test_the_cli_writes_markdown_and_json(moved_tree, tmp_path, capsys):
    md, js = tmp_path / "review.md", tmp_path / "review.json"
    argv = ["kb", "diff", "installed", str(moved_tree), "--markdown", str(md), "--json", str(js)]
    assert main(argv) == 0
    assert json.loads(js.read_text())["replay"]["changed"] == 2
    assert md.read_text().startswith(f"# Knowledge-base review: {VERSION} → {VERSION}+unreleased.")
    assert "2 of 54 patients changed" in capsys.readouterr().out


def test_a_tree_whose_knowledge_base_cannot_load_is_refused(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "__init__.py").write_text("raise ImportError('broken release')\n")
    (tmp_path / "rules" / "knowledge_base.py").write_text("")
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(json.dumps({"age": 50, "sex": "male"}) + "\n")
    with pytest.raises(DiffError, match="could not load its knowledge base: .*broken release"):
        diff(str(tmp_path), "installed", corpus)


RELEASE_2026_11_1 = "02592e6"  # the v1 knowledge base, the release before 2026.12.0


@pytest.fixture(scope="module")
def v1_to_v2() -> dict:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the old side is a git revision")
    try:
        with resolved(RELEASE_2026_11_1):
            pass
    except DiffError:
        pytest.skip(f"revision {RELEASE_2026_11_1} is not in this clone (shallow?)")
    return diff(RELEASE_2026_11_1, "installed")


def test_v1_to_v2_counts(v1_to_v2):
    rules, replay = v1_to_v2["rules"], v1_to_v2["replay"]
    assert (v1_to_v2["old"]["version"], v1_to_v2["new"]["version"]) == ("2026.11.1", VERSION)
    assert (len(rules["added"]), len(rules["removed"]), len(rules["changed"])) == (22, 3, 22)
    assert [r["id"] for r in rules["removed"]] == [
        "toxicity-symptoms-intake",
        "toxicity-symptoms-kidney",
        "toxicity-symptoms-serum",
    ]
    # 7 scenarios use v2 inputs (conditions, creatinine, new symptom tokens): v1 refuses them.
    assert (replay["profiles"], replay["changed"], replay["unchanged"]) == (54, 29, 18)
    assert len(replay["errors"]) == 7


def test_v1_to_v2_replay_matches_the_hand_check(v1_to_v2):
    """By hand, from CLINICAL.md v1 and v2 and the two trees' rules:
    - s16 (age 70, eGFR 12, muscle weakness and confusion, no magnesium): v1's
      toxicity-symptoms-kidney fired on signs with eGFR < 30 whatever was taken; v2 needs
      oral magnesium for toxicity, and two cardinal signs without it are
      review.unexplained_signs. Refer both times; kidney.failure both times.
    - s36 (serum 0.4 mmol/L = 0.4 × 2.431 = 0.97 mg/dL): v1 knew only < 1.8 mg/dL
      (caution, a plan with one monitoring item); v2 adds < 1.2 mg/dL, refer, no plan.
    """
    patients = {p["id"]: p for p in v1_to_v2["replay"]["patients"]}
    s16 = patients["s16-toxicity-kidney"]
    assert s16["changed"] == ["findings"]
    assert (s16["old"]["disposition"], s16["new"]["disposition"]) == ("refer", "refer")
    assert s16["old"]["findings"] == ["toxicity.hypermagnesemia", "kidney.failure"]
    assert s16["new"]["findings"] == ["review.unexplained_signs", "kidney.failure"]
    assert s16["rules"] == [
        "kidney-failure",  # 1.0.0 → 2.0.0: fired under both at different versions
        "review-unexplained-signs",
        "toxicity-symptoms-kidney",
    ]
    s36 = patients["s36-severe-hypomagnesemia"]
    assert s36["changed"] == ["disposition", "findings", "plan"]
    assert s36["old"] == {
        "disposition": "caution",
        "findings": ["lab.hypomagnesemia"],
        "plan": "glycinate (oral), at most 350 mg/day, 1 monitoring item",
    }
    assert s36["new"] == {
        "disposition": "refer",
        "findings": ["lab.severe_hypomagnesemia", "lab.hypomagnesemia"],
        "plan": None,
    }
    assert s36["rules"] == ["lab-severe-hypomagnesemia"]

"""`magnesium-cds kb diff OLD NEW`: what a knowledge-base release changes, for a reviewer to sign.

OLD and NEW are each a git revision (of the repository the project lives in), a directory
holding a tree (`rules/knowledge_base.py` under it), or `installed` (or the installed
knowledge base's version string): the knowledge base this interpreter imports. Each is
described and replayed by `probe.py` in a child process. The report lists rules added,
removed and changed (readable conditions, thresholds, sources), then the replay of a
corpus: every patient whose disposition, findings or plan changed, grouped by rule. It
ends with a blank sign-off block.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rules
from rules.governance import document
from rules.governance.fingerprint import fingerprint_document
from rules.governance.readable import readable

PROJECT_ROOT = Path(rules.__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().with_name("probe.py")
SCENARIOS = PROJECT_ROOT / "rules" / "data" / "scenarios.jsonl"
PROBE_TIMEOUT_SECONDS = 600
COMPARED = ("code", "category", "effect", "urgency", "fact_kind", "title")


class DiffError(Exception):
    """A side cannot be resolved or described; the message says which and why."""


@dataclass(frozen=True)
class Side:
    spec: str
    description: str
    root: str  # "" for the installed knowledge base


# --- corpus --------------------------------------------------------------------------------


def read_corpus(path: Path | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Scenarios (`{"id", "profile"}`) or bare profiles, one JSON object per line."""
    path = path or SCENARIOS
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise DiffError(f"{path}:{number}: not JSON ({exc})") from exc
        if not isinstance(obj, dict):
            raise DiffError(f"{path}:{number}: each line must be a JSON object")
        if "profile" in obj:
            items.append({"id": str(obj.get("id") or f"line-{number}"), "profile": obj["profile"]})
        else:
            items.append({"id": f"line-{number}", "profile": obj})
    label = "the project's scenarios" if path == SCENARIOS else str(path)
    return f"{label} ({path.name}, {len(items)} profiles)", items


# --- resolving and probing a side ----------------------------------------------------------


@contextmanager
def resolved(spec: str, repo: Path = PROJECT_ROOT) -> Iterator[Side]:
    """The tree `spec` names, checked out into a temporary folder for a git revision."""
    if spec == "installed" or spec == rules.VERSION:
        yield Side(spec, f"installed knowledge base {rules.VERSION}", "")
        return
    path = Path(spec)
    if path.is_dir():
        if not (path / "rules" / "knowledge_base.py").exists():
            raise DiffError(f"{spec}: a directory, but no rules/knowledge_base.py under it")
        yield Side(spec, f"directory {path.resolve()}", str(path.resolve()))
        return
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if not commit:
        raise DiffError(
            f"{spec!r} is neither `installed`, the installed version, a directory nor a git "
            f"revision of {repo}"
        )
    with tempfile.TemporaryDirectory(prefix="kb-diff-") as tmp:
        archive = Path(tmp) / "tree.tar"
        with archive.open("wb") as out:
            subprocess.run(
                ["git", "-C", str(repo), "archive", "--format=tar", commit, "rules", "service"],
                stdout=out,
                check=True,
                timeout=120,
            )
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "tree", filter="data")
        yield Side(spec, f"git revision {spec} ({commit[:12]})", str(Path(tmp) / "tree"))


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def probe(side: Side, corpus: list[dict[str, Any]]) -> dict[str, Any]:
    """Describe the side's rules and evaluate the corpus under it (child process)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run(
            [sys.executable, str(PROBE), side.root, document.__file__],
            input=json.dumps({"corpus": corpus}),
            capture_output=True,
            text=True,
            env=env,
            cwd=side.root or None,
            timeout=PROBE_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise DiffError(f"{side.spec}: replay took more than {PROBE_TIMEOUT_SECONDS}s") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DiffError(f"{side.spec}: could not load its knowledge base: {' | '.join(tail)}")
    return json.loads(done.stdout)


# --- comparing -----------------------------------------------------------------------------


def compare_rules(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """Rules added, removed and changed, each change spelled out for a reviewer."""
    before = {r["id"]: r for r in old}
    after = {r["id"]: r for r in new}
    changed = []
    for rule_id in after.keys() & before.keys():
        a, b = before[rule_id], after[rule_id]
        if fingerprint_document(a) == fingerprint_document(b) and a["version"] == b["version"]:
            continue
        changed.append(_rule_change(a, b))
    return {
        "added": [_summary(after[i]) for i in sorted(after.keys() - before.keys())],
        "removed": [_summary(before[i]) for i in sorted(before.keys() - after.keys())],
        "changed": sorted(changed, key=lambda c: c["id"]),
        "unchanged": len(after.keys() & before.keys()) - len(changed),
    }


def _summary(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": rule["id"],
        "version": rule["version"],
        "code": rule["code"],
        "effect": rule["effect"],
        "title": rule["title"],
        "condition": readable(rule["condition"]),
        "sources": [_cite(s) for s in rule["sources"]],
    }


def _cite(source: Mapping[str, Any]) -> str:
    return f"{source['key']}: {source['locator']}"


def _rule_change(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": b["id"],
        "code": b["code"],
        "old_version": a["version"],
        "new_version": b["version"],
        "version_bumped": a["version"] != b["version"],
        "content_changed": fingerprint_document(a) != fingerprint_document(b),
    }
    fields = {k: {"old": a.get(k), "new": b.get(k)} for k in COMPARED if a.get(k) != b.get(k)}
    if fields:
        out["fields"] = fields
    if a["condition"] != b["condition"]:
        out["condition"] = {"old": readable(a["condition"]), "new": readable(b["condition"])}
    thresholds = _threshold_changes(a["thresholds"], b["thresholds"])
    if thresholds:
        out["thresholds"] = thresholds
    old_sources = [_cite(s) for s in a["sources"]]
    new_sources = [_cite(s) for s in b["sources"]]
    if old_sources != new_sources:
        out["sources"] = {
            "added": [s for s in new_sources if s not in old_sources],
            "removed": [s for s in old_sources if s not in new_sources],
        }
    return out


def _threshold_changes(old: list[dict], new: list[dict]) -> list[dict[str, Any]]:
    """Pair thresholds by field and operator; report the moved, added and removed ones."""

    def keyed(items: list[dict]) -> dict[tuple[str, str], list[Any]]:
        out: dict[tuple[str, str], list[Any]] = {}
        for t in items:
            out.setdefault((t["field"], t["op"]), []).append(t["value"])
        return out

    a, b = keyed(old), keyed(new)
    changes = []
    for key in sorted(a.keys() | b.keys()):
        was, now = sorted(a.get(key, [])), sorted(b.get(key, []))
        if was != now:
            changes.append({"field": key[0], "op": key[1], "old": was, "new": now})
    return changes


def compare_results(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """Patients whose disposition, findings or plan changed, and the rules behind each."""
    before = {r["id"]: r for r in old}
    patients = []
    errors = []
    by_rule: dict[str, list[str]] = {}
    for item in new:
        pid = item["id"]
        was = before.get(pid, {})
        if "error" in item or "error" in was:
            errors.append({"id": pid, "old": was.get("error"), "new": item.get("error")})
            continue
        a, b = was["recommendation"], item["recommendation"]
        what = [
            name
            for name, differs in (
                ("disposition", a["disposition"] != b["disposition"]),
                ("findings", _findings(a) != _findings(b)),
                ("plan", a["plan"] != b["plan"]),
            )
            if differs
        ]
        if not what:
            continue
        rules_behind = _rules_behind(a, b)
        for rule_id in rules_behind or ["(no rule fired differently)"]:
            by_rule.setdefault(rule_id, []).append(pid)
        patient = {
            "id": pid,
            "changed": what,
            "rules": rules_behind,
            "old": _brief(a),
            "new": _brief(b),
        }
        if "plan" in what:
            # The brief shows form, ceiling and counts only: name every plan field that
            # moved, so a plan whose brief reads the same still says what changed.
            patient["plan_fields"] = _plan_fields(a["plan"], b["plan"])
        patients.append(patient)
    return {
        "profiles": len(new),
        "changed": len(patients),
        "unchanged": len(new) - len(patients) - len(errors),
        "errors": errors,
        "patients": patients,
        "by_rule": dict(sorted(by_rule.items())),
    }


def _plan_fields(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """The plan fields that differ (present on one side only included); [] for a plan
    that appeared or went."""
    if not old or not new:
        return []
    return sorted(k for k in old.keys() | new.keys() if old.get(k, _ABSENT) != new.get(k, _ABSENT))


_ABSENT = object()


def _findings(rec: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((f["code"], f["effect"], f.get("drug") or "") for f in rec["findings"])


def _rules_behind(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Rules that fired under one version only, or fired under both at different versions."""
    fired_a, fired_b = set(a["rules_fired"]), set(b["rules_fired"])
    versions_a = {f["rule"]: f["rule_version"] for f in a["findings"]}
    versions_b = {f["rule"]: f["rule_version"] for f in b["findings"]}
    moved = {r for r in versions_a.keys() & versions_b.keys() if versions_a[r] != versions_b[r]}
    return sorted((fired_a ^ fired_b) | moved)


def _brief(rec: Mapping[str, Any]) -> dict[str, Any]:
    plan = rec.get("plan") or {}
    text = None
    if plan:
        text = (
            f"{plan['form']} ({plan['route']}), at most "
            f"{plan['max_supplemental_elemental_mg_per_day']:g} mg/day"
        )
        for key, one, many in (
            ("separations", "separation", "separations"),
            ("monitoring", "monitoring item", "monitoring items"),
        ):
            if plan.get(key):
                text += f", {len(plan[key])} {one if len(plan[key]) == 1 else many}"
    return {
        "disposition": rec["disposition"],
        "findings": [f["code"] for f in rec["findings"]],
        "plan": text,
    }


def diff(old_spec: str, new_spec: str, corpus_path: Path | None = None) -> dict[str, Any]:
    """The whole review report as JSON."""
    corpus_label, corpus = read_corpus(corpus_path)
    with resolved(old_spec) as old_side:
        old = probe(old_side, corpus)
        old_description = old_side.description
    with resolved(new_spec) as new_side:
        new = probe(new_side, corpus)
        new_description = new_side.description
    return {
        "old": {"spec": old_spec, "source": old_description, "version": old["version"]},
        "new": {"spec": new_spec, "source": new_description, "version": new["version"]},
        "rules": compare_rules(old["rules"], new["rules"]),
        "replay": {"corpus": corpus_label, **compare_results(old["results"], new["results"])},
        "sign_off": {"reviewer": None, "date": None, "decision": None},
    }


# --- Markdown ------------------------------------------------------------------------------


def markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown a reviewer reads and signs."""
    old, new, rules_, replay = report["old"], report["new"], report["rules"], report["replay"]
    out = [
        f"# Knowledge-base review: {old['version']} → {new['version']}",
        "",
        f"- Old: {old['source']}, knowledge base {old['version']}",
        f"- New: {new['source']}, knowledge base {new['version']}",
        f"- Rules: {len(rules_['added'])} added, {len(rules_['removed'])} removed, "
        f"{len(rules_['changed'])} changed, {rules_['unchanged']} unchanged",
        f"- Replay of {replay['corpus']}: {replay['changed']} of {replay['profiles']} "
        f"patients changed, {len(replay['errors'])} could not be evaluated",
        "",
        "## Rules added",
        "",
    ]
    out += _rule_list(rules_["added"])
    out += ["## Rules removed", ""] + _rule_list(rules_["removed"])
    out += ["## Rules changed", ""]
    if not rules_["changed"]:
        out += ["None.", ""]
    for change in rules_["changed"]:
        bump = (
            f"v{change['old_version']} → v{change['new_version']}"
            if change["version_bumped"]
            else f"v{change['new_version']} (**version not bumped**)"
        )
        out += [f"### {change['id']} ({change['code']}), {bump}", ""]
        for name, values in (change.get("fields") or {}).items():
            out.append(f"- {name}: {values['old']} → {values['new']}")
        if "condition" in change:
            out += [
                f"- condition, old: `{change['condition']['old']}`",
                f"- condition, new: `{change['condition']['new']}`",
            ]
        for t in change.get("thresholds", []):
            out.append(
                f"- threshold `{t['field']} {t['op']}`: {_values(t['old'])} → {_values(t['new'])}"
            )
        sources = change.get("sources") or {}
        out += [f"- source added: {s}" for s in sources.get("added", [])]
        out += [f"- source removed: {s}" for s in sources.get("removed", [])]
        if not change["content_changed"]:
            out.append("- version changed; condition, thresholds, effect and sources unchanged")
        out.append("")
    out += [
        "## Replay",
        "",
        f"{replay['changed']} of {replay['profiles']} patients changed "
        f"({replay['unchanged']} unchanged).",
        "",
    ]
    if replay["patients"]:
        out += ["| Patient | Changed | Old | New | Rules |", "|---|---|---|---|---|"]
        for p in replay["patients"]:
            changed = ", ".join(
                f"plan ({', '.join(p['plan_fields'])})"
                if c == "plan" and p.get("plan_fields")
                else c
                for c in p["changed"]
            )
            out.append(
                f"| {p['id']} | {changed} | {_cell(p['old'])} | "
                f"{_cell(p['new'])} | {', '.join(p['rules']) or '—'} |"
            )
        out += ["", "### By rule", ""]
        for rule_id, ids in replay["by_rule"].items():
            out.append(f"- **{rule_id}** ({len(ids)}): {', '.join(ids)}")
        out.append("")
    if replay["errors"]:
        out += ["### Could not be evaluated", ""]
        out += [
            f"- {e['id']}: old {e['old'] or 'ok'}; new {e['new'] or 'ok'}" for e in replay["errors"]
        ]
        out.append("")
    out += [
        "## Sign-off",
        "",
        "| Reviewer | Date | Decision (approve / approve with changes / reject) |",
        "|---|---|---|",
        "|  |  |  |",
        "",
    ]
    return "\n".join(out)


def _rule_list(items: list[dict[str, Any]]) -> list[str]:
    if not items:
        return ["None.", ""]
    out = []
    for r in items:
        out += [
            f"- **{r['id']}** v{r['version']} ({r['code']}, {r['effect']}): {r['title']}",
            f"  - condition: `{r['condition']}`",
            f"  - sources: {'; '.join(r['sources'])}",
        ]
    return out + [""]


def _values(values: list[Any]) -> str:
    return ", ".join(map(str, values)) if values else "none"


def _cell(brief: Mapping[str, Any]) -> str:
    findings = ", ".join(brief["findings"]) or "no findings"
    plan = f"; plan {brief['plan']}" if brief["plan"] else ""
    return f"{brief['disposition']}: {findings}{plan}".replace("|", "\\|")

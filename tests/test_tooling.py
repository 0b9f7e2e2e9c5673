"""The tree passes its own checks: ruff (B,E,F,I,UP,W, no unused noqa), mypy, the formatter.

The same commands run before each commit through .pre-commit-config.yaml; the versions
installed are the ones in constraints.txt, which must pin everything pyproject.toml asks for.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


PATHS = ("rules", "service", "tests", "bench", "gunicorn.conf.py")
CHECKS = {
    "ruff": ("ruff", "check", *PATHS),
    "mypy": ("mypy", "rules", "service"),
    "format": ("ruff", "format", "--check", *PATHS),
}


def run(command: tuple[str, ...]) -> subprocess.CompletedProcess:
    return subprocess.run(
        (sys.executable, "-m", *command), cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("name", ["ruff", "mypy"])
def test_linter_passes(name):
    result = run(CHECKS[name])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_is_formatted():
    result = run(CHECKS["format"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_the_same_checks():
    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert set(hooks) == set(CHECKS)
    for name, command in CHECKS.items():
        assert hooks[name]["entry"] == ".venv/bin/python -m " + " ".join(command)
        assert hooks[name]["pass_filenames"] is False  # the whole tree, as here


def test_the_lock_pins_every_dependency_within_its_range():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not name==version"
            pins[canonicalize_name(name)] = version.strip()
    problems = []
    for requirement in wanted:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name}: not in constraints.txt (run scripts/lock)")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} is outside {requirement.specifier}")
    assert problems == []


def imports_of(folder: Path) -> set[str]:
    """Every module the .py files under `folder` import (absolute names)."""
    import ast

    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "other"), [("ops", "audit"), ("audit", "ops")])
def test_ops_and_audit_do_not_import_each_other(package, other):
    # They meet through service.hooks (readiness, audit events, spool gauges).
    imported = imports_of(ROOT / "service" / package)
    assert sorted(m for m in imported if m.startswith(f"service.{other}")) == []

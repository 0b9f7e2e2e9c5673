"""The tree passes its own linters: ruff (B,E,F,I,UP,W) everywhere, mypy on rules/ and service/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        (sys.executable, "-m", "ruff", "check", "rules", "service", "tests", "bench"),
        (sys.executable, "-m", "mypy", "rules", "service"),
    ],
    ids=["ruff", "mypy"],
)
def test_linter_passes(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


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

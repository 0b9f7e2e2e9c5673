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

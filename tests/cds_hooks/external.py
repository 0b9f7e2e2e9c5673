"""The verbatim requests and records other projects publish (../shared/fixtures/external)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "external"


def load(name: str) -> Any:
    """A fixture file, or the test skipped with the reason when the folder is absent."""
    path = FOLDER / name
    if not path.exists():
        pytest.skip(f"external fixtures not found at {FOLDER} (CI puts ../shared beside the clone)")
    return copy.deepcopy(json.loads(path.read_text("utf-8")))


def f205() -> dict[str, Any]:
    """The FHIR R4 core example eGFR (values in components, one '>60')."""
    observation = load("fhir-r4-observation-example-f205-egfr.json")
    observation.pop("_source")
    return observation


def sandbox_names() -> dict[str, str]:
    """RxNorm code → name, as the CDS Hooks sandbox offers them."""
    return load("sandbox-medication-list-excerpt.json")["cuiToName"]

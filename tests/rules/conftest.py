"""The knowledge-base tests call the rules directly: no Flask, no HTTP, no audit trail.

`recommend(**fields)` builds a profile as a client would send it (BASE_PROFILE updated with
the fields), loads it with the API's schema, evaluates it with the knowledge base and
returns the recommendation as the JSON a client would read. The API's own contract
(status codes, problem details) is tested in tests/api.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from rules import default_knowledge_base
from rules.model import Profile, Recommendation
from service.schemas import PROFILE_SCHEMA, dump_recommendation
from tests.conftest import BASE_PROFILE


def build(**fields: Any) -> Profile:
    """The profile BASE_PROFILE updated with `fields` describes, loaded as the API loads it."""
    body = copy.deepcopy(BASE_PROFILE)
    body.update(fields)
    return PROFILE_SCHEMA.load(body)


def evaluate(**fields: Any) -> Recommendation:
    """Evaluate the profile `fields` describe with the process's knowledge base."""
    return default_knowledge_base().evaluate(build(**fields))


def as_json(recommendation: Recommendation) -> dict[str, Any]:
    """The recommendation exactly as a client reads it (tuples become lists)."""
    return json.loads(json.dumps(dump_recommendation(recommendation)))


@pytest.fixture
def recommend() -> Callable[..., dict[str, Any]]:
    """Evaluate a profile (BASE_PROFILE updated with the keyword arguments); return its JSON."""

    def run(**fields: Any) -> dict[str, Any]:
        return as_json(evaluate(**fields))

    return run

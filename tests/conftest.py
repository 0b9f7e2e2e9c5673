"""Shared fixtures: the app on a temporary SQLite database, its client, a profile builder."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from service import create_app

BASE_PROFILE: dict[str, Any] = {"age": 45, "sex": "female"}

pytest_plugins = ["tests.databases"]  # postgres_url, redis_url, db_url (issue 5)


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
            "SECRET_KEY": "test-secret",
            # A loopback service: /cds-services may stay open without trusted issuers
            # (service.security.startup), whatever CDS_BIND the environment holds.
            "BIND": "127.0.0.1:8000",
        }
    )
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def recommend(client) -> Callable[..., dict[str, Any]]:
    """POST a profile (BASE_PROFILE updated with the keyword arguments) and return the JSON."""

    def post(**fields: Any) -> dict[str, Any]:
        body = copy.deepcopy(BASE_PROFILE)
        body.update(fields)
        response = client.post("/v1/recommendations", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return post


def codes(recommendation: dict[str, Any]) -> set[str]:
    """The finding codes of a recommendation."""
    return {f["code"] for f in recommendation["findings"]}


def finding(recommendation: dict[str, Any], code: str) -> dict[str, Any]:
    """The one finding with `code` (fails when absent)."""
    matches = [f for f in recommendation["findings"] if f["code"] == code]
    assert matches, f"{code} not in {codes(recommendation)}"
    return matches[0]

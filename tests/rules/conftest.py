"""One app for the knowledge-base tests: they read recommendations, never the audit trail."""

from __future__ import annotations

import pytest

from service import create_app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """Override the per-test app: building one (audit database included) costs more than
    the evaluation these tests are about."""
    db = tmp_path_factory.mktemp("rules-audit") / "audit.sqlite3"
    return create_app(app_config(db))


def app_config(db) -> dict:
    """Test config for an app shared by many requests: no per-caller rate limit."""
    return {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": "test-secret",
        # hundreds of requests a minute from one caller: the limit is not under test here
        "RATELIMIT_ENABLED": False,
        "RATE_LIMIT": "100000 per minute",
    }

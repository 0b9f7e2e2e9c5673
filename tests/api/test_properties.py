"""Generated valid profiles through the real API: never a 5xx, every finding explained.

The profiles are the knowledge-base properties' own (tests/rules/test_properties.py).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from service import create_app
from tests.rules.test_properties import SETTINGS, profiles


@pytest.fixture(scope="module")
def module_client(tmp_path_factory):
    """One app for every generated profile, without the per-caller rate limit."""
    db = tmp_path_factory.mktemp("audit") / "audit.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db}",
            "SECRET_KEY": "test-secret",
            "RATELIMIT_ENABLED": False,
            "RATE_LIMIT": "100000 per minute",
        }
    )
    return app.test_client()


@SETTINGS
@given(body=profiles())
def test_valid_profiles_never_get_a_5xx_and_every_finding_is_explained(module_client, body):
    response = module_client.post(
        "/v1/recommendations", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, (response.status_code, response.get_json())
    rec = response.get_json()
    for f in rec["findings"]:
        assert f["code"] and f["explanation"] and f["action"] and f["title"]
        assert len(f["sources"]) >= 1
        assert all(s["title"] and s["locator"] for s in f["sources"])
    assert (rec["plan"] is None) is (rec["disposition"] in ("refer", "avoid"))
    assert (rec["referral"] is None) is (rec["disposition"] != "refer")

"""Rate limits per caller on /v1 (service/security/ratelimit.py): budget, headers, fallback."""

from __future__ import annotations

import logging
import time
import uuid

import pytest

from service.security.ratelimit import RateLimit
from tests.security.test_access import (  # noqa: F401 - fixtures
    AUDIENCE,
    ISSUER,
    KEY,
    OTHER_KEY,
    bearer,
    jwks_file,
    make_app,
    post,
    signing_key,
    token,
)

UNREACHABLE_REDIS = "redis://127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture
def limited(tmp_path):
    app = make_app(tmp_path, API_KEYS=[KEY, OTHER_KEY], RATE_LIMIT="3 per minute")
    yield app.test_client()
    app.extensions["audit"].close()


def test_headers_count_the_callers_budget_down(limited):
    responses = [post(limited, {"X-API-Key": KEY}) for _ in range(3)]
    assert [r.headers["X-RateLimit-Limit"] for r in responses] == ["3"] * 3
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0"]
    reset = int(responses[0].headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    refused = post(limited, {"X-API-Key": KEY})
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "3 per 1 minute" in refused.get_json()["detail"]


def test_failed_logins_count_against_the_address_not_the_key(limited):
    codes = [post(limited, {"X-API-Key": "guess"}).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]  # guessing runs into the address's budget
    refused = post(limited, {"X-API-Key": "guess"})
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert post(limited, {"X-API-Key": KEY}).headers["X-RateLimit-Remaining"] == "2"


def test_rotating_jwt_subjects_buys_no_extra_budget(tmp_path, jwks_file, signing_key):  # noqa: F811
    listed = f"jwt:{ISSUER}#own-budget"
    app = make_app(
        tmp_path,
        TRUSTED_ISSUERS={ISSUER: str(jwks_file)},
        SERVICE_URL=AUDIENCE,
        RATE_LIMIT="3 per minute",
        RATE_LIMIT_SUBJECTS=[listed],
    )
    client = app.test_client()
    codes = [post(client, bearer(token(signing_key, sub=f"s-{i}"))).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]  # one budget for the issuer
    own = [post(client, bearer(token(signing_key, sub="own-budget"))).status_code for _ in range(4)]
    assert own == [200, 200, 200, 429]  # a listed subject has a budget of its own
    app.extensions["audit"].close()


def test_operations_endpoints_and_preflight_are_not_counted(limited):
    for _ in range(5):
        response = limited.get("/healthz")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers
    limited.options("/v1/recommendations", headers={"X-API-Key": KEY})
    assert post(limited, {"X-API-Key": KEY}).headers["X-RateLimit-Remaining"] == "2"


def test_an_open_api_counts_per_client_address(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT="2 per minute")
    client = app.test_client()
    here = {"REMOTE_ADDR": "10.0.0.1"}
    there = {"REMOTE_ADDR": "10.0.0.2"}
    codes = [
        client.post(
            "/v1/recommendations", json={"age": 50, "sex": "male"}, environ_base=here
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert (
        client.post(
            "/v1/recommendations", json={"age": 50, "sex": "male"}, environ_base=there
        ).status_code
        == 200
    )
    app.extensions["audit"].close()


def test_disabled_means_no_budget_and_no_headers(tmp_path):
    app = make_app(tmp_path, API_KEYS=[KEY], RATE_LIMIT="1 per minute", RATELIMIT_ENABLED=False)
    client = app.test_client()
    responses = [post(client, {"X-API-Key": KEY}) for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3
    assert "X-RateLimit-Limit" not in responses[-1].headers
    app.extensions["audit"].close()


def test_unreachable_redis_falls_back_to_counting_in_memory(tmp_path, caplog):
    app = make_app(
        tmp_path, API_KEYS=[KEY], RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="service.security.ratelimit"):
        codes = [post(client, {"X-API-Key": KEY}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # served, and still limited
    assert any("counting in memory" in r.getMessage() for r in caplog.records)
    app.extensions["audit"].close()


def test_shared_storage_is_tried_again_after_the_pause(monkeypatch):
    limit = RateLimit("5 per minute", UNREACHABLE_REDIS)
    key = "caller-" + uuid.uuid4().hex
    assert limit.hit(key).remaining == 4  # counted in memory
    tries = []
    primary_hit = limit._primary.hit
    monkeypatch.setattr(limit._primary, "hit", lambda *a: tries.append(a) or primary_hit(*a))
    limit.hit(key)
    assert tries == []  # within the pause: memory only
    limit._primary_down_until = 0.0
    assert limit.hit(key).remaining == 2  # Redis tried again (still down), memory counts on
    assert len(tries) == 1


def test_memory_storage_without_fallback_raises_nothing_and_counts():
    limit = RateLimit("2 per second")
    key = "caller-" + uuid.uuid4().hex
    assert [limit.hit(key).allowed for _ in range(3)] == [True, True, False]
    assert limit.hit(key).retry_after >= 1


def test_failed_cds_hooks_logins_count_too(tmp_path, jwks_file):  # noqa: F811
    app = make_app(
        tmp_path,
        TRUSTED_ISSUERS={ISSUER: str(jwks_file)},
        SERVICE_URL=AUDIENCE,
        RATE_LIMIT="3 per minute",
    )
    client = app.test_client()
    responses = [
        client.post(
            "/cds-services/magnesium-back-pain-review",
            json={},
            headers={"Authorization": "Bearer a.b.c"},
        )
        for _ in range(5)
    ]
    assert [r.status_code for r in responses] == [401, 401, 401, 429, 429]
    assert responses[-1].get_json()["resourceType"] == "OperationOutcome"
    assert int(responses[-1].headers["Retry-After"]) >= 1
    app.extensions["audit"].close()

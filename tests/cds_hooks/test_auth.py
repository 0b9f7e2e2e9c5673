"""Bearer JWTs on the CDS Hooks routes: 401 with no detail unless the token verifies."""

from __future__ import annotations

import logging
import time

import pytest

from service import create_app
from service.security.startup import ConfigError
from tests.cds_hooks import scenarios
from tests.cds_hooks.conftest import ISSUER, SERVICE_URL
from tests.cds_hooks.test_views import PATIENT_VIEW

SERVICE_AUDIENCE = SERVICE_URL + PATIENT_VIEW


def post(client, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(PATIENT_VIEW, json=scenarios.scenario_a_request(), headers=headers)


def assert_bare_401(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json() == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "login"}],
    }


@pytest.mark.parametrize("signer_name", ["rsa_signer", "ec_signer"])
def test_a_valid_token_passes(secured_client, signer_name, request):
    signer = request.getfixturevalue(signer_name)
    response = post(secured_client, signer.token(SERVICE_AUDIENCE))
    assert response.status_code == 200
    assert response.get_json()["cards"]


def test_discovery_needs_a_token_too(secured_client, rsa_signer):
    assert_bare_401(secured_client.get("/cds-services"))
    token = rsa_signer.token(SERVICE_URL + "/cds-services")
    assert (
        secured_client.get(
            "/cds-services", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda s: None, id="no-token"),
        pytest.param(lambda s: s.token(SERVICE_URL + "/cds-services/other"), id="wrong-audience"),
        pytest.param(
            lambda s: s.token(
                SERVICE_AUDIENCE, exp=int(time.time()) - 100, iat=int(time.time()) - 400
            ),
            id="expired",
        ),
        pytest.param(
            lambda s: s.token(SERVICE_AUDIENCE, iss="https://stranger.example"), id="unknown-issuer"
        ),
        pytest.param(lambda s: s.token(SERVICE_AUDIENCE, jti=None), id="no-jti"),
    ],
)
def test_bad_tokens_get_a_bare_401(secured_client, rsa_signer, make_token):
    assert_bare_401(post(secured_client, make_token(rsa_signer)))


def test_alg_none_and_hmac_get_401(secured_client):
    import jwt as pyjwt

    from tests.cds_hooks.test_jwt import unsigned

    now = int(time.time())
    claims = {
        "iss": "https://ehr.example.org",
        "aud": SERVICE_AUDIENCE,
        "exp": now + 60,
        "iat": now,
    }
    none_token = unsigned({**claims, "jti": "n1"}, {"alg": "none", "typ": "JWT", "kid": "rsa-1"})
    hmac_token = pyjwt.encode(
        {**claims, "jti": "h1"},
        "a-shared-secret-that-is-long-enough-for-hmac-384",
        algorithm="HS384",
        headers={"kid": "rsa-1"},
    )
    assert_bare_401(post(secured_client, none_token))
    assert_bare_401(post(secured_client, hmac_token))


def test_a_replayed_token_gets_401(secured_client, rsa_signer):
    token = rsa_signer.token(SERVICE_AUDIENCE)
    assert post(secured_client, token).status_code == 200
    assert_bare_401(post(secured_client, token))


def test_feedback_accepts_the_service_url_as_audience(secured_client, rsa_signer):
    token = rsa_signer.token(SERVICE_AUDIENCE)  # the service the feedback is about
    response = secured_client.post(
        PATIENT_VIEW + "/feedback",
        json={"feedback": []},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400  # authenticated; the empty list is the problem


def test_trusted_issuers_without_service_url_refuse_to_start(tmp_path, jwks_file):
    # Before: the audience followed the request's Host header, so a token minted for
    # another service was accepted by sending that service's host (issue 10, item 5).
    with pytest.raises(ConfigError, match="CDS_SERVICE_URL is required"):
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
                "TRUSTED_ISSUERS": {"https://ehr.example.org": jwks_file},
            }
        )


def test_the_audience_never_follows_the_host_header(secured_client, rsa_signer):
    forged_host = "other-service.example"
    token = rsa_signer.token(f"http://{forged_host}{PATIENT_VIEW}")
    response = secured_client.post(
        PATIENT_VIEW,
        json=scenarios.scenario_a_request(),
        headers={"Authorization": f"Bearer {token}", "Host": forged_host},
    )
    assert_bare_401(response)


def test_tokens_are_never_logged(secured_client, rsa_signer, caplog):
    caplog.set_level(logging.DEBUG)
    token = rsa_signer.token(SERVICE_URL + "/elsewhere")
    request = scenarios.without_prefetch(
        scenarios.scenario_a_request(), "http://127.0.0.1:9", token="secret-fhir-access-token"
    )
    secured_client.post(PATIENT_VIEW, json=request, headers={"Authorization": f"Bearer {token}"})
    good = rsa_signer.token(SERVICE_AUDIENCE)
    secured_client.post(PATIENT_VIEW, json=request, headers={"Authorization": f"Bearer {good}"})
    for record in caplog.records:
        text = record.getMessage() + str(record.__dict__)
        assert token not in text and good not in text and "secret-fhir-access-token" not in text


def test_open_mode_warns_at_start(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    assert any("no trusted issuers" in r.getMessage() for r in caplog.records)


def test_cors_for_configured_origins(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
            "CORS_ORIGINS": ["https://sandbox.cds-hooks.org"],
        }
    )
    client = app.test_client()
    preflight = client.options(
        PATIENT_VIEW,
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://sandbox.cds-hooks.org"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    other = client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    allowed = client.get("/cds-services", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://sandbox.cds-hooks.org"


def limited_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
            "RATE_LIMIT": "2 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


def assert_throttled(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert response.get_json()["issue"][0]["code"] == "throttled"


def test_cds_services_are_rate_limited_per_caller(tmp_path):
    # Before: /cds-services had no budget at all (issue 10, item 2).
    client = limited_app(tmp_path).test_client()
    assert [client.get("/cds-services").status_code for _ in range(2)] == [200, 200]
    assert client.get("/cds-services").headers["X-RateLimit-Remaining"] == "0"
    assert_throttled(client.post(PATIENT_VIEW, json=scenarios.scenario_a_request()))
    other = client.get("/cds-services", environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert other.status_code == 200  # another caller has its own budget


def test_cds_services_count_a_jwt_caller_and_failed_tokens(tmp_path, jwks_file, rsa_signer):
    client = limited_app(
        tmp_path, TRUSTED_ISSUERS={ISSUER: jwks_file}, SERVICE_URL=SERVICE_URL
    ).test_client()
    statuses = [post(client, rsa_signer.token(SERVICE_AUDIENCE)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    bad = [post(client, "not.a.token").status_code for _ in range(3)]
    assert bad == [401, 401, 429]  # refused tokens spend the address's budget


def test_one_verifier_serves_both_blueprints(secured_app, rsa_signer):
    from service.security.bearer import EXTENSION, bearer_verifier

    assert secured_app.extensions["security"]["verifier"] is bearer_verifier(secured_app)
    assert secured_app.extensions[EXTENSION] is bearer_verifier(secured_app)
    client = secured_app.test_client()
    token = rsa_signer.token(SERVICE_URL)  # the service URL is an audience of both
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post("/v1/recommendations", json={"age": 50, "sex": "male"}, headers=headers)
    assert first.status_code == 200
    assert_bare_401(post(client, token))  # the jti was used on /v1: one replay cache

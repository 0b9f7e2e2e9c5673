"""Access control on /v1: API keys (stored as hashes), bearer JWTs, rate limits, body size."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from service import create_app
from service.settings import load_settings

KEY = "k-" + uuid.uuid4().hex
OTHER_KEY = "k-" + uuid.uuid4().hex
ISSUER = "https://ehr.example.org"
AUDIENCE = "https://cds.example.org/"
PROFILE = {"age": 50, "sex": "male"}
CURVE = ec.SECP384R1()


@pytest.fixture(scope="module")
def signing_key():
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture
def jwks_file(tmp_path, signing_key):
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(signing_key.public_key()))
    jwk.update(kid="key-1", alg="ES384", use="sig")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return path


def token(signing_key, **claims) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "sub": "ehr-client",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    body.update(claims)
    return jwt.encode(body, signing_key, algorithm="ES384", headers={"kid": "key-1"})


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def ago(seconds: int) -> int:
    return int(time.time()) - seconds


def make_app(tmp_path, **config):
    base = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "SPOOL_DIR": str(tmp_path / "spool"),
    }
    base.update(config)
    return create_app(base)


@pytest.fixture
def secured(tmp_path, jwks_file):
    app = make_app(
        tmp_path,
        API_KEYS=[KEY],
        API_KEYS_SHA256=[hashlib.sha256(OTHER_KEY.encode()).hexdigest().upper()],
        TRUSTED_ISSUERS={ISSUER: str(jwks_file)},
        SERVICE_URL=AUDIENCE,
    )
    yield app.test_client()
    app.extensions["audit"].close()


def post(client, headers=None):
    return client.post("/v1/recommendations", json=PROFILE, headers=headers or {})


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("no credentials", lambda key: {}),
        ("a wrong key", lambda key: {"X-API-Key": "wrong"}),
        ("a wrong key as bearer", lambda key: {"Authorization": "Bearer wrong"}),
        ("an expired JWT", lambda key: bearer(token(key, exp=ago(3600), iat=ago(4000)))),
        ("a JWT for another audience", lambda key: bearer(token(key, aud="https://elsewhere/"))),
        (
            "a JWT from an untrusted issuer",
            lambda key: bearer(token(key, iss="https://evil.example")),
        ),
        ("a JWT signed by another key", lambda key: bearer(token(ec.generate_private_key(CURVE)))),
        (
            "an HS256 JWT",
            lambda key: bearer(
                jwt.encode({"iss": ISSUER}, "s" * 32, algorithm="HS256", headers={"kid": "key-1"})
            ),
        ),
        ("a garbage bearer", lambda key: {"Authorization": "Bearer a.b.c"}),
    ],
)
def test_refused_with_401(secured, signing_key, name, headers):
    response = post(secured, headers(signing_key))
    assert response.status_code == 401, name
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("a plain key in X-API-Key", lambda key: {"X-API-Key": KEY}),
        ("a plain key as a bearer token", lambda key: {"Authorization": f"Bearer {KEY}"}),
        ("a key configured only as its SHA-256", lambda key: {"X-API-Key": OTHER_KEY}),
        ("a valid JWT", lambda key: {"Authorization": "Bearer " + token(key)}),
    ],
)
def test_admitted_with_200(secured, signing_key, name, headers):
    response = post(secured, headers(signing_key))
    assert response.status_code == 200, name
    assert response.get_json()["disposition"] == "suitable"


def test_a_jwt_is_accepted_once(secured, signing_key):
    header = {"Authorization": "Bearer " + token(signing_key)}
    assert post(secured, header).status_code == 200
    assert post(secured, header).status_code == 401  # same jti: a replay


def test_the_caller_is_recorded_by_fingerprint(tmp_path, jwks_file, signing_key):
    fingerprint = "key:" + hashlib.sha256(KEY.encode()).hexdigest()[:12]
    app = make_app(
        tmp_path,
        API_KEYS=[KEY],
        TRUSTED_ISSUERS={ISSUER: str(jwks_file)},
        SERVICE_URL=AUDIENCE,
        AUDIT_READERS=[fingerprint],
    )
    client = app.test_client()
    evaluation_id = post(client, {"X-API-Key": KEY}).get_json()["evaluation_id"]
    record = client.get(f"/v1/evaluations/{evaluation_id}", headers={"X-API-Key": KEY}).get_json()
    assert record["caller"] == fingerprint
    evaluation_id = post(client, {"Authorization": "Bearer " + token(signing_key)}).get_json()[
        "evaluation_id"
    ]
    record = client.get(f"/v1/evaluations/{evaluation_id}", headers={"X-API-Key": KEY}).get_json()
    assert record["caller"] == f"jwt:{ISSUER}#ehr-client"  # read by the audit role
    app.extensions["audit"].close()


def test_operations_endpoints_need_no_credentials(secured):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert secured.get(path).status_code == 200, path


def test_open_when_nothing_is_configured_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="service.security"):
        app = make_app(tmp_path)
    assert any("access control is OFF" in r.getMessage() for r in caplog.records)
    assert post(app.test_client()).status_code == 200
    app.extensions["audit"].close()


def test_over_the_rate_limit_429_with_retry_after(tmp_path):
    app = make_app(tmp_path, API_KEYS=[KEY, OTHER_KEY], RATE_LIMIT="3 per minute")
    client = app.test_client()
    assert [post(client, {"X-API-Key": KEY}).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/v1/knowledge-base", headers={"X-API-Key": KEY})  # one budget per caller
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    # Another caller has a budget of its own; operations endpoints are never limited.
    assert post(client, {"X-API-Key": OTHER_KEY}).status_code == 200
    assert client.get("/healthz").status_code == 200
    app.extensions["audit"].close()


def test_rate_limits_shared_through_redis(tmp_path, redis_url):
    key = "k-" + uuid.uuid4().hex  # its own counter in a shared Redis
    config = {"API_KEYS": [key], "RATE_LIMIT": "2 per minute", "RATELIMIT_STORAGE_URI": redis_url}
    first = make_app(tmp_path / "a", **config)
    second = make_app(tmp_path / "b", **config)  # as if another worker or replica
    headers = {"X-API-Key": key}
    assert post(first.test_client(), headers).status_code == 200
    assert post(second.test_client(), headers).status_code == 200
    assert post(first.test_client(), headers).status_code == 429
    for app in (first, second):
        app.extensions["audit"].close()


def test_a_body_over_the_limit_is_413_problem(secured):
    body = json.dumps({"age": 50, "sex": "male", "note": "x" * 1_100_000})
    response = secured.post(
        "/v1/recommendations",
        data=body,
        content_type="application/json",
        headers={"X-API-Key": KEY},
    )
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 413 and problem["title"] == "Request Entity Too Large"


def test_keys_can_come_from_a_secret_file(tmp_path, monkeypatch):
    secret = tmp_path / "keys"
    secret.write_text("first-key\nsecond-key\n")
    monkeypatch.setenv("CDS_API_KEYS_FILE", str(secret))
    monkeypatch.setenv("CDS_API_KEYS_SHA256", "AB12,cd34")
    settings = load_settings()
    assert settings.api_keys == ["first-key", "second-key"]
    assert settings.flask_config(str(tmp_path))["API_KEYS_SHA256"] == ["ab12", "cd34"]

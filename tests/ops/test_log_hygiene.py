"""Logs never carry a profile value, a key, a token or a name: send recognisable values,
then grep everything that was logged, in process and under gunicorn."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from service import create_app
from tests.ops.server import Gunicorn

MEDICATION = "Zzyzxamycin"
NAME = "Quentin Qwxzyzzy"
API_KEY = "sk-live-" + uuid.uuid4().hex
BAD_KEY = "sk-wrong-" + uuid.uuid4().hex
ISSUER = "https://ehr.zzyzx.example"
AUDIENCE = "https://cds.example.org/"


@pytest.fixture(scope="module")
def signing_key():
    return ec.generate_private_key(ec.SECP384R1())


def jwks(tmp_path, signing_key):
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(signing_key.public_key()))
    jwk.update(kid="k", alg="ES384")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return path


def make_token(signing_key, **claims) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "sub": "client",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(body, signing_key, algorithm="ES384", headers={"kid": "k"})


def requests_to_send(signing_key):
    """(headers, body) pairs carrying the recognisable values, good and bad."""
    profile = {
        "age": 58,
        "sex": "female",
        "kidney": {"egfr": 44},
        "medications": [{"name": MEDICATION}, {"name": f"{MEDICATION} 20 mg"}],
    }
    expired = make_token(signing_key, exp=int(time.time()) - 3600, iat=int(time.time()) - 4000)
    good = make_token(signing_key)
    return [
        ({"X-API-Key": API_KEY}, profile),
        ({"Authorization": f"Bearer {API_KEY}"}, profile),
        ({"X-API-Key": BAD_KEY}, profile),
        ({"Authorization": f"Bearer {good}"}, profile),
        ({"Authorization": f"Bearer {good}"}, profile),  # replayed jti: refused
        ({"Authorization": f"Bearer {expired}"}, profile),
        ({"X-API-Key": API_KEY}, {**profile, "patient_name": NAME}),  # unknown field: 422
        ({"X-API-Key": API_KEY}, {**profile, "age": NAME}),  # wrong type: 422
        ({"X-API-Key": API_KEY, "X-Request-ID": NAME}, profile),  # refused as a request id
    ], [API_KEY, BAD_KEY, good, expired]


def assert_clean(logs: str, secrets: list[str]) -> None:
    assert logs.strip(), "nothing was logged: the test would prove nothing"
    for value in [MEDICATION, NAME, "Qwxzyzzy", *secrets]:
        assert value not in logs, f"{value[:12]}… appears in the logs"
    # Tokens are also never logged in part (a signature or payload segment).
    for secret in secrets:
        for segment in secret.split("."):
            if len(segment) > 16:
                assert segment not in logs


def test_in_process_logs_carry_no_profile_key_token_or_name(tmp_path, signing_key):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    from service.ops.logs import RequestIdFilter, json_formatter

    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        # The database is unreachable too, so the spool path logs as well.
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "API_KEYS": [API_KEY],
                "TRUSTED_ISSUERS": {ISSUER: str(jwks(tmp_path, signing_key))},
                "SERVICE_URL": AUDIENCE,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'a.db'}",
                "SPOOL_DIR": str(tmp_path / "spool"),
                "LOG_LEVEL": "DEBUG",
                # Replay cache and budgets in memory: in the (unreachable) database a good token
                # would be refused, and its accepted path would go unlogged.
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        client = app.test_client()
        sent, secrets = requests_to_send(signing_key)
        statuses = [
            client.post("/v1/recommendations", json=body, headers=headers).status_code
            for headers, body in sent
        ]
        client.post(
            "/v1/recommendations",
            data=f'{{"name": "{NAME}"',
            content_type="application/json",
            headers={"X-API-Key": API_KEY},
        )
        (tmp_path / "missing").mkdir()
        app.extensions["audit"].replay()
        app.extensions["audit"].close()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert statuses == [200, 200, 401, 200, 401, 401, 422, 422, 200]
    assert_clean(stream.getvalue(), secrets)


@pytest.mark.slow
def test_gunicorn_logs_carry_no_profile_key_token_or_name(tmp_path, signing_key):
    env = {
        "CDS_API_KEYS": API_KEY,
        "CDS_LOG_LEVEL": "DEBUG",
        "CDS_SERVICE_URL": AUDIENCE,
        "CDS_TRUSTED_ISSUERS": json.dumps({ISSUER: str(jwks(tmp_path, signing_key))}),
    }
    with Gunicorn(tmp_path, workers=1, **env) as server:
        sent, secrets = requests_to_send(signing_key)
        statuses = [
            server.request("POST", "/v1/recommendations", body, headers)[0]
            for headers, body in sent
        ]
    assert statuses == [200, 200, 401, 200, 401, 401, 422, 422, 200]
    assert_clean(server.logs(), secrets)

"""Without Redis, every gunicorn worker shares one replay cache and one rate-limit budget.

Two gunicorn servers, two workers each, on one SQLite audit database (the embedded
default): a request to the other server is certainly another process, so the test does
not depend on how the kernel spreads connections over one server's workers.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.ops.server import Gunicorn

pytestmark = pytest.mark.slow
ISSUER = "https://ehr.example.org"
SERVICE_URL = "https://cds.example.org"
PROFILE = {"age": 50, "sex": "male"}


@pytest.fixture
def servers(tmp_path):
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", alg="ES384", use="sig")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    env = {
        "CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "CDS_TRUSTED_ISSUERS": json.dumps({ISSUER: str(jwks)}),
        "CDS_SERVICE_URL": SERVICE_URL,
        "CDS_API_KEYS": "shared-limits-key",
        "CDS_RATE_LIMIT": "12 per minute",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        Gunicorn(tmp_path / "a", workers=2, **env) as a,
        Gunicorn(tmp_path / "b", workers=2, **env) as b,
    ):
        yield a, b, key


def token(key, subject: str = "client") -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "aud": SERVICE_URL,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "k1"})


def post(server, headers: dict) -> int:
    status, _, _ = server.request("POST", "/v1/recommendations", PROFILE, headers=headers)
    return status


def test_a_token_replayed_to_another_worker_is_refused(servers):
    a, b, key = servers
    tokens = [token(key, subject=f"replay-{i}") for i in range(5)]
    first = [post(a, {"Authorization": f"Bearer {t}"}) for t in tokens]
    second = [post(b, {"Authorization": f"Bearer {t}"}) for t in tokens]
    assert first == [200] * 5
    assert second == [401] * 5  # already used, on the other server's workers


def test_one_budget_across_workers_and_subjects(servers):
    a, b, key = servers
    # One issuer, a fresh subject per token: still the issuer's one budget of 12.
    codes = [
        post((a, b)[i % 2], {"Authorization": f"Bearer {token(key, f'rot-{i}')}"})
        for i in range(16)
    ]
    assert codes.count(200) == 12 and codes[12:] == [429] * 4
    keyed = [post((a, b)[i % 2], {"X-API-Key": "shared-limits-key"}) for i in range(14)]
    assert keyed == [200] * 12 + [429] * 2  # an API key's budget, shared by both


def test_failed_logins_are_counted_across_workers(servers):
    a, b, _ = servers
    codes = [post((a, b)[i % 2], {"X-API-Key": f"guess-{i}"}) for i in range(15)]
    assert codes == [401] * 12 + [429] * 3

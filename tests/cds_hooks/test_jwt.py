"""service.security.jwt.verify_bearer: what passes and what is refused (one reason each)."""

from __future__ import annotations

import base64
import json
import time

import jwt as pyjwt
import pytest

from service.security.jwt import InvalidToken, MemoryReplayCache, TrustedIssuers, verify_bearer
from tests.cds_hooks.conftest import ISSUER

AUDIENCE = "https://cds.example.org/cds-services/magnesium-back-pain-review"


@pytest.fixture
def verify(jwks_file):
    issuers = TrustedIssuers({ISSUER: jwks_file})
    cache = MemoryReplayCache()

    def run(token: str | None, audience: str = AUDIENCE):
        header = None if token is None else f"Bearer {token}"
        return verify_bearer(header, issuers=issuers, audience=audience, replay_cache=cache)

    return run


def unsigned(claims: dict, header: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


@pytest.mark.parametrize("signer_name", ["rsa_signer", "ec_signer"])
def test_rs384_and_es384_tokens_pass_with_extra_claims(verify, signer_name, request):
    signer = request.getfixturevalue(signer_name)
    claims = verify(signer.token(AUDIENCE, nbf=int(time.time()) - 5))
    assert claims["iss"] == ISSUER and claims["tenant"] == "hospital-1" and claims["sub"]


def test_audience_may_be_a_list(verify, rsa_signer):
    assert verify(rsa_signer.token([AUDIENCE, "https://other.example"]))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "https://cds.example.org/cds-services/other"}, "wrong audience"),
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 420}, "expired"),
        ({"iss": "https://stranger.example"}, "unknown issuer"),
        ({"jti": None}, "no jti"),
        ({"exp": None}, "no exp"),
        ({"iat": None}, "no iat"),
        ({"jti": ""}, "empty jti"),
    ],
)
def test_bad_claims_are_refused(verify, rsa_signer, overrides, reason):
    with pytest.raises(InvalidToken):
        verify(rsa_signer.token(AUDIENCE, **overrides))


def test_unknown_key_id_is_refused(verify, rsa_signer):
    token = pyjwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "jti": "k",
        },
        rsa_signer.private_key,
        algorithm="RS384",
        headers={"kid": "retired-key"},
    )
    with pytest.raises(InvalidToken):
        verify(token)


def test_a_key_not_in_the_jwks_is_refused(verify):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.cds_hooks.conftest import Signer

    impostor = Signer(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS384", "rsa-1"
    )
    with pytest.raises(InvalidToken):
        verify(impostor.token(AUDIENCE))


def test_alg_none_is_refused(verify):
    now = int(time.time())
    token = unsigned(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": "n"},
        {"alg": "none", "typ": "JWT", "kid": "rsa-1"},
    )
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize("algorithm", ["HS256", "HS384"])
def test_hmac_is_refused(verify, algorithm):
    now = int(time.time())
    token = pyjwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": "h"},
        "a-shared-secret-that-is-long-enough-for-hmac-384",
        algorithm=algorithm,
        headers={"kid": "rsa-1"},
    )
    with pytest.raises(InvalidToken):
        verify(token)


def test_rs256_is_refused(verify, rsa_signer):
    now = int(time.time())
    token = pyjwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": "r"},
        rsa_signer.private_key,
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )
    with pytest.raises(InvalidToken):
        verify(token)


def test_a_replayed_jti_is_refused(verify, rsa_signer):
    token = rsa_signer.token(AUDIENCE)
    verify(token)
    with pytest.raises(InvalidToken, match="already used"):
        verify(token)


@pytest.mark.parametrize(
    "header", [None, "", "Basic abc", "Bearer", "Bearer a b", "Bearer not-a-jwt"]
)
def test_missing_or_malformed_headers_are_refused(jwks_file, header):
    with pytest.raises(InvalidToken):
        verify_bearer(
            header, issuers={ISSUER: jwks_file}, audience=AUDIENCE, replay_cache=MemoryReplayCache()
        )


def test_the_error_never_carries_the_token(verify, rsa_signer):
    token = rsa_signer.token("https://elsewhere.example")
    with pytest.raises(InvalidToken) as caught:
        verify(token)
    assert token not in str(caught.value) and token.split(".")[1] not in str(caught.value)


def test_jwks_from_a_url(fhir_server, rsa_signer):
    fhir_server.jwks = {"keys": [rsa_signer.jwk()]}
    issuers = TrustedIssuers({ISSUER: f"{fhir_server.url}/jwks.json"}, timeout_seconds=2)
    cache = MemoryReplayCache()
    assert verify_bearer(
        f"Bearer {rsa_signer.token(AUDIENCE)}",
        issuers=issuers,
        audience=AUDIENCE,
        replay_cache=cache,
    )
    assert verify_bearer(
        f"Bearer {rsa_signer.token(AUDIENCE)}",
        issuers=issuers,
        audience=AUDIENCE,
        replay_cache=cache,
    )
    assert [p for p, _ in fhir_server.seen].count("/jwks.json?") == 1  # fetched once, cached


def test_memory_replay_cache_forgets_expired_entries():
    cache = MemoryReplayCache(max_entries=2)
    assert cache.first_use("a", time.time() - 1)
    assert cache.first_use("a", time.time() + 60)  # the first entry had expired
    assert not cache.first_use("a", time.time() + 60)
    assert cache.first_use("b", time.time() + 60)
    assert not cache.first_use("c", time.time() + 60)  # full of live entries: refuse, never forget


def test_a_token_whose_alg_does_not_fit_the_key_is_refused(verify, ec_signer):
    now = int(time.time())
    # Signed with the EC key but naming the RSA key: the RSA key cannot verify ES384.
    token = pyjwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": "x"},
        ec_signer.private_key,
        algorithm="ES384",
        headers={"kid": "rsa-1"},
    )
    with pytest.raises(InvalidToken):
        verify(token)

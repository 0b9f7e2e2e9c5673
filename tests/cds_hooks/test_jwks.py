"""Key sets with a lifetime, rotation, per-issuer algorithms and `jku` (issue 10 item 3, 12 item 7).

A JWKS server on 127.0.0.1 serves a set the test changes; a clock the test moves stands
in for time, so "after the cache lifetime" needs no sleeping.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Response

from service.security.issuers import parse_issuers
from service.security.jwt import InvalidToken, MemoryReplayCache, TrustedIssuers, verify_bearer
from service.security.startup import ConfigError
from tests.cds_hooks.conftest import ISSUER, Signer
from tests.cds_hooks.hostile_servers import RecordingApp, serve

AUDIENCE = "https://cds.example.org/cds-services/magnesium-back-pain-review"
LIFETIME = 300.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def jwks_server():
    """Serves `app.keys` at /jwks.json (and /other.json); counts the requests."""
    app = RecordingApp(
        lambda request, root: Response(json.dumps({"keys": app.keys}), mimetype="application/json")
    )
    app.keys = []  # type: ignore[attr-defined]
    with serve(app) as url:
        app.url = url  # type: ignore[attr-defined]
        yield app


def new_signer(kid: str, algorithm: str = "RS384") -> Signer:
    return Signer(rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm, kid)


@pytest.fixture(scope="module")
def old_key() -> Signer:
    return new_signer("2026-old")


@pytest.fixture(scope="module")
def new_key() -> Signer:
    return new_signer("2026-new")


def verifier(issuers: dict, clock: Clock | None = None):
    trusted = TrustedIssuers(issuers, cache_seconds=LIFETIME, clock=clock or Clock())
    cache = MemoryReplayCache()

    def verify(token: str):
        return verify_bearer(
            f"Bearer {token}", issuers=trusted, audience=AUDIENCE, replay_cache=cache
        )

    return verify


def test_a_removed_key_is_refused_once_the_cache_lifetime_has_passed(jwks_server, old_key, new_key):
    # Before: PyJWKClient(cache_keys=True) kept every used kid for the life of the process.
    clock = Clock()
    jwks_server.keys = [old_key.jwk(), new_key.jwk()]
    verify = verifier({ISSUER: jwks_server.url + "/jwks.json"}, clock)
    assert verify(old_key.token(AUDIENCE))
    jwks_server.keys = [new_key.jwk()]  # the issuer revokes the old key

    clock.now += LIFETIME - 1  # within the documented lifetime: still the cached set
    assert verify(old_key.token(AUDIENCE))
    clock.now += 2  # past it: the set is fetched again and the key is gone
    with pytest.raises(InvalidToken, match="unknown key id"):
        verify(old_key.token(AUDIENCE))
    assert verify(new_key.token(AUDIENCE))
    assert len(jwks_server.seen) <= 3  # bounded: no fetch per token


def test_a_rotated_key_is_picked_up_on_its_first_use(jwks_server, old_key, new_key):
    # Before: PyJWKClient waited out a 30 s cooldown before fetching the set again.
    clock = Clock()
    jwks_server.keys = [old_key.jwk()]
    verify = verifier({ISSUER: jwks_server.url + "/jwks.json"}, clock)
    assert verify(old_key.token(AUDIENCE))
    jwks_server.keys = [old_key.jwk(), new_key.jwk()]
    clock.now += 1.0  # one second later, not thirty
    assert verify(new_key.token(AUDIENCE))
    assert len(jwks_server.seen) == 2


def test_unknown_kids_do_not_make_a_fetch_each(jwks_server, old_key):
    clock = Clock()
    jwks_server.keys = [old_key.jwk()]
    verify = verifier({ISSUER: jwks_server.url + "/jwks.json"}, clock)
    assert verify(old_key.token(AUDIENCE))
    for i in range(5):  # bounded
        with pytest.raises(InvalidToken):
            verify(new_signer(f"random-{i}").token(AUDIENCE))
    assert len(jwks_server.seen) == 1  # all within the cooldown of the first fetch


def test_a_set_that_cannot_be_fetched_again_is_not_used(jwks_server, old_key):
    clock = Clock()
    jwks_server.keys = [old_key.jwk()]
    verify = verifier({ISSUER: jwks_server.url + "/jwks.json"}, clock)
    assert verify(old_key.token(AUDIENCE))
    jwks_server.keys = "not a key set"  # type: ignore[assignment]
    clock.now += LIFETIME + 1
    with pytest.raises(InvalidToken, match="no usable key set"):
        verify(old_key.token(AUDIENCE))


def rs256_token(signer: Signer) -> str:
    now = int(time.time())
    return pyjwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": str(uuid.uuid4())},
        signer.private_key,
        algorithm="RS256",
        headers={"kid": signer.kid},
    )


def test_rs256_only_for_an_issuer_configured_for_it(jwks_file, rsa_signer):
    jwk = {k: v for k, v in rsa_signer.jwk().items() if k != "alg"}  # the key names no alg
    path = jwks_file.replace("ehr-jwks", "no-alg")
    with open(path, "w") as out:
        json.dump({"keys": [jwk]}, out)
    with pytest.raises(InvalidToken, match="algorithm not allowed"):
        verifier({ISSUER: path})(rs256_token(rsa_signer))
    opted_in = {ISSUER: {"jwks": path, "algorithms": ["RS256", "RS384", "ES384"]}}
    assert verifier(opted_in)(rs256_token(rsa_signer))


def test_a_key_published_for_another_algorithm_is_refused(jwks_file, rsa_signer):
    # The JWK says RS384; the issuer allows RS256 too, but not with this key.
    opted_in = {ISSUER: {"jwks": jwks_file, "algorithms": ["RS256", "RS384"]}}
    with pytest.raises(InvalidToken, match="another algorithm"):
        verifier(opted_in)(rs256_token(rsa_signer))


def jku_token(signer: Signer, jku: str) -> str:
    now = int(time.time())
    return pyjwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": str(uuid.uuid4())},
        signer.private_key,
        algorithm=signer.algorithm,
        headers={"kid": signer.kid, "jku": jku},
    )


def test_a_jku_off_the_allow_list_is_refused_without_a_fetch(jwks_server, jwks_file, new_key):
    jwks_server.keys = [new_key.jwk()]
    verify = verifier({ISSUER: {"jwks": jwks_file, "jku": []}})
    with pytest.raises(InvalidToken, match="jku"):
        verify(jku_token(new_key, jwks_server.url + "/jwks.json"))
    assert jwks_server.seen == []


def test_a_jku_on_the_allow_list_is_honoured(jwks_server, jwks_file, new_key):
    # Allow-listed jku values must be https (checked at start); the local server is http,
    # so the allow-list is built directly here.
    jwks_server.keys = [new_key.jwk()]
    jku = jwks_server.url + "/other.json"
    policy = parse_issuers({ISSUER: {"jwks": jwks_file}})[ISSUER]
    from dataclasses import replace

    issuers = {ISSUER: replace(policy, jku=(jku,))}
    assert verifier(issuers)(jku_token(new_key, jku))
    assert jwks_server.paths == ["/other.json"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"jwks": "/k.json", "colour": "blue"}, "unknown field"),
        ({"jwks": "/k.json", "algorithms": ["HS256"]}, "algorithms"),
        ({"jwks": "/k.json", "algorithms": []}, "algorithms"),
        ({"jwks": "/k.json", "jku": ["http://ehr.example.org/jwks"]}, "jku"),
        ({"jwks": "/k.json", "fhir_servers": ["http://fhir.example.org"]}, "internal"),
        ({"jwks": "/k.json", "fhir_servers": "https://fhir.example.org"}, "list"),
        ({"fhir_servers": []}, "jwks"),
        (42, "JWKS location"),
    ],
)
def test_unusable_issuer_entries_stop_the_start(entry, message):
    with pytest.raises(ConfigError, match=message):
        parse_issuers({ISSUER: entry})


def test_a_bare_jwks_string_is_an_issuer_with_no_fhir_servers():
    policy = parse_issuers({ISSUER: "https://ehr.example.org/jwks.json"})[ISSUER]
    assert (policy.jwks, policy.algorithms, policy.jku, policy.fhir_servers) == (
        "https://ehr.example.org/jwks.json",
        ("ES384", "RS384"),
        (),
        (),
    )


def test_a_jku_that_is_the_configured_jwks_url_is_accepted(jwks_server, new_key):
    # The sandbox sends jku: https://sandbox.cds-hooks.org/.well-known/jwks.json; an issuer
    # configured with that URL as its `jwks` needs no separate `jku` entry.
    jwks_server.keys = [new_key.jwk()]
    url = jwks_server.url + "/jwks.json"
    assert verifier({ISSUER: url})(jku_token(new_key, url))
    with pytest.raises(InvalidToken, match="jku"):
        verifier({ISSUER: url})(jku_token(new_key, jwks_server.url + "/other.json"))

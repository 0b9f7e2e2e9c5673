"""Bearer JWTs signed by the client itself (CDS Hooks 2.0, "Trusting CDS Clients").

    verify_bearer(request.headers.get("Authorization"), issuers=trusted, audience=url,
                  replay_cache=cache) -> claims       # or raises InvalidToken

A token passes only when all of these hold: the `Authorization` header is `Bearer <jwt>`;
the header's `alg` is one the issuer is configured for (ES384 and RS384 by default, RS256
only when listed; never `none`, never HMAC); its `iss` is a trusted issuer and its `kid`
names a key in that issuer's JWK Set (configured; a `jku` header is honoured only when it
is on the issuer's `jku` allow-list, and refused otherwise); the key's own `alg`, when it
states one, is the header's; the signature verifies; `aud` matches; `exp`, `iat` and `jti`
are present, `exp` is in the future, and the `jti` was never seen before. Other claims
(`sub`, `nbf`, `tenant`) are allowed. `InvalidToken` never carries the token, and callers
answer 401 without saying which check failed. Key sets expire (service.security.jwks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jwt

from service.security.issuers import SUPPORTED_ALGORITHMS, IssuerPolicy, parse_issuers
from service.security.jwks import KeySet, KeySetUnavailable
from service.security.replay import MemoryReplayCache, ReplayCache

ALLOWED_ALGORITHMS = SUPPORTED_ALGORITHMS  # per issuer: IssuerPolicy.algorithms
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
LEEWAY_SECONDS = 30  # clock skew between the client and us
MAX_LIFETIME_SECONDS = 3600.0  # exp - iat, by default (CDS_JWT_MAX_LIFETIME_SECONDS)

__all__ = [
    "ALLOWED_ALGORITHMS",
    "InvalidToken",
    "MemoryReplayCache",
    "ReplayCache",
    "TrustedIssuers",
    "verify_bearer",
]


class InvalidToken(Exception):
    """The bearer token is missing or fails a check; the message says which, never the token."""


class TrustedIssuers:
    """Issuer → policy (service.security.issuers) and its JWK Sets, built once per app."""

    def __init__(
        self,
        issuers: Mapping[str, Any],
        *,
        timeout_seconds: float = 3.0,
        cache_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.policies: dict[str, IssuerPolicy] = parse_issuers(issuers)
        self._timeout = timeout_seconds
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._sets: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.policies)

    def __contains__(self, issuer: object) -> bool:
        return issuer in self.policies

    def policy(self, issuer: str) -> IssuerPolicy:
        """The issuer's policy; InvalidToken when it is not trusted."""
        policy = self.policies.get(issuer)
        if policy is None:
            raise InvalidToken("untrusted issuer")
        return policy

    def key(self, issuer: str, kid: str, jku: str | None = None) -> jwt.PyJWK:
        """Return the issuer's key `kid`; InvalidToken when the issuer or the key is unknown."""
        policy = self.policy(issuer)
        source = policy.jwks
        if jku is not None:
            if jku != policy.jwks and jku not in policy.jku:
                raise InvalidToken("jku not on the issuer's allow-list")
            source = jku
        try:
            key = self._key_set(source).key(kid)
        except KeySetUnavailable as error:
            raise InvalidToken(f"no usable key set for the issuer ({error})") from None
        if key is None:
            raise InvalidToken("unknown key id")
        return key

    def _key_set(self, source: str) -> KeySet:
        with self._lock:
            keys = self._sets.get(source)
            if keys is None:
                keys = KeySet(
                    source,
                    lifetime_seconds=self._cache_seconds,
                    timeout_seconds=self._timeout,
                    clock=self._clock,
                )
                self._sets[source] = keys
            return keys


def verify_bearer(
    authorization_header: str | None,
    *,
    issuers: TrustedIssuers | Mapping[str, str],
    audience: str | Sequence[str],
    replay_cache: ReplayCache,
    max_lifetime_seconds: float = MAX_LIFETIME_SECONDS,
) -> dict[str, Any]:
    """Verify the `Authorization: Bearer <jwt>` header and return the token's claims.

    Build `issuers` (a `TrustedIssuers`) and `replay_cache` once per app, not per request:
    both cache state. `audience` may list several accepted values; one must match.
    """
    token = _bearer_token(authorization_header)
    trusted = issuers if isinstance(issuers, TrustedIssuers) else TrustedIssuers(issuers)
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidToken("malformed token") from None
    algorithm = header.get("alg")
    kid, issuer, jku = header.get("kid"), unverified.get("iss"), header.get("jku")
    if not isinstance(kid, str) or not isinstance(issuer, str):
        raise InvalidToken("kid and iss are required")
    if jku is not None and not isinstance(jku, str):
        raise InvalidToken("jku must be a URL")
    if algorithm not in ALLOWED_ALGORITHMS or algorithm not in trusted.policy(issuer).algorithms:
        raise InvalidToken("algorithm not allowed")
    key = trusted.key(issuer, kid, jku)
    if getattr(key, "declared_algorithm", None) not in (None, algorithm):
        raise InvalidToken("the key is for another algorithm")
    audiences = [audience] if isinstance(audience, str) else list(audience)
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            audience=audiences,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except (jwt.PyJWTError, TypeError, ValueError) as error:
        # TypeError: the key's type does not fit `alg` (an EC-signed token naming an RSA key).
        raise InvalidToken(f"token rejected ({type(error).__name__})") from None
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti:
        raise InvalidToken("jti must be a non-empty string")
    _check_lifetime(claims, max_lifetime_seconds)
    if not replay_cache.first_use(f"{issuer}\x00{jti}", float(claims["exp"]) + LEEWAY_SECONDS):
        raise InvalidToken("jti already used")
    return claims


def _check_lifetime(claims: Mapping[str, Any], max_lifetime_seconds: float) -> None:
    """`exp` and `iat` are numbers (PyJWT takes "1700000000" too) and span at most the max.

    A one-time token that lives for days is a standing credential; its jti must also be
    remembered that long.
    """
    for name in ("exp", "iat"):
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise InvalidToken(f"{name} must be a NumericDate (a number)")
    if claims["exp"] - claims["iat"] > max_lifetime_seconds:
        raise InvalidToken("token lifetime over the maximum")
    if claims["exp"] > time.time() + max_lifetime_seconds + LEEWAY_SECONDS:
        raise InvalidToken("token expires further ahead than the maximum lifetime")


def _bearer_token(authorization_header: str | None) -> str:
    scheme, _, token = (authorization_header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise InvalidToken("no bearer token")
    return token

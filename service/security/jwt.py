"""Bearer JWTs signed by the client itself (CDS Hooks 2.0, "Trusting CDS Clients").

    verify_bearer(request.headers.get("Authorization"), issuers=trusted, audience=url,
                  replay_cache=cache) -> claims       # or raises InvalidToken

A token passes only when all of these hold: the `Authorization` header is `Bearer <jwt>`;
the header's `alg` is RS384 or ES384 (never `none`, never HMAC); its `iss` is a trusted
issuer and its `kid` names a key in that issuer's JWK Set (a URL or a file, configured
here: the token's own `jku` is never followed); the signature verifies; `aud` matches;
`exp`, `iat` and `jti` are present, `exp` is in the future, and the `jti` was never seen
before. Other claims (`sub`, `nbf`, `tenant`) are allowed. `InvalidToken` never carries
the token, and callers answer 401 without saying which check failed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jwt

from service.security.replay import MemoryReplayCache, ReplayCache

ALLOWED_ALGORITHMS = ("RS384", "ES384")
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
LEEWAY_SECONDS = 30  # clock skew between the client and us

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
    """Issuer → JWK Set: a URL (fetched, cached) or a JSON file (re-read when it changes)."""

    def __init__(self, issuers: Mapping[str, str], *, timeout_seconds: float = 3.0):
        self._sources = dict(issuers)
        self._timeout = timeout_seconds
        self._clients: dict[str, jwt.PyJWKClient] = {}
        self._files: dict[str, tuple[float, jwt.PyJWKSet]] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._sources)

    def __contains__(self, issuer: object) -> bool:
        return issuer in self._sources

    def key(self, issuer: str, kid: str) -> jwt.PyJWK:
        """Return the issuer's key `kid`; InvalidToken when the issuer or the key is unknown."""
        source = self._sources.get(issuer)
        if source is None:
            raise InvalidToken("untrusted issuer")
        try:
            if source.startswith(("https://", "http://")):
                return self._client(source).get_signing_key(kid)
            for key in self._file_keys(source).keys:
                if key.key_id == kid:
                    return key
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, OSError, ValueError) as error:
            raise InvalidToken(
                f"no usable key set for the issuer ({type(error).__name__})"
            ) from None
        raise InvalidToken("unknown key id")

    def _client(self, url: str) -> jwt.PyJWKClient:
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=self._timeout)
                self._clients[url] = client
            return client

    def _file_keys(self, source: str) -> jwt.PyJWKSet:
        path = Path(source.removeprefix("file://"))
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._files.get(source)
            if cached and cached[0] == mtime:
                return cached[1]
            keys = jwt.PyJWKSet.from_dict(json.loads(path.read_text()))
            self._files[source] = (mtime, keys)
            return keys


def verify_bearer(
    authorization_header: str | None,
    *,
    issuers: TrustedIssuers | Mapping[str, str],
    audience: str | Sequence[str],
    replay_cache: ReplayCache,
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
    if algorithm not in ALLOWED_ALGORITHMS:
        raise InvalidToken("algorithm not allowed")
    kid, issuer = header.get("kid"), unverified.get("iss")
    if not isinstance(kid, str) or not isinstance(issuer, str):
        raise InvalidToken("kid and iss are required")
    key = trusted.key(issuer, kid)
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
    if not replay_cache.first_use(f"{issuer}\x00{jti}", float(claims["exp"]) + LEEWAY_SECONDS):
        raise InvalidToken("jti already used")
    return claims


def _bearer_token(authorization_header: str | None) -> str:
    scheme, _, token = (authorization_header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise InvalidToken("no bearer token")
    return token

"""The one bearer-JWT verifier of the app, shared by the JSON API and the CDS Services.

    verifier = bearer_verifier(app)          # built on first use, then the same object
    claims = verifier.verify(request.headers.get("Authorization"), request.path)

One `TrustedIssuers` (one key cache per JWK Set) and one replay cache serve both
blueprints, whichever `init_app` runs first. The audience comes from CDS_SERVICE_URL
only (required with trusted issuers, service.security.startup), never from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from service.security.jwt import (
    MAX_LIFETIME_SECONDS,
    InvalidToken,
    MemoryReplayCache,
    TrustedIssuers,
    verify_bearer,
)
from service.security.replay import DatabaseReplayCache, ReplayCache
from service.security.startup import require_service_url

EXTENSION = "bearer_verifier"

__all__ = ["BearerVerifier", "InvalidToken", "bearer_verifier"]


@dataclass
class BearerVerifier:
    issuers: TrustedIssuers
    replay: ReplayCache
    service_url: str  # "" only when there are no issuers
    max_lifetime_seconds: float = MAX_LIFETIME_SECONDS  # exp - iat (CDS_JWT_MAX_LIFETIME_SECONDS)

    def __bool__(self) -> bool:
        return bool(self.issuers)

    def audiences(self, path: str) -> list[str]:
        """The accepted `aud` values: the service URL, and the endpoint under it."""
        endpoint = self.service_url + path
        accepted = [self.service_url, self.service_url + "/", endpoint]
        if endpoint.endswith("/feedback"):
            accepted.append(endpoint.removesuffix("/feedback"))  # the service it is about
        return list(dict.fromkeys(accepted))

    def verify(self, authorization_header: str | None, path: str) -> dict[str, Any]:
        """The token's claims; InvalidToken (never holding the token) when it fails."""
        if not self.issuers:
            raise InvalidToken("no trusted issuers")
        return verify_bearer(
            authorization_header,
            issuers=self.issuers,
            audience=self.audiences(path),
            replay_cache=self.replay,
            max_lifetime_seconds=self.max_lifetime_seconds,
        )


def bearer_verifier(app: Flask) -> BearerVerifier:
    """The app's verifier, built once from its config (ConfigError when unusable)."""
    verifier = app.extensions.get(EXTENSION)
    if verifier is None:
        issuers = TrustedIssuers(  # ConfigError when an entry is unusable
            app.config.get("TRUSTED_ISSUERS") or {},
            timeout_seconds=float(app.config.get("FHIR_TIMEOUT_SECONDS", 3.0)),
            cache_seconds=float(app.config.get("JWKS_CACHE_SECONDS", 300.0)),
        )
        service_url = require_service_url(app.config, bool(issuers))
        verifier = BearerVerifier(
            issuers,
            replay_cache(app),
            service_url,
            float(app.config.get("JWT_MAX_LIFETIME_SECONDS", MAX_LIFETIME_SECONDS)),
        )
        app.extensions[EXTENSION] = verifier
    return verifier


def replay_cache(app: Flask) -> ReplayCache:
    """Where the rate limits count: Redis or the audit database (both shared by the
    workers), or memory (per process) when they count there."""
    url = app.config.get("RATELIMIT_STORAGE_URI", "")
    if url.startswith(("redis://", "rediss://")):
        from service.security.redis_replay import RedisReplayCache

        return RedisReplayCache(url)
    if url.startswith("memory://"):
        return MemoryReplayCache()
    return DatabaseReplayCache(app.extensions["audit"])  # audit.init_app runs first

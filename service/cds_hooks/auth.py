"""Who may call the CDS Services: a client with a bearer JWT from a trusted issuer.

With no trusted issuer configured the routes are open (local use), and `init_app` logs a
warning at start. Neither the JWT nor the FHIR access token is ever logged.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request

from service.cds_hooks.errors import CdsHooksError
from service.security.jwt import InvalidToken, MemoryReplayCache, TrustedIssuers, verify_bearer

log = logging.getLogger(__name__)
EXTENSION = "cds_hooks.issuers"
REPLAY_CACHE = "jwt_replay_cache"


def init_app(app: Flask) -> None:
    """Load the trusted issuers; warn when there are none."""
    issuers = TrustedIssuers(
        app.config.get("TRUSTED_ISSUERS") or {},
        timeout_seconds=float(app.config.get("FHIR_TIMEOUT_SECONDS", 3.0)),
    )
    app.extensions[EXTENSION] = issuers
    # Share the JSON API's replay cache (Redis when configured) so a jti is used once in all.
    shared = (app.extensions.get("security") or {}).get("replay")
    app.extensions.setdefault(REPLAY_CACHE, shared or MemoryReplayCache())
    if not issuers:
        log.warning(
            "CDS Hooks: no trusted issuers configured (CDS_TRUSTED_ISSUERS): /cds-services "
            "accepts calls without a JWT. Use this for local work only."
        )


def audiences() -> list[str]:
    """The `aud` values accepted for this request: the endpoint URL, and SERVICE_URL itself."""
    base = (current_app.config.get("SERVICE_URL") or "").rstrip("/")
    endpoint = (base or request.url_root.rstrip("/")) + request.path
    accepted = [endpoint]
    if endpoint.endswith("/feedback"):
        accepted.append(endpoint.removesuffix("/feedback"))  # the service the feedback is about
    if base:
        accepted.append(base)
    return accepted


def authenticate() -> None:
    """Before every CDS Hooks request: 401 unless the bearer JWT verifies (when issuers are set)."""
    issuers: TrustedIssuers = current_app.extensions[EXTENSION]
    if not issuers or request.method == "OPTIONS":  # a CORS preflight carries no token
        return
    try:
        claims = verify_bearer(
            request.headers.get("Authorization"),
            issuers=issuers,
            audience=audiences(),
            replay_cache=current_app.extensions[REPLAY_CACHE],
        )
    except InvalidToken as error:
        log.info("CDS Hooks call rejected: %s", error)  # the reason only, never the token
        raise CdsHooksError(401) from None
    g.caller = str(claims["iss"])[:200]
    g.jwt_tenant = claims.get("tenant")

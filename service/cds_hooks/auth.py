"""Who may call the CDS Services: a client with a bearer JWT from a trusted issuer.

With no trusted issuer the routes are open, which start-up allows only on a loopback
address or with CDS_CDS_HOOKS_OPEN=true (service.security.startup). Every call counts
against its caller's rate-limit budget, like /v1. The FHIR servers a call may name come
from its issuer's `fhir_servers` (CDS_OPEN_FHIR_SERVERS when open). Neither the JWT nor
the FHIR access token is ever logged.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from werkzeug.exceptions import TooManyRequests

from service.cds_hooks.errors import CdsHooksError
from service.cds_hooks.prefetch import FetchPolicy
from service.security.access import caller_key, count_failed_login, count_request
from service.security.bearer import BearerVerifier, InvalidToken, bearer_verifier
from service.security.outbound import FhirBase
from service.security.startup import ConfigError, check_open_cds_hooks

log = logging.getLogger(__name__)
OPEN_BASES = "cds_hooks.open_fhir_servers"


def init_app(app: Flask) -> None:
    """Share the app's verifier; refuse an open /cds-services where it must not be open."""
    verifier = bearer_verifier(app)
    check_open_cds_hooks(app.config, bool(verifier))
    entries = app.config.get("OPEN_FHIR_SERVERS") or []
    if entries and verifier:
        # A setting that cannot be honoured: with issuers, every call names its issuer.
        raise ConfigError(
            "CDS_OPEN_FHIR_SERVERS applies only without CDS_TRUSTED_ISSUERS; list each "
            "issuer's FHIR servers under its `fhir_servers` instead"
        )
    try:
        app.extensions[OPEN_BASES] = tuple(FhirBase.parse(e) for e in entries)
    except ConfigError as error:
        raise ConfigError(f"CDS_OPEN_FHIR_SERVERS: {error}") from None


def authenticate() -> None:
    """Before every CDS Hooks request: 401 unless the bearer JWT verifies; then the budget."""
    if request.method == "OPTIONS":  # a CORS preflight carries no token
        return
    verifier: BearerVerifier = bearer_verifier(current_app)
    if verifier:
        try:
            claims = verifier.verify(request.headers.get("Authorization"), request.path)
        except InvalidToken as error:
            log.info("CDS Hooks call rejected: %s", error)  # the reason only, never the token
            spent = count_failed_login()  # failed logins count against the address
            if spent is not None:
                raise TooManyRequests(
                    "Rate limit exceeded; see Retry-After.", retry_after=spent.retry_after
                ) from None
            raise CdsHooksError(401) from None
        g.issuer = str(claims["iss"])
        g.caller = g.issuer[:200]
        g.jwt_tenant = claims.get("tenant")
        rate_key = f"jwt:{claims['iss']}#{claims.get('sub') or ''}"[:200]
    else:
        rate_key = caller_key()
    window = count_request(rate_key)
    if window is not None and not window.allowed:
        raise TooManyRequests(
            "Rate limit exceeded; see Retry-After.", retry_after=window.retry_after
        )


def fetch_policy() -> FetchPolicy:
    """What this call may fetch: its issuer's FHIR servers, within the configured bounds."""
    verifier = bearer_verifier(current_app)
    issuer = g.get("issuer")
    if verifier and issuer:
        bases = verifier.issuers.policy(issuer).fhir_servers
    else:
        bases = current_app.extensions.get(OPEN_BASES, ())
    config = current_app.config
    return FetchPolicy(
        allowed=tuple(bases),
        deadline_seconds=float(config.get("PREFETCH_DEADLINE_SECONDS", 5.0)),
        max_bytes=int(config.get("PREFETCH_MAX_BYTES", 5_000_000)),
        max_total_bytes=int(config.get("PREFETCH_MAX_TOTAL_BYTES", 20_000_000)),
        max_pages=int(config.get("PREFETCH_MAX_PAGES", 5)),
        timeout_seconds=float(config.get("FHIR_TIMEOUT_SECONDS", 3.0)),
    )

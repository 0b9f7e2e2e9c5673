"""Security: who may call what, and what the service refuses at start-up.

access.py     /v1: API keys and bearer JWTs, rate limits per caller
bearer.py     the app's one bearer-JWT verifier (JSON API and CDS Hooks share it)
jwt.py        verify_bearer: the checks a token must pass
issuers.py    CDS_TRUSTED_ISSUERS: JWK Set, algorithms, jku and FHIR servers per issuer
jwks.py       JWK Sets with a lifetime (a removed key stops working)
outbound.py   fetches from a caller-named server: allow-list, address checks, bounds
startup.py    settings refused at start (ConfigError)
ratelimit.py  one budget per caller; replay.py, redis_replay.py: one use per jti
"""

from __future__ import annotations

import logging

from flask import Flask

from service.security import access
from service.security.access import caller_key, hash_key
from service.security.bearer import bearer_verifier
from service.security.ratelimit import RateLimit

log = logging.getLogger(__name__)

__all__ = ["caller_key", "hash_key", "init_app"]


def init_app(app: Flask) -> None:
    """Protect /v1/*: authenticate, then rate-limit per caller."""
    key_hashes = tuple(
        dict.fromkeys(
            [h.lower() for h in app.config.get("API_KEYS_SHA256", [])]
            + [hash_key(k) for k in app.config.get("API_KEYS", [])]
        )
    )
    verifier = bearer_verifier(app)  # ConfigError stops the start
    is_open = not key_hashes and not verifier
    if is_open:
        log.warning(
            "access control is OFF: no CDS_API_KEYS, CDS_API_KEYS_SHA256 or "
            "CDS_TRUSTED_ISSUERS configured; anyone who can reach /v1 can use it"
        )
    app.extensions[access.EXTENSION] = {
        "open": is_open,
        "key_hashes": key_hashes,
        "verifier": verifier,
    }
    app.before_request(access.authenticate)
    # One budget per caller across the whole API, not one per route; counted after
    # `authenticate` so that it counts per caller, not per address. /cds-services counts
    # in the same budget, after its own authentication (service.cds_hooks.auth).
    enabled = app.config.get("RATELIMIT_ENABLED", True)
    app.extensions["rate_limit"] = (
        RateLimit(
            app.config.get("RATE_LIMIT", "600 per minute"),
            app.config.get("RATELIMIT_STORAGE_URI", "database://"),
            store=app.extensions.get("audit"),  # database://: the audit database
        )
        if enabled
        else None
    )
    app.before_request(access.limit_rate)
    app.after_request(access.add_rate_limit_headers)

"""Access control on the JSON API (/v1/*): API keys and bearer JWTs, rate limits per caller.

- **API keys** are kept only as SHA-256 hashes (CDS_API_KEYS_SHA256; CDS_API_KEYS are
  hashed at start). A client sends `X-API-Key: <key>` or `Authorization: Bearer <key>`.
- **Bearer JWTs** from trusted issuers (CDS_TRUSTED_ISSUERS) are verified by
  `service.security.jwt.verify_bearer`, the same check the CDS Hooks services use.
- **Nothing configured**: the API is open and a warning is logged at start.
- **Rate limits** (Flask-Limiter) count per caller: the key's fingerprint, the token's
  issuer and subject, or the client address when the API is open. Memory storage per
  process by default; CDS_RATE_LIMIT_STORAGE_URL=redis://… shares them between workers.

Failures answer RFC 9457 problems: 401 with `WWW-Authenticate`, 429 with `Retry-After`.
Neither a key nor a token is ever logged; the caller identity is a fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from service.problems import problem
from service.security.jwt import InvalidToken, MemoryReplayCache, TrustedIssuers, verify_bearer

log = logging.getLogger(__name__)
PROTECTED_PREFIX = "/v1/"
REALM = 'Bearer realm="magnesium-cds"'


def hash_key(key: str) -> str:
    """The SHA-256 hex digest an API key is stored as."""
    return hashlib.sha256(key.encode()).hexdigest()


def caller_key() -> str:
    """The rate-limit key: the authenticated caller, else the client address."""
    return g.get("caller") or f"addr:{get_remote_address()}"


def authenticate() -> Response | None:
    """Set `g.caller` for a /v1 request, or answer 401 (runs before the rate limiter)."""
    if not request.path.startswith(PROTECTED_PREFIX) or request.method == "OPTIONS":
        return None
    config = current_app.extensions["security"]
    if config["open"]:
        return None
    caller = _api_key_caller(config["key_hashes"]) or _jwt_caller(config)
    if caller is None:
        return problem(
            401,
            "Unauthorized",
            "Send a valid API key (X-API-Key) or a bearer token from a trusted issuer.",
            headers={"WWW-Authenticate": REALM},
        )
    g.caller = caller
    return None


def _presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and token.count(".") != 2:
        return token  # not a JWT: an API key sent as a bearer token
    return None


def _api_key_caller(key_hashes: tuple[str, ...]) -> str | None:
    key = _presented_key()
    if not key or not key_hashes:
        return None
    digest = hash_key(key)
    # Compare against every stored hash, in constant time each.
    match = [h for h in key_hashes if hmac.compare_digest(h, digest)]
    return f"key:{digest[:12]}" if match else None


def _jwt_caller(config: dict) -> str | None:
    if not config["issuers"]:
        return None
    header = request.headers.get("Authorization")
    if not header:
        return None
    audience = [config["audience"]] if config["audience"] else _request_audiences()
    try:
        claims = verify_bearer(
            header, issuers=config["issuers"], audience=audience, replay_cache=config["replay"]
        )
    except InvalidToken as exc:
        log.info("bearer token rejected: %s", exc)  # the reason only, never the token
        return None
    subject = claims.get("sub") or claims.get("client_id") or ""
    return f"jwt:{claims['iss']}#{subject}"[:200]


def _request_audiences() -> list[str]:
    root = request.url_root
    return [root, root.rstrip("/"), request.base_url]


def rate_limited(error: RateLimitExceeded) -> Response:
    """429 problem with Retry-After (seconds until the window resets)."""
    retry_after = None
    limiter: Limiter = current_app.extensions["limiter_instance"]
    window = limiter.current_limit
    if window is not None:
        retry_after = max(1, math.ceil(window.reset_at - time.time()))
    headers = {"Retry-After": str(retry_after or 1)}
    return problem(
        429,
        "Too Many Requests",
        f"Rate limit exceeded ({error.description}); see Retry-After.",
        headers=headers,
    )


def init_app(app: Flask) -> None:
    """Protect /v1/*: authenticate, then rate-limit per caller."""
    key_hashes = tuple(
        dict.fromkeys(
            [h.lower() for h in app.config.get("API_KEYS_SHA256", [])]
            + [hash_key(k) for k in app.config.get("API_KEYS", [])]
        )
    )
    issuers = TrustedIssuers(
        app.config.get("TRUSTED_ISSUERS") or {},
        timeout_seconds=float(app.config.get("FHIR_TIMEOUT_SECONDS", 3.0)),
    )
    is_open = not key_hashes and not issuers
    if is_open:
        log.warning(
            "access control is OFF: no CDS_API_KEYS, CDS_API_KEYS_SHA256 or "
            "CDS_TRUSTED_ISSUERS configured; anyone who can reach /v1 can use it"
        )
    app.extensions["security"] = {
        "open": is_open,
        "key_hashes": key_hashes,
        "issuers": issuers,
        "audience": app.config.get("SERVICE_URL") or "",
        "replay": _replay_cache(app),
    }
    app.before_request(authenticate)  # before the limiter's, so it counts per caller

    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down: count in memory rather than refuse every request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(
        caller_key,
        app=app,
        # One budget per caller across the whole API, not one per route.
        application_limits=[app.config.get("RATE_LIMIT", "600 per minute")],
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
        strategy="fixed-window",
    )
    limiter.request_filter(lambda: not request.path.startswith(PROTECTED_PREFIX))
    app.extensions["limiter_instance"] = limiter
    app.register_error_handler(RateLimitExceeded, rate_limited)


def _replay_cache(app: Flask):  # noqa: ANN202
    url = app.config.get("RATELIMIT_STORAGE_URI", "")
    if url.startswith(("redis://", "rediss://")):
        from service.security.redis_replay import RedisReplayCache

        return RedisReplayCache(url)
    return MemoryReplayCache()

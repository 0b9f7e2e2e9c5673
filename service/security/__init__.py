"""Access control on the JSON API (/v1/*): API keys and bearer JWTs, rate limits per caller.

- **API keys** are kept only as SHA-256 hashes (CDS_API_KEYS_SHA256; CDS_API_KEYS are
  hashed at start). A client sends `X-API-Key: <key>` or `Authorization: Bearer <key>`.
- **Bearer JWTs** from trusted issuers (CDS_TRUSTED_ISSUERS) are verified by
  `service.security.jwt.verify_bearer`, the same check the CDS Hooks services use.
- **Nothing configured**: the API is open and a warning is logged at start.
- **Rate limits** (`service.security.ratelimit`) count per caller: the key's fingerprint,
  the token's issuer and subject, or the client address when the API is open. Memory
  storage per process by default; CDS_RATE_LIMIT_STORAGE_URL=redis://… shares them
  between workers.

Failures answer RFC 9457 problems: 401 with `WWW-Authenticate`, 429 with `Retry-After`.
Neither a key nor a token is ever logged; the caller identity is a fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Flask, Response, current_app, g, request

from service.problems import problem
from service.security.jwt import InvalidToken, MemoryReplayCache, TrustedIssuers, verify_bearer
from service.security.ratelimit import RateLimit

log = logging.getLogger(__name__)
PROTECTED_PREFIX = "/v1/"
REALM = 'Bearer realm="magnesium-cds"'


def hash_key(key: str) -> str:
    """The SHA-256 hex digest an API key is stored as."""
    return hashlib.sha256(key.encode()).hexdigest()


def caller_key() -> str:
    """The rate-limit key: the authenticated caller, else the client address."""
    return g.get("caller") or f"addr:{request.remote_addr or '127.0.0.1'}"


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


def limit_rate() -> Response | None:
    """Count the request against its caller's budget (after `authenticate`); 429 when spent."""
    limit: RateLimit | None = current_app.extensions["rate_limit"]
    if limit is None or not request.path.startswith(PROTECTED_PREFIX):
        return None
    if request.method == "OPTIONS":
        return None
    window = limit.hit(caller_key())
    g.rate_limit_window = window
    if window.allowed:
        return None
    return problem(
        429,
        "Too Many Requests",
        f"Rate limit exceeded ({limit.item}); see Retry-After.",
        headers={"Retry-After": str(window.retry_after)},
    )


def add_rate_limit_headers(response: Response) -> Response:
    """X-RateLimit-Limit, -Remaining and -Reset on every counted response."""
    window = g.get("rate_limit_window")
    if window is not None:
        response.headers.update(window.headers())
    return response


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
    app.before_request(authenticate)
    # One budget per caller across the whole API, not one per route; counted after
    # `authenticate` so that it counts per caller, not per address.
    enabled = app.config.get("RATELIMIT_ENABLED", True)
    app.extensions["rate_limit"] = (
        RateLimit(
            app.config.get("RATE_LIMIT", "600 per minute"),
            app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
        )
        if enabled
        else None
    )
    app.before_request(limit_rate)
    app.after_request(add_rate_limit_headers)


def _replay_cache(app: Flask):  # noqa: ANN202
    url = app.config.get("RATELIMIT_STORAGE_URI", "")
    if url.startswith(("redis://", "rediss://")):
        from service.security.redis_replay import RedisReplayCache

        return RedisReplayCache(url)
    return MemoryReplayCache()

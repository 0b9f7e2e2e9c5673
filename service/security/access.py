"""Access control on the JSON API (/v1/*): API keys and bearer JWTs, rate limits per caller.

- **API keys** are kept only as SHA-256 hashes (CDS_API_KEYS_SHA256; CDS_API_KEYS are
  hashed at start). A client sends `X-API-Key: <key>` or `Authorization: Bearer <key>`.
- **Bearer JWTs** from trusted issuers (CDS_TRUSTED_ISSUERS) are verified by the app's
  one `BearerVerifier` (service.security.bearer), the one the CDS Hooks services use.
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

from flask import Response, current_app, g, request

from service.problems import problem
from service.security.bearer import BearerVerifier, InvalidToken
from service.security.ratelimit import RateLimit, Window, budget_key

log = logging.getLogger(__name__)
PROTECTED_PREFIX = "/v1/"
REALM = 'Bearer realm="magnesium-cds"'
EXTENSION = "security"


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
    config = current_app.extensions[EXTENSION]
    if config["open"]:
        return None
    caller = _api_key_caller(config["key_hashes"]) or _jwt_caller(config["verifier"])
    if caller is None:
        refused = count_failed_login()
        if refused is not None:
            return _too_many(refused)
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


def _jwt_caller(verifier: BearerVerifier) -> str | None:
    if not verifier:
        return None
    header = request.headers.get("Authorization")
    if not header:
        return None
    try:
        claims = verifier.verify(header, request.path)
    except InvalidToken as exc:
        log.info("bearer token rejected: %s", exc)  # the reason only, never the token
        return None
    subject = claims.get("sub") or claims.get("client_id") or ""
    return f"jwt:{claims['iss']}#{subject}"[:200]


def count_request(key: str) -> Window | None:
    """Count one request against `key`'s budget (None when limits are off); sets the headers.

    A JWT caller's key (jwt:<issuer>#<subject>) counts against its issuer's budget unless
    CDS_RATE_LIMIT_SUBJECTS gives that subject its own (service.security.ratelimit).
    """
    limit: RateLimit | None = current_app.extensions["rate_limit"]
    if limit is None:
        return None
    key = budget_key(key, current_app.config.get("RATE_LIMIT_SUBJECTS") or ())
    window = limit.hit(key)
    g.rate_limit_window = window
    return window


def count_failed_login() -> Window | None:
    """Count a refused credential against the client address; the window when it is spent.

    Guessing keys or replaying tokens thus runs into 429 like any other request.
    """
    window = count_request(f"addr:{request.remote_addr or '127.0.0.1'}")
    return window if window is not None and not window.allowed else None


def _too_many(window: Window) -> Response:
    limit: RateLimit = current_app.extensions["rate_limit"]
    return problem(
        429,
        "Too Many Requests",
        f"Rate limit exceeded ({limit.item}); see Retry-After.",
        headers={"Retry-After": str(window.retry_after)},
    )


def limit_rate() -> Response | None:
    """Count the request against its caller's budget (after `authenticate`); 429 when spent."""
    if not request.path.startswith(PROTECTED_PREFIX) or request.method == "OPTIONS":
        return None
    window = count_request(caller_key())
    if window is None or window.allowed:
        return None
    return _too_many(window)


def add_rate_limit_headers(response: Response) -> Response:
    """X-RateLimit-Limit, -Remaining and -Reset on every counted response."""
    window = g.get("rate_limit_window")
    if window is not None:
        response.headers.update(window.headers())
    return response

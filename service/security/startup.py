"""What the service refuses at start-up: a setting that cannot be honoured stops it.

- Trusted issuers without CDS_SERVICE_URL: the JWT audience would have to come from the
  request's Host header, which a caller chooses.
- /cds-services open (no trusted issuer) on an address other than loopback, unless
  CDS_CDS_HOOKS_OPEN=true says so; then it is logged loudly at every start.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A setting the service cannot honour safely; the message says which and what to do."""


def require_service_url(config: Mapping[str, Any], has_issuers: bool) -> str:
    """CDS_SERVICE_URL, required (an absolute http(s) URL) when trusted issuers are set."""
    url = str(config.get("SERVICE_URL") or "").strip()
    if has_issuers and not url.startswith(("https://", "http://")):
        raise ConfigError(
            "CDS_SERVICE_URL is required with CDS_TRUSTED_ISSUERS: it is the audience clients "
            "sign their JWTs for (e.g. https://cds.example.org); without it the audience "
            "would follow the request's Host header"
        )
    return url.rstrip("/")


def bound_to_loopback(bind: str) -> bool:
    """True when every gunicorn bind address is a loopback address (unix sockets are not)."""
    addresses = [a for a in bind.replace(",", " ").split() if a]
    return bool(addresses) and all(_is_loopback(a) for a in addresses)


def _is_loopback(address: str) -> bool:
    if address.startswith(("unix:", "fd://")):
        return False  # a proxy may publish it anywhere
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or "]" in address else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_open_cds_hooks(config: Mapping[str, Any], has_issuers: bool) -> None:
    """Refuse an open /cds-services except on loopback or with CDS_CDS_HOOKS_OPEN=true."""
    if has_issuers:
        return
    bind = str(config.get("BIND") or "")
    if config.get("CDS_HOOKS_OPEN"):
        log.warning(
            "SECURITY: /cds-services is OPEN (CDS_CDS_HOOKS_OPEN=true, no CDS_TRUSTED_ISSUERS): "
            "anyone who can reach %s may call the CDS Services without a JWT",
            bind or "this service",
        )
        return
    if bound_to_loopback(bind):
        log.warning(
            "CDS Hooks: no trusted issuers configured (CDS_TRUSTED_ISSUERS): /cds-services "
            "accepts calls without a JWT on %s (loopback only). Use this for local work only.",
            bind,
        )
        return
    raise ConfigError(
        f"/cds-services would be open on {bind or 'an unknown address'}: set "
        "CDS_TRUSTED_ISSUERS (and CDS_SERVICE_URL), bind to 127.0.0.1, or set "
        "CDS_CDS_HOOKS_OPEN=true to accept unauthenticated CDS Hooks calls on purpose"
    )

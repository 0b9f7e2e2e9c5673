"""CDS_TRUSTED_ISSUERS: who may sign bearer JWTs, with which keys, and what they may ask for.

    {"https://ehr.example.org": {
        "jwks": "https://ehr.example.org/.well-known/jwks.json",   # or a file path
        "fhir_servers": ["https://fhir.example.org/r4",
                         {"url": "http://fhir.internal:8080/fhir", "internal": true}],
        "algorithms": ["ES384", "RS384"],                          # the default; "RS256" opt-in
        "jku": ["https://ehr.example.org/keys/jwks.json"]}}        # jku values honoured

A bare string (`{"https://ehr.example.org": "https://…/jwks.json"}`) is a JWK Set with the
defaults: no FHIR server may be named, so that issuer's clients must prefetch everything.
Anything else (an unknown field, an unsupported algorithm, an unusable URL) stops the
service at start with a message naming the issuer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.security.outbound import FhirBase, Refused, parse_outbound
from service.security.startup import ConfigError

# CDS Hooks 2.0 asks for ES384 or RS384; RS256 only for an issuer configured for it.
SUPPORTED_ALGORITHMS = ("ES384", "RS384", "RS256")
DEFAULT_ALGORITHMS = ("ES384", "RS384")
FIELDS = {"jwks", "fhir_servers", "algorithms", "jku"}


@dataclass(frozen=True)
class IssuerPolicy:
    """One trusted issuer's configuration."""

    issuer: str
    jwks: str
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    jku: tuple[str, ...] = ()
    fhir_servers: tuple[FhirBase, ...] = ()


def parse_issuers(raw: Mapping[str, Any]) -> dict[str, IssuerPolicy]:
    """Read CDS_TRUSTED_ISSUERS (values already IssuerPolicy pass through); ConfigError."""
    if not isinstance(raw, Mapping):
        raise ConfigError("CDS_TRUSTED_ISSUERS must be a JSON object: issuer → configuration")
    return {issuer: _policy(issuer, entry) for issuer, entry in raw.items()}


def _policy(issuer: str, entry: Any) -> IssuerPolicy:
    if isinstance(entry, IssuerPolicy):
        return entry
    if not isinstance(issuer, str) or not issuer:
        raise ConfigError("CDS_TRUSTED_ISSUERS: an issuer must be a non-empty string")
    if isinstance(entry, str):
        entry = {"jwks": entry}
    if not isinstance(entry, Mapping):
        raise ConfigError(f"CDS_TRUSTED_ISSUERS[{issuer!r}] must be a JWKS location or an object")
    unknown = set(entry) - FIELDS
    if unknown:
        raise ConfigError(
            f"CDS_TRUSTED_ISSUERS[{issuer!r}]: unknown field(s) {sorted(unknown)}; "
            f"known: {sorted(FIELDS)}"
        )
    jwks = entry.get("jwks")
    if not isinstance(jwks, str) or not jwks.strip():
        raise ConfigError(f"CDS_TRUSTED_ISSUERS[{issuer!r}]: `jwks` (a URL or a file) is required")
    algorithms = tuple(_strings(issuer, "algorithms", entry.get("algorithms", DEFAULT_ALGORITHMS)))
    bad = [a for a in algorithms if a not in SUPPORTED_ALGORITHMS]
    if bad or not algorithms:
        raise ConfigError(
            f"CDS_TRUSTED_ISSUERS[{issuer!r}]: algorithms must be among {SUPPORTED_ALGORITHMS}"
        )
    jku = tuple(_strings(issuer, "jku", entry.get("jku", [])))
    for url in jku:
        try:
            if parse_outbound(url).scheme != "https":
                raise Refused("not https")
        except Refused as error:
            raise ConfigError(
                f"CDS_TRUSTED_ISSUERS[{issuer!r}]: jku {url!r} is not usable ({error.reason})"
            ) from None
    servers = entry.get("fhir_servers", [])
    if not isinstance(servers, list):
        raise ConfigError(f"CDS_TRUSTED_ISSUERS[{issuer!r}]: fhir_servers must be a list")
    try:
        bases = tuple(FhirBase.parse(s) for s in servers)
    except ConfigError as error:
        raise ConfigError(f"CDS_TRUSTED_ISSUERS[{issuer!r}]: {error}") from None
    return IssuerPolicy(issuer, jwks.strip(), algorithms, jku, bases)


def _strings(issuer: str, name: str, value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"CDS_TRUSTED_ISSUERS[{issuer!r}]: {name} must be a list of strings")
    return list(value)

"""Prefetch: use what the CDS client sent, fetch the missing keys from its FHIR server.

A key the client sent as null (or as an OperationOutcome) means "no data" and is not
fetched again. A key it left out is fetched from `fhirServer` with the `fhirAuthorization`
bearer token; when that cannot be done, the call fails with 412 as the spec says. Every
key is needed: a missing medication list would hide interactions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import requests

MAX_PAGES = 5  # a searchset's `next` links followed at most this often
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z0-9_]+)\s*\}\}")


class PrefetchUnavailable(Exception):
    """Required data was neither prefetched nor retrievable from the FHIR server (412)."""


def resolve(
    templates: Mapping[str, str],
    request: Mapping[str, Any],
    timeout_seconds: float,
) -> dict[str, Any]:
    """Return every template key's value: as prefetched, or fetched from the FHIR server."""
    sent = request.get("prefetch") or {}
    values = {key: sent[key] for key in templates if key in sent}
    missing = {key: t for key, t in templates.items() if key not in sent}
    if not missing:
        return values
    server = request.get("fhirServer")
    if not server:
        raise PrefetchUnavailable(
            "Prefetch keys missing and no fhirServer to fetch them from: "
            + ", ".join(sorted(missing))
        )
    authorization = request.get("fhirAuthorization") or {}
    fetcher = _Fetcher(str(server), authorization.get("access_token"), timeout_seconds)
    queries = {
        key: fill(template, request.get("context") or {}) for key, template in missing.items()
    }
    with ThreadPoolExecutor(max_workers=min(8, len(queries))) as pool:
        fetched = dict(zip(queries, pool.map(fetcher.get, queries.values()), strict=True))
    return values | fetched


def fill(template: str, context: Mapping[str, Any]) -> str:
    """Replace {{context.x}} tokens with the context's primitive values."""

    def value(match: re.Match[str]) -> str:
        item = context.get(match.group(1))
        if not isinstance(item, str | int | float) or isinstance(item, bool) or item == "":
            raise PrefetchUnavailable(f"context.{match.group(1)} is needed to fetch data")
        return str(item)

    return _TOKEN.sub(value, template)


class _Fetcher:
    def __init__(self, server: str, access_token: str | None, timeout_seconds: float):
        parts = urlsplit(server)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        ):
            # Tokens and patient data travel only over TLS (a local test server excepted).
            raise PrefetchUnavailable("fhirServer must be an https URL")
        self.base = server.rstrip("/")
        self.headers = {"Accept": "application/fhir+json"}
        if access_token:
            self.headers["Authorization"] = f"Bearer {access_token}"
        self.timeout = timeout_seconds

    def get(self, query: str) -> Any:
        """Read or search; a read that finds nothing is null, any other failure is 412."""
        is_read = "?" not in query
        body = self._json(f"{self.base}/{query.lstrip('/')}", missing_ok=is_read)
        pages = 1
        while isinstance(body, dict) and body.get("resourceType") == "Bundle" and pages < MAX_PAGES:
            next_url = next(
                (
                    link.get("url")
                    for link in body.get("link") or []
                    if link.get("relation") == "next"
                ),
                None,
            )
            if not next_url or not str(next_url).startswith(self.base + "/"):
                break  # never send the token to another server
            page = self._json(next_url)
            body["entry"] = (body.get("entry") or []) + (page.get("entry") or [])
            body["link"] = page.get("link") or []
            pages += 1
        return body

    def _json(self, url: str, missing_ok: bool = False) -> Any:
        try:
            response = requests.get(
                url, headers=self.headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            raise PrefetchUnavailable(
                f"the FHIR server could not be reached ({type(error).__name__})"
            ) from None
        if response.status_code in (404, 410) and missing_ok:
            return None
        if response.status_code != 200:
            raise PrefetchUnavailable(f"the FHIR server answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise PrefetchUnavailable("the FHIR server did not answer JSON") from None

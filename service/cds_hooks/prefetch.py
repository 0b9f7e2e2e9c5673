"""Prefetch: use what the CDS client sent, fetch the missing keys from its FHIR server.

A key the client sent as null (or as an OperationOutcome) means "no data" and is not
fetched again. A key it left out is fetched from `fhirServer` with the `fhirAuthorization`
bearer token; when that cannot be done, the call fails with 412 naming the key (never
why a socket failed). Every key is needed: a missing medication list would hide
interactions.

Fetches are made only when the request carries both `fhirServer` and `fhirAuthorization`
(CDS Hooks 2.0: both or neither), only to a FHIR base the caller's issuer may name
(`FetchPolicy.allowed`, service.security.outbound for the address checks), within one
wall-clock deadline for the whole call, a byte cap per answer and one for all answers.

Paging: a list the service needs whole (a search without `_count`) follows its `next`
links on the same origin and base path, HAPI's `base?_getpages=…` included, up to
`max_pages` pages. A link that may not be followed, or the page cap, leaves the list
incomplete: `Prefetched.incomplete` says so, and the answer carries the note (the
incomplete-data card). Searches with `_count` ask for the latest few on purpose: their
`next` links are not needed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from urllib3.util import Url

from service.security.outbound import (
    ByteBudget,
    Deadline,
    DeadlineExceeded,
    FhirBase,
    Refused,
    TooLarge,
    allowed_base,
    fetch_json,
    parse_outbound,
)

log = logging.getLogger(__name__)

MAX_PARALLEL_FETCHES = 8
_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z0-9_]+)\s*\}\}")


class PrefetchUnavailable(Exception):
    """Required data was neither prefetched nor retrievable from the FHIR server (412)."""


@dataclass(frozen=True)
class FetchPolicy:
    """Where one call may fetch from, and the bounds on its fetches."""

    allowed: tuple[FhirBase, ...] = ()
    deadline_seconds: float = 5.0
    max_bytes: int = 5_000_000
    max_total_bytes: int = 20_000_000
    max_pages: int = 5
    timeout_seconds: float = 3.0


@dataclass
class Prefetched:
    """Every template key's value, and the lists known to be incomplete (key → why)."""

    values: dict[str, Any]
    incomplete: dict[str, str] = field(default_factory=dict)


def resolve(
    templates: Mapping[str, str], request: Mapping[str, Any], policy: FetchPolicy
) -> Prefetched:
    """Return every template key's value: as prefetched, or fetched from the FHIR server."""
    sent = request.get("prefetch") or {}
    values = {key: sent[key] for key in templates if key in sent}
    missing = {key: t for key, t in templates.items() if key not in sent}
    # Prefetched lists the client paged: their `next` links are read like our own searches.
    continued = {
        key: link
        for key, value in values.items()
        if _wants_all(templates[key]) and (link := _next_link(value)) is not None
    }
    result = Prefetched(values)
    if not missing and not continued:
        return result
    try:
        fetcher = _fetcher(request, policy)
    except PrefetchUnavailable as why:
        if missing:
            raise PrefetchUnavailable(
                f"{why}; prefetch keys missing: {', '.join(sorted(missing))}"
            ) from None
        result.incomplete.update({key: f"more pages not read: {why}" for key in continued})
        return result

    def fetch(key: str) -> tuple[Any, str | None]:
        if key in missing:
            return fetcher.search_or_read(key, fill(missing[key], request.get("context") or {}))
        return fetcher.pages(key, values[key], continued[key])

    keys = list(missing) + list(continued)
    pool = ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_FETCHES, len(keys)))
    try:
        futures = {pool.submit(fetch, key): key for key in keys}
        done, pending = wait(futures, timeout=_left(fetcher.deadline), return_when=FIRST_EXCEPTION)
    finally:
        fetcher.deadline.expire()  # shuts any socket still open: stragglers end now
        pool.shutdown(wait=False, cancel_futures=True)
    errors = {futures[f]: f.exception() for f in done if f.exception() is not None}
    if errors:
        reasons = sorted({_why(e) for e in errors.values()})
        raise PrefetchUnavailable(
            f"could not fetch {', '.join(sorted(errors))} from fhirServer ({'; '.join(reasons)})"
        )
    if pending:
        raise PrefetchUnavailable(
            f"could not fetch {', '.join(sorted(futures[f] for f in pending))} from fhirServer "
            f"(no complete answer within {fetcher.deadline.seconds:g} s)"
        )
    for future, key in futures.items():
        value, incomplete = future.result()
        values[key] = value
        if incomplete:
            result.incomplete[key] = incomplete
    return result


def fill(template: str, context: Mapping[str, Any]) -> str:
    """Replace {{context.x}} tokens with the context's primitive values, percent-encoded."""

    def value(match: re.Match[str]) -> str:
        item = context.get(match.group(1))
        if not isinstance(item, str | int | float) or isinstance(item, bool) or item == "":
            raise PrefetchUnavailable(f"context.{match.group(1)} is needed to fetch data")
        text = str(item)
        if text in (".", ".."):
            # A path segment that URL parsers remove: it would leave the resource path.
            raise PrefetchUnavailable(f"context.{match.group(1)} is not a FHIR id")
        return quote(text, safe="")

    return _TOKEN.sub(value, template)


def _wants_all(template: str) -> bool:
    return "_count=" not in template


def _next_link(value: Any) -> Any:
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        return None
    links = value.get("link")
    if not isinstance(links, list):
        return None
    return next(
        (
            link.get("url")
            for link in links
            if isinstance(link, dict) and link.get("relation") == "next"
        ),
        None,
    )


def _left(deadline: Deadline) -> float:
    try:
        return deadline.remaining()
    except DeadlineExceeded:
        return 0.0


def _why(error: BaseException | None) -> str:
    """What the 412 may say: our own limits and HTTP statuses, never socket errors."""
    if isinstance(error, PrefetchUnavailable):
        return str(error)
    if isinstance(error, DeadlineExceeded):
        return "no complete answer within the deadline"
    if isinstance(error, TooLarge):
        return "an answer was larger than the configured limit"
    if isinstance(error, Refused) and error.status is not None:
        return f"the FHIR server answered HTTP {error.status}"
    return "the FHIR server could not be read"


def _fetcher(request: Mapping[str, Any], policy: FetchPolicy) -> _Fetcher:
    server = request.get("fhirServer")
    if not server:
        raise PrefetchUnavailable("no fhirServer to fetch them from")
    authorization = request.get("fhirAuthorization")
    token = authorization.get("access_token") if isinstance(authorization, Mapping) else None
    if not isinstance(token, str) or not token:
        # CDS Hooks 2.0: fhirServer and fhirAuthorization come together; no anonymous fetch.
        raise PrefetchUnavailable("fhirServer was sent without fhirAuthorization")
    try:
        url = parse_outbound(str(server))
    except Refused:
        raise PrefetchUnavailable("fhirServer is not a usable URL") from None
    base = allowed_base(url, policy.allowed)
    if base is None or url.query is not None:
        raise PrefetchUnavailable("fhirServer is not a FHIR server this client may name")
    return _Fetcher(url, base, token, policy)


class _Fetcher:
    def __init__(self, server: Url, base: FhirBase, access_token: str, policy: FetchPolicy):
        self.server = str(server.url).rstrip("/")
        self.root = FhirBase(self.server, base.internal)  # links must stay under fhirServer
        self.base = base
        self.policy = policy
        self.deadline = Deadline(policy.deadline_seconds)
        self.budget = ByteBudget(policy.max_total_bytes)
        self.headers = {
            "Accept": "application/fhir+json",
            "Authorization": f"Bearer {access_token}",
        }

    def search_or_read(self, key: str, query: str) -> tuple[Any, str | None]:
        """Read or search; a read that finds nothing is null, any other failure raises."""
        is_read = "?" not in query
        body = self._get(f"{self.server}/{query.lstrip('/')}", missing_ok=is_read)
        link = _next_link(body) if _wants_all(query) else None
        if link is None:
            return body, None
        return self.pages(key, body, link, pages_read=1)

    def pages(
        self, key: str, bundle: dict[str, Any], link: Any, pages_read: int = 1
    ) -> tuple[dict[str, Any], str | None]:
        """Follow `next` links into `bundle`; the reason when more pages were left unread."""
        bundle = dict(bundle)
        entries = list(bundle.get("entry") or [])
        while link is not None:
            url = self._followable(link)
            if url is None:
                why = "a next link points outside fhirServer and was not followed"
                break
            if pages_read >= self.policy.max_pages:
                why = f"more than {self.policy.max_pages} pages: the rest were not read"
                break
            page = self._get(url)
            if (
                not isinstance(page, dict)
                or page.get("resourceType") != "Bundle"
                or not isinstance(page.get("entry", []), list)
            ):
                raise PrefetchUnavailable(f"a page of {key} is not a searchset Bundle")
            entries += page.get("entry") or []
            pages_read += 1
            link = _next_link(page)
        else:
            why = None
        bundle["entry"] = entries
        bundle["link"] = [
            lk
            for lk in bundle.get("link") or []
            if not (isinstance(lk, dict) and lk.get("relation") == "next")
        ]
        if why:
            log.info("prefetch %s incomplete: %s", key, why)
        return bundle, why

    def _followable(self, link: Any) -> str | None:
        """The link when it stays on fhirServer's origin and under its path, else None."""
        try:
            url = parse_outbound(str(link))
        except Refused:
            return None
        return str(url.url) if self.root.covers(url) else None

    def _get(self, url: str, missing_ok: bool = False) -> Any:
        parsed = parse_outbound(url)
        if not self.root.covers(parsed):  # a context value may not lead out of the base
            raise PrefetchUnavailable("a query left the fhirServer path")
        try:
            status, body = fetch_json(
                parsed,
                self.headers,
                base=self.base,
                deadline=self.deadline,
                max_bytes=self.policy.max_bytes,
                timeout_seconds=self.policy.timeout_seconds,
                budget=self.budget,
            )
        except Refused as error:
            # Host and reason for the operator; never the query (it holds patient ids).
            log.info("FHIR fetch from %s failed: %s", parsed.host, error.reason)
            raise
        if status in (404, 410) and missing_ok:
            return None
        if status != 200:
            log.info("FHIR fetch from %s answered HTTP %s", parsed.host, status)
            raise Refused("HTTP status", status=status)
        return body

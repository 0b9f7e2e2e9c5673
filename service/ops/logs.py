"""Structured JSON logs with the request id on every line.

What never goes into a log line: a profile or any of its values (medication names
included), a key or a token, a person's name. Log messages name what happened and
carry ids and counts; request bodies and headers other than X-Request-ID are not logged.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Add `request_id` to each record made while a request is being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def json_formatter() -> JsonFormatter:
    """The one log format: a JSON object per line."""
    return JsonFormatter(
        FORMAT,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def configure_logging(level: str) -> None:
    """Send the root logger's records to stderr as JSON (idempotent: once per process)."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    # urllib3 logs each request line at DEBUG, query string included: FHIR searches carry
    # patient ids there. Pinned to WARNING whatever the service's level.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    if any(getattr(h, "_cds", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    handler._cds = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def request_id() -> str:
    """The caller's X-Request-ID when it is a plain token, else a new one."""
    incoming = request.headers.get("X-Request-ID", "")
    # Anything else could forge log lines or smuggle data into them: replace it.
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

"""One error path: RFC 9457 problem details (application/problem+json) for every HTTP error.

CDS Hooks routes render the same errors as FHIR OperationOutcome (their blueprint
registers its own handler); everything else comes here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, InternalServerError

from rules.errors import EvaluationError, ProfileError
from service.audit.spool import SpoolError

log = logging.getLogger(__name__)
PROBLEM_TYPE_BASE = "https://magnesium-cds.example/problems/"


def field_errors(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested messages into [{"field": "a.b[0].c", "message": ...}]."""
    out: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                name = prefix or "(body)"
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(field_errors(value, name))
    elif isinstance(messages, list | tuple):
        for m in messages:
            if isinstance(m, Mapping | list | tuple):
                out.extend(field_errors(m, prefix))
            else:
                out.append({"field": prefix or "(body)", "message": str(m)})
    else:
        out.append({"field": prefix or "(body)", "message": str(messages)})
    return out


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    type_: str = "about:blank",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return an RFC 9457 problem response."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def handle_http_exception(error: HTTPException) -> Response:
    """Render any HTTPException as a problem, keeping its headers (Allow, Retry-After)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    errors = None
    if isinstance(messages, Mapping) and set(messages) <= {"json", "query", "form", "headers"}:
        # webargs nests messages by location; the field path is what a client needs.
        messages = {k: v for loc in messages.values() for k, v in _as_mapping(loc).items()}
    if messages:
        errors = field_errors(messages)
    detail = data.get("message") or error.description
    if status == 422 and errors:
        detail = "The request body failed validation: " + "; ".join(
            f"{e['field']}: {e['message']}" for e in errors[:5]
        )
    headers = dict(data.get("headers") or {})
    for key, value in error.get_headers():
        if key.lower() != "content-type":
            headers[key] = value
    return problem(status, error.name, detail, errors, headers=headers)


def _as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {"(body)": value}


def handle_profile_error(error: ProfileError) -> Response:
    """A profile the knowledge base cannot evaluate: 422 naming the field."""
    return problem(
        422,
        "Unprocessable Content",
        f"The profile cannot be evaluated: {error.message}",
        [{"field": error.field, "message": error.message}],
        type_=PROBLEM_TYPE_BASE + "cannot-evaluate",
    )


def handle_evaluation_error(error: EvaluationError) -> Response:
    """The engine or a rule failed: fail closed with 500, never an empty recommendation."""
    log.error("evaluation failed: %s", error)
    return problem(
        500,
        "Evaluation Failed",
        "The knowledge base could not evaluate this profile; no recommendation was made. "
        "Do not treat this as 'no findings'.",
        type_=PROBLEM_TYPE_BASE + "evaluation-failed",
    )


def handle_unrecorded(error: Exception) -> Response:
    """The audit record could be neither stored nor spooled: no answer without a record."""
    log.error("audit record not kept (%s); the answer is withheld", type(error).__name__)
    return problem(
        500,
        "Evaluation Failed",
        "The evaluation could not be recorded in the audit trail, so no recommendation is "
        "given. Try again; do not treat this as 'no findings'.",
        type_=PROBLEM_TYPE_BASE + "evaluation-failed",
    )


def handle_overflow(error: OverflowError) -> Response:
    """A number too large to compute with (the edges refuse most before they get here)."""
    log.warning("a number overflowed while handling the request")
    return problem(
        422,
        "Unprocessable Content",
        "A number in the request is too large to evaluate.",
        type_=PROBLEM_TYPE_BASE + "number-out-of-range",
    )


def handle_unexpected(error: Exception) -> Response:
    """Anything else: log it (without request data) and answer a generic 500 problem."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the problem-details handlers on `app`."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ProfileError, handle_profile_error)
    app.register_error_handler(EvaluationError, handle_evaluation_error)
    app.register_error_handler(SpoolError, handle_unrecorded)
    app.register_error_handler(OverflowError, handle_overflow)
    app.register_error_handler(Exception, handle_unexpected)

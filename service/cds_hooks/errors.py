"""Errors on CDS Hooks routes as FHIR OperationOutcome resources, with the right status.

400 a body that is not JSON or not a CDS Hooks request
401 no valid bearer JWT (no detail: which check failed is not said)
404 an unknown service or path under /cds-services (405: a method it does not take)
412 required FHIR data neither prefetched nor retrievable
(a record the knowledge base cannot evaluate is a 200 with one card saying why)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, json
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from rules.errors import EvaluationError, ProfileError
from service.cds_hooks.prefetch import PrefetchUnavailable
from service.problems import field_errors

log = logging.getLogger(__name__)

ISSUE_CODE = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    412: "incomplete",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
}


class CdsHooksError(Exception):
    """A CDS Hooks request that is answered with `status` and these issue texts."""

    def __init__(self, status: int, *diagnostics: str, expressions: Iterable[str | None] = ()):
        super().__init__(diagnostics[0] if diagnostics else str(status))
        self.status = status
        self.diagnostics = diagnostics
        self.expressions = list(expressions)


def operation_outcome(
    status: int,
    diagnostics: Iterable[str] = (),
    expressions: Iterable[str | None] = (),
    headers: dict | None = None,
) -> Response:
    """An OperationOutcome response: one issue per diagnostic (one bare issue when none)."""
    code = ISSUE_CODE.get(status, "processing" if status < 500 else "exception")
    paths = list(expressions)
    issues: list[dict[str, Any]] = []
    for i, text in enumerate(diagnostics):
        issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": text}
        if i < len(paths) and paths[i]:
            issue["expression"] = [paths[i]]
        issues.append(issue)
    body = {
        "resourceType": "OperationOutcome",
        "issue": issues or [{"severity": "error", "code": code}],
    }
    response = Response(json.dumps(body), status=status, mimetype="application/fhir+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _cds_error(error: CdsHooksError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return operation_outcome(error.status, error.diagnostics, error.expressions, headers)


def http_error(error: HTTPException) -> Response:
    """An HTTP error (404, 405, ...) as an OperationOutcome."""
    status = error.code or 500
    if status == 401:
        return operation_outcome(401, headers={"WWW-Authenticate": "Bearer"})
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return operation_outcome(status, [error.description or error.name], headers=headers)


def _prefetch_unavailable(error: PrefetchUnavailable) -> Response:
    return operation_outcome(412, [f"Required FHIR data is unavailable: {error}"])


def _validation_error(error: ValidationError) -> Response:
    errors = field_errors(error.messages)
    return operation_outcome(
        422,
        [f"The record cannot be evaluated: {e['field']}: {e['message']}" for e in errors],
        [e["field"] for e in errors],
    )


def _profile_error(error: ProfileError) -> Response:
    return operation_outcome(
        422, [f"The record cannot be evaluated: {error.message}"], [error.field]
    )


def _evaluation_error(error: EvaluationError) -> Response:
    log.error("CDS Hooks evaluation failed: %s", type(error).__name__)
    return operation_outcome(
        500,
        [
            "The knowledge base could not evaluate this patient; no "
            "cards were made. Do not read this as 'nothing to say'."
        ],
    )


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_error(error)
    log.exception("unhandled error on a CDS Hooks route")
    return http_error(InternalServerError())


def register(blueprint: Blueprint) -> None:
    """Answer every error raised on `blueprint`'s routes with an OperationOutcome."""
    blueprint.register_error_handler(CdsHooksError, _cds_error)
    blueprint.register_error_handler(PrefetchUnavailable, _prefetch_unavailable)
    blueprint.register_error_handler(ValidationError, _validation_error)
    blueprint.register_error_handler(ProfileError, _profile_error)
    blueprint.register_error_handler(EvaluationError, _evaluation_error)
    blueprint.register_error_handler(HTTPException, http_error)
    blueprint.register_error_handler(Exception, _unexpected)

"""GET / shows the form; POST / shows the recommendation above the form, values kept."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from marshmallow import ValidationError

from rules.errors import EvaluationError, ProfileError
from service.evaluation import evaluate_profile, knowledge_base
from service.schemas import PROFILE_SCHEMA, dump_recommendation
from service.schemas.profile import MAX_PRODUCTS
from service.web import present, vocabulary
from service.web.form import (
    FieldError,
    FormState,
    choice_label,
    choices,
    errors_by_name,
    field_id,
    map_error,
    map_errors,
    to_profile_data,
)

log = logging.getLogger(__name__)
csrf = CSRFProtect()
bp = Blueprint(
    "web",
    __name__,
    url_prefix="/",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

# No inline script or style anywhere on these pages; the Swagger page (/docs) keeps its own.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@bp.after_request
def add_security_headers(response: Response) -> Response:
    """Set the page's security headers; never cache a page that may hold patient data."""
    for key, value in SECURITY_HEADERS.items():
        response.headers[key] = value
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def show_form():
    """The empty form."""
    return render_page(FormState.initial())


@bp.post("/")
def submit_form():
    """Validate with the API's schema, evaluate, and show the result above the form."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # raises CSRFError (400), handled below
    state = FormState.from_form(request.form)
    data, paths = to_profile_data(state)
    try:
        profile = PROFILE_SCHEMA.load(data)
    except ValidationError as err:
        return render_page(state, errors=map_errors(err.messages, paths)), 422
    try:
        recommendation = evaluate_profile(profile, "form", caller=g.get("caller"))
    except ProfileError as err:
        return render_page(state, errors=map_error(err.field, err.message, paths)), 422
    return render_page(state, result=dump_recommendation(recommendation))


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """An expired or forged form: evaluate nothing, show the entries again with a fresh token."""
    log.info("web form rejected: %s", error.description)
    notice = (
        "This form had expired or did not come from this page, so nothing was evaluated. "
        "Check the values below and submit again."
    )
    return render_page(FormState.from_form(request.form), notice=notice), 400


@bp.errorhandler(EvaluationError)
def evaluation_failed(error: EvaluationError):
    """Fail closed: say plainly that no recommendation was made."""
    log.error("evaluation failed: %s", error)
    notice = (
        "The knowledge base could not evaluate this patient, so no recommendation was made. "
        "Do not read this as “no findings”. Try again; if it happens again, decide without "
        "this tool and report the problem."
    )
    return render_page(FormState.from_form(request.form), notice=notice, failed=True), 500


def render_page(
    state: FormState,
    errors: list[FieldError] | None = None,
    result: dict[str, Any] | None = None,
    notice: str | None = None,
    failed: bool = False,
) -> str:
    """Render the one page: notice, result (if any), then the form."""
    errors = errors or []
    return render_template(
        "web/index.html",
        f=state,
        errors=errors,
        field_errors=errors_by_name(errors),
        result=result,
        chart=present.chart(result["intake"]) if result else None,
        notice=notice,
        failed=failed,
        kb_version=knowledge_base().version,
        printed_on=datetime.now(UTC).strftime("%d %B %Y"),
        max_products=MAX_PRODUCTS,
    )


@bp.context_processor
def page_helpers() -> dict[str, Any]:
    """Helpers the templates use (this blueprint's templates only)."""
    return {
        "choices": web_choices,
        "field_id": field_id,
        "vocabulary": vocabulary,
        "present": present,
        "num": present.num,
    }


def web_choices(path: str) -> list[tuple[str, str]]:
    """(value, label) pairs for the schema's allowed values at `path`."""
    return [(c, choice_label(c)) for c in choices(path)]

"""HL7 CDS Hooks 2.0: discovery, patient-view and order services, feedback.

services.py      the services and their prefetch templates (discovery is this data)
views.py         the routes
auth.py          bearer JWTs (the app's one verifier), rate limit, FHIR servers allowed
prefetch.py      prefetched data, or fetched (bounded, paged) from an allowed FHIR server
schemas.py       the hook request and feedback bodies (marshmallow)
fhir/            FHIR R4 → the profile, one reader per resource kind; notes for the rest
fhir_mapping.py  the FHIR reading's entry point, kept for existing imports
cards.py         the recommendation → cards
suggestions.py   suggested changes to the draft orders (order hooks)
feedback.py      feedback into the audit store
errors.py        OperationOutcome for every error on these routes
"""

from typing import Any

from flask import Flask, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from service import problems
from service.cds_hooks import auth, errors
from service.cds_hooks.fhir import units

PREFIX = "/cds-services"


def init_app(app: Flask) -> None:
    """Register the CDS Hooks blueprint, its JWT check and CORS for the configured origins."""
    from service.cds_hooks.views import blp

    auth.init_app(app)
    units.warm()  # once per process; with gunicorn's preload, before the workers fork
    app.wsgi_app = TrailingSlash(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(blp)
    # Routing errors (404, 405) happen before a blueprint is chosen: answer them as
    # OperationOutcome on the CDS Hooks paths, as problem details elsewhere.
    app.register_error_handler(HTTPException, _routing_error)
    origins = list(app.config.get("CORS_ORIGINS") or [])
    if origins:
        CORS(
            app,
            resources={r"/cds-services(/.*)?": {"origins": origins}},
            allow_headers=["Authorization", "Content-Type"],
            methods=["GET", "POST", "OPTIONS"],
            max_age=600,
        )


def _routing_error(error: HTTPException):
    """OperationOutcome for errors on /cds-services paths; problem details elsewhere."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return errors.http_error(error)
    return problems.handle_http_exception(error)


class TrailingSlash:
    """Serve '/cds-services/x/' as '/cds-services/x' (some clients add the slash).

    Rewritten before routing, so the routes, the JWT audience (auth.audiences) and the
    audit see one spelling of each endpoint.
    """

    def __init__(self, wsgi_app: Any):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX + "/") and path.endswith("/"):
            environ["PATH_INFO"] = path.rstrip("/")
        return self.wsgi_app(environ, start_response)

"""HL7 CDS Hooks 2.0: discovery, patient-view and order services, feedback.

services.py      the services and their prefetch templates (discovery is this data)
views.py         the routes
auth.py          bearer JWTs (the app's one verifier), rate limit, FHIR servers allowed
prefetch.py      prefetched data, or fetched (bounded, paged) from an allowed FHIR server
fhir_mapping.py  FHIR R4 → the profile; what could not be used is noted
cards.py         the recommendation → cards and suggestions
feedback.py      feedback into the audit store
errors.py        OperationOutcome for every error on these routes
"""

from flask import Flask
from flask_cors import CORS

from service.cds_hooks import auth


def init_app(app: Flask) -> None:
    """Register the CDS Hooks blueprint, its JWT check and CORS for the configured origins."""
    from service.cds_hooks.views import blp

    auth.init_app(app)
    app.register_blueprint(blp)
    origins = list(app.config.get("CORS_ORIGINS") or [])
    if origins:
        CORS(
            app,
            resources={r"/cds-services(/.*)?": {"origins": origins}},
            allow_headers=["Authorization", "Content-Type"],
            methods=["GET", "POST", "OPTIONS"],
            max_age=600,
        )

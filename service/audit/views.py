"""GET /v1/evaluations/{id}: the audit record of one evaluation, for an authorised caller."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

blp = Blueprint(
    "evaluations",
    __name__,
    url_prefix="/v1",
    description="The audit trail: what was recommended, when, to whom, from which inputs.",
)


class EvaluationRecordSchema(Schema):
    id = fields.String(metadata={"description": "The evaluation id a recommendation carries"})
    created_at = fields.String(metadata={"description": "ISO 8601, UTC"})
    interface = fields.String(metadata={"description": "api, cds-hooks, form or cli"})
    caller = fields.String(allow_none=True, metadata={"description": "Who asked (key or token)"})
    kb_version = fields.String()
    disposition = fields.String()
    finding_codes = fields.List(fields.String())
    profile_hash = fields.String(metadata={"description": "SHA-256 of the profile"})
    profile = fields.Dict(
        allow_none=True, metadata={"description": "Only when CDS_STORE_RAW_PROFILES is set"}
    )
    audit_state = fields.String(
        metadata={"description": "stored, or spooled (database down; written when it is back)"}
    )


@blp.route("/evaluations/<string:evaluation_id>")
class EvaluationRecord(MethodView):
    @blp.response(200, EvaluationRecordSchema)
    @blp.alt_response(401, description="No or invalid credentials")
    @blp.alt_response(404, description="No evaluation with that id")
    @blp.alt_response(503, description="The audit database is unavailable")
    def get(self, evaluation_id: str):
        """Return the audit record of one evaluation."""
        from service.audit.durable import is_unavailable

        store = current_app.extensions["audit"]
        try:
            row = store.get_evaluation(evaluation_id)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            abort(503, message="The audit database is unavailable; try again shortly.",
                  headers={"Retry-After": "5"})
        if row is None:
            abort(404, message="No evaluation with that id.")
        return row

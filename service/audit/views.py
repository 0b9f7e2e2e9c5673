"""GET /v1/evaluations/{id}: the audit record of one evaluation, for its own caller.

A caller reads only the evaluations it made (another caller's id answers 404, the same as
an id never issued, so ids cannot be probed). A caller named in CDS_AUDIT_READERS holds
the audit role and reads every record. The raw profile (CDS_STORE_RAW_PROFILES) never
leaves through the API: it stays in the database for those with database access.
"""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

blp = Blueprint(
    "evaluations",
    __name__,
    url_prefix="/v1",
    description="The audit trail: what was recommended, when, to whom, from which inputs.",
)

NOT_FOUND = "No evaluation with that id (or it was made by another caller)."


class EvaluationRecordSchema(Schema):
    id = fields.String(metadata={"description": "The evaluation id a recommendation carries"})
    created_at = fields.String(metadata={"description": "ISO 8601, UTC"})
    interface = fields.String(metadata={"description": "api, cds-hooks, form or cli"})
    caller = fields.String(allow_none=True, metadata={"description": "Who asked (key or token)"})
    kb_version = fields.String()
    disposition = fields.String()
    finding_codes = fields.List(fields.String())
    profile_hash = fields.String(metadata={"description": "A keyed hash of the profile"})
    profile_hash_scheme = fields.String(
        allow_none=True,
        metadata={"description": "hmac-sha256; null on old rows: an unkeyed SHA-256"},
    )
    audit_state = fields.String(
        metadata={"description": "stored, or spooled (database down; written when it is back)"}
    )


def may_read(record_caller: str | None) -> bool:
    """True when this request's caller made the record or holds the audit role."""
    caller = g.get("caller")
    if caller is not None and caller in current_app.config.get("AUDIT_READERS", ()):
        return True
    return record_caller == caller


@blp.route("/evaluations/<string:evaluation_id>")
class EvaluationRecord(MethodView):
    @blp.response(200, EvaluationRecordSchema)
    @blp.alt_response(401, description="No or invalid credentials")
    @blp.alt_response(404, description="No evaluation with that id made by this caller")
    @blp.alt_response(503, description="The audit database is unavailable")
    def get(self, evaluation_id: str):
        """Return the audit record of one evaluation this caller made."""
        from service.audit.durable import is_unavailable

        store = current_app.extensions["audit"]
        try:
            row = store.get_evaluation(evaluation_id)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            abort(
                503,
                message="The audit database is unavailable; try again shortly.",
                headers={"Retry-After": "5"},
            )
        if row is None or not may_read(row.get("caller")):
            abort(404, message=NOT_FOUND)
        row.pop("profile", None)  # never through the API, whoever asks
        return row

"""GET /v1/reports/feedback: override rates per finding and rule version (audit role only)."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from service.evaluation import knowledge_base
from service.reports.access import require_audit_role
from service.reports.feedback import feedback_report, markdown

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/v1/reports",
    description="Operations reports from the audit trail (audit role only).",
)


class FeedbackQuerySchema(Schema):
    since = fields.Date(metadata={"description": "Cards issued on or after this date (UTC)"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "markdown"]))


@blp.route("/feedback")
class FeedbackReport(MethodView):
    @blp.arguments(FeedbackQuerySchema, location="query")
    @blp.alt_response(200, description="The report: JSON, or Markdown with format=markdown")
    @blp.alt_response(401, description="No or invalid credentials")
    @blp.alt_response(403, description="The caller does not hold the audit role")
    @blp.alt_response(422, description="A query parameter is invalid (e.g. since)")
    @blp.alt_response(503, description="The audit database is unavailable")
    def get(self, query: dict):
        """Cards issued, accepted and overridden per finding code and rule version."""
        refused = require_audit_role()
        if refused is not None:
            return refused
        from service.audit.durable import is_unavailable

        kb = knowledge_base()
        try:
            report = feedback_report(
                current_app.extensions["audit"].engine,
                kb_version=kb.version,
                rules=kb.rules.values(),
                since=query.get("since"),
                threshold=float(current_app.config.get("OVERRIDE_RATE_THRESHOLD", 0.5)),
                min_responses=int(current_app.config.get("OVERRIDE_MIN_RESPONSES", 5)),
            )
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            abort(
                503,
                message="The audit database is unavailable; try again shortly.",
                headers={"Retry-After": "5"},
            )
        if query["format"] == "markdown":
            return Response(markdown(report), mimetype="text/markdown")
        return current_app.json.response(report)

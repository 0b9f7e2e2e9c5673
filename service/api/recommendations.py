"""POST /v1/recommendations and GET /v1/knowledge-base."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from rules import Profile
from service.api.parser import StrictJSONParser
from service.evaluation import evaluate_profile, knowledge_base
from service.governance.catalog import catalog_entries
from service.schemas import (
    PROFILE_SCHEMA,
    KnowledgeBaseSchema,
    RecommendationSchema,
    dump_recommendation,
)


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = StrictJSONParser()


blp = _Blueprint(
    "recommendations",
    __name__,
    url_prefix="/v1",
    description="Magnesium recommendations for patients with back pain.",
)


@blp.route("/recommendations")
class Recommendations(MethodView):
    @blp.arguments(PROFILE_SCHEMA, location="json")
    @blp.response(200, RecommendationSchema)
    @blp.alt_response(400, description="The body is not valid JSON")
    @blp.alt_response(415, description="The body is not JSON")
    @blp.alt_response(422, description="A field is invalid; `errors` names each one")
    def post(self, profile: Profile):
        """Evaluate a patient profile and return an explained recommendation."""
        recommendation = evaluate_profile(profile, "api", caller=g.get("caller"))
        # Dumped by the compiled schema (the same JSON as RecommendationSchema, which
        # still documents the response); a Response passes flask-smorest unchanged.
        return current_app.json.response(dump_recommendation(recommendation))


@blp.route("/knowledge-base")
class KnowledgeBaseView(MethodView):
    @blp.response(200, KnowledgeBaseSchema)
    def get(self):
        """Return the knowledge base version and its rule catalog."""
        kb = knowledge_base()
        return {"version": kb.version, "rules": catalog_entries(kb)}

"""Schemas at the edge: one module per resource."""

from service.schemas.profile import PROFILE_SCHEMA, ProfileSchema
from service.schemas.recommendation import (
    KnowledgeBaseSchema,
    ProblemSchema,
    RecommendationSchema,
    dump_recommendation,
)

__all__ = [
    "PROFILE_SCHEMA",
    "KnowledgeBaseSchema",
    "ProblemSchema",
    "ProfileSchema",
    "RecommendationSchema",
    "dump_recommendation",
]

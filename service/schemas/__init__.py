"""Schemas at the edge: one module per resource."""

from service.schemas.profile import ProfileSchema
from service.schemas.recommendation import (
    KnowledgeBaseSchema,
    ProblemSchema,
    RecommendationSchema,
    dump_recommendation,
)

__all__ = [
    "KnowledgeBaseSchema",
    "ProblemSchema",
    "ProfileSchema",
    "RecommendationSchema",
    "dump_recommendation",
]

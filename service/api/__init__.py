"""The plain JSON API, /v1."""

from service.api.recommendations import blp

__all__ = ["blp"]

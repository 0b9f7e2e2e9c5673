"""Access control: bearer JWTs and API keys, rate limits."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Protect the JSON API (to be built: issue 5)."""

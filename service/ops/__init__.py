"""Operations: liveness, readiness, metrics, structured logs with a request id."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the operations blueprint (to be built: issue 5)."""

"""The clinician's web form, served at /."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the web form blueprint (to be built: issue 4)."""

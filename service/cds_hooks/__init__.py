"""HL7 CDS Hooks 2.0: discovery, patient-view and order-select services, feedback."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the CDS Hooks blueprint (to be built: issue 3)."""

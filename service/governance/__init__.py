"""Clinical governance at the edge: knowledge-base diff, FHIR export, catalog, feedback report."""

from __future__ import annotations

import logging

from flask import Flask

from rules.governance.fingerprint import UNRELEASED

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Say so at start when the knowledge base is not a recorded release."""
    kb = app.extensions.get("knowledge_base")
    version = getattr(kb, "version", "")
    if UNRELEASED in version:
        log.warning(
            "knowledge base %s is not a recorded release: its rules differ from "
            "rules/data/versions.json (run `magnesium-cds kb versions`)",
            version,
        )

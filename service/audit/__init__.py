"""The audit trail: every evaluation and every CDS Hooks feedback item, kept durably."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from flask import Flask, current_app

from service.audit.store import AuditStore
from service.evaluation import EvaluationEvent, add_hook


def audit_store() -> AuditStore:
    """Return the app's audit store."""
    return current_app.extensions["audit"]


def evaluation_row(event: EvaluationEvent, store_raw: bool) -> dict:
    """The audit row for one evaluation (no raw patient data unless asked for)."""
    rec = event.recommendation
    return {
        "id": rec.evaluation_id,
        "created_at": datetime.now(UTC),
        "interface": event.interface,
        "caller": event.caller,
        "kb_version": rec.knowledge_base.version,
        "disposition": rec.disposition,
        "finding_codes": [f.code for f in rec.findings],
        "profile_hash": event.profile_hash,
        "profile": _profile_json(event) if store_raw else None,
    }


def _profile_json(event: EvaluationEvent) -> dict:
    def fix(value):  # noqa: ANN001, ANN202
        if isinstance(value, frozenset):
            return sorted(value)
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [fix(v) for v in value]
        return value

    return fix(asdict(event.profile))


def init_app(app: Flask) -> None:
    """Open the store, make sure its tables exist, and audit every evaluation."""
    store = AuditStore.from_url(app.config["DATABASE_URL"])
    store.create_schema()
    app.extensions["audit"] = store
    store_raw = bool(app.config.get("STORE_RAW_PROFILES"))
    add_hook(app, lambda event: store.record_evaluation(evaluation_row(event, store_raw)))

"""The audit trail: every evaluation and every CDS Hooks feedback item, kept durably.

`audit_store()` is a `DurableAuditStore`: the `AuditStore` API, with writes the database
refuses spooled locally and replayed exactly once (service/audit/spool.py says how).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app

from service import hooks
from service.audit import migrate
from service.audit.durable import DurableAuditStore, is_unavailable
from service.audit.spool import Spool
from service.audit.store import AuditStore, Timeouts, engine_for
from service.audit.views import blp
from service.evaluation import HASH_SCHEME, EvaluationEvent, add_hook, profile_as_plain

__all__ = ["AuditStore", "DurableAuditStore", "audit_store", "blp", "evaluation_row", "init_app"]

log = logging.getLogger(__name__)


def audit_store() -> DurableAuditStore:
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
        "profile_hash_scheme": HASH_SCHEME,
        "profile": profile_as_plain(event.profile) if store_raw else None,
    }


def spool_dir(app: Flask) -> str:
    """The spool folder: configured, or one per database URL in the instance folder."""
    if app.config.get("SPOOL_DIR"):
        return app.config["SPOOL_DIR"]
    # Keyed by URL: records spooled for one database are never replayed into another.
    digest = hashlib.sha256(app.config["DATABASE_URL"].encode()).hexdigest()[:16]
    return str(Path(app.instance_path) / "audit-spool" / digest)


def database_timeouts(app: Flask) -> Timeouts:
    """The PostgreSQL timeouts the settings give (service.audit.store.Timeouts)."""
    config = app.config
    defaults = Timeouts()
    return Timeouts(
        connect_seconds=int(config.get("DATABASE_CONNECT_TIMEOUT_SECONDS", 3)),
        statement_seconds=float(
            config.get("DATABASE_STATEMENT_TIMEOUT_SECONDS", defaults.statement_seconds)
        ),
        tcp_user_timeout_seconds=float(
            config.get("DATABASE_TCP_USER_TIMEOUT_SECONDS", defaults.tcp_user_timeout_seconds)
        ),
        keepalives_idle_seconds=int(
            config.get("DATABASE_KEEPALIVES_IDLE_SECONDS", defaults.keepalives_idle_seconds)
        ),
    )


def readiness_check(store: DurableAuditStore) -> hooks.ReadinessCheck:
    """/readyz's view of the audit trail: the database answers, the spool can take a record."""

    def check() -> tuple[hooks.State, dict[str, dict]]:
        entries: dict[str, dict] = {}
        database_ok = False
        try:
            store.ping()
            entries["database"] = {"status": "ok", "dialect": store.engine.dialect.name}
            database_ok = True
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            entries["database"] = {"status": "unavailable", "error": type(exc).__name__}
        pending, rejected = store.spool.pending(), store.spool.rejected()
        spool_ok = store.spool.writable()
        entries["spool"] = {
            "status": "unwritable" if not spool_ok else ("pending" if pending else "empty"),
            "pending": pending,
            "rejected": rejected,
        }
        # An unwritable spool is not-ready even while the database answers: the next blip
        # of the database would turn every answer into a 500 (nothing unrecorded is answered).
        if not spool_ok:
            return "not-ready", entries
        if not database_ok or pending or rejected:
            return "degraded", entries
        return "ready", entries

    return check


def init_app(app: Flask) -> None:
    """Open the store, migrate it (unless a migrate service does), audit every evaluation."""
    spool = Spool(spool_dir(app))
    lock = Path(app.instance_path) / "migrate.lock"
    migrate_on_start = bool(app.config.get("MIGRATE_ON_START", True))
    schema = {"ready": not migrate_on_start}

    def upgrade_schema() -> None:
        if schema["ready"]:
            return
        with migrate.file_lock(lock):
            migrate.upgrade(store.engine)
        schema["ready"] = True

    timeouts = database_timeouts(app)
    engine = engine_for(app.config["DATABASE_URL"], timeouts.connect_seconds, timeouts)
    store = DurableAuditStore(
        engine,
        spool,
        # A local SQLite file has no network to go silent: its calls run unbounded.
        deadline_seconds=None if engine.dialect.name == "sqlite" else timeouts.statement_seconds,
        replay_seconds=float(app.config.get("SPOOL_REPLAY_SECONDS", 5.0)),
        on_spooled=lambda kind: hooks.audit_event(app, "spooled", kind),
        on_replayed=lambda kind: hooks.audit_event(app, "replayed", kind),
        before_replay=upgrade_schema,
    )
    try:
        upgrade_schema()
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        # Start anyway: records spool until the database answers, then the schema is
        # upgraded before the replay.
        log.warning("audit database unreachable at start (%s); spooling", type(exc).__name__)
    app.extensions["audit"] = store
    hooks.add_readiness_check(app, readiness_check(store))
    hooks.set_spool(app, store.spool)
    store_raw = bool(app.config.get("STORE_RAW_PROFILES"))

    def record(event: EvaluationEvent) -> None:
        store.record_evaluation(evaluation_row(event, store_raw))

    add_hook(app, record)
    app.before_request(store.ensure_replayer)

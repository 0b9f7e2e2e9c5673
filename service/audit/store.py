"""The audit trail: one row per evaluation, per CDS card issued, per feedback item.

SQLAlchemy Core on SQLite (instance folder) by default, PostgreSQL (psycopg 3) when
CDS_DATABASE_URL says so. No raw patient data unless CDS_STORE_RAW_PROFILES is set: the
row keeps a hash of the profile, the disposition and the finding codes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    literal,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("interface", String(16), nullable=False),
    Column("caller", String(200)),
    Column("kb_version", String(32), nullable=False),
    Column("disposition", String(16), nullable=False),
    Column("finding_codes", Text, nullable=False),  # JSON list
    Column("profile_hash", String(64), nullable=False),
    # hmac-sha256 (keyed: CDS_PROFILE_HASH_KEY); NULL on rows from before 0003: plain SHA-256.
    Column("profile_hash_scheme", String(16)),
    Column("profile", Text),  # JSON, only when CDS_STORE_RAW_PROFILES is set
    Index("ix_evaluations_created_at", "created_at"),
)

cds_cards = Table(
    "cds_cards",
    metadata,
    Column("card_uuid", String(36), primary_key=True),
    Column("evaluation_id", String(36), ForeignKey("evaluations.id"), nullable=False),
    Column("service_id", String(100), nullable=False),
    Column("finding_code", String(100)),
    Index("ix_cds_cards_evaluation_id", "evaluation_id"),
)

cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_uuid", String(36), nullable=False),
    Column("evaluation_id", String(36), ForeignKey("evaluations.id")),
    Column("service_id", String(100), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("outcome_timestamp", String(40), nullable=False),
    Column("override_reason", Text),  # JSON
    Column("accepted_suggestions", Text),  # JSON
    Column("caller", String(200)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_once"),
    Index("ix_cds_feedback_evaluation_id", "evaluation_id"),
)


# State the gunicorn workers share when there is no Redis (service.security.replay and
# .ratelimit): each key is a SHA-256, so no caller id or address is stored in the clear.
jwt_replay = Table(
    "jwt_replay",
    metadata,
    Column("key_hash", String(64), primary_key=True),  # SHA-256 of issuer and jti
    Column("expires_at", BigInteger, nullable=False),  # epoch seconds
    Index("ix_jwt_replay_expires_at", "expires_at"),
)

rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("key_hash", String(64), primary_key=True),  # SHA-256 of the budget's key
    Column("window_start_ms", BigInteger, nullable=False),  # epoch ms of the first hit
    Column("hits", Integer, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),  # the window's end
    Index("ix_rate_limit_windows_expires_at_ms", "expires_at_ms"),
)


@dataclass(frozen=True)
class Timeouts:
    """How long a PostgreSQL call may take before the database counts as unavailable.

    `statement_seconds` bounds every audit call as a whole, on the client (a silent
    partition never answers, so a server-side limit alone cannot) and on the server
    (`statement_timeout`). Keepalives and `tcp_user_timeout` let the kernel drop a
    connection whose peer has gone, so a pooled connection is not reused dead.
    """

    connect_seconds: int = 3
    statement_seconds: float = 5.0
    tcp_user_timeout_seconds: float = 10.0
    keepalives_idle_seconds: int = 10
    keepalives_interval_seconds: int = 3
    keepalives_count: int = 3


def database_url(url: str) -> str:
    """Use psycopg 3 for a plain postgresql:// URL."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def engine_for(url: str, connect_timeout: int = 3, timeouts: Timeouts | None = None) -> Engine:
    """An engine that gives up quickly on an unreachable server (the spool takes over).

    Without `timeouts` (migrations, tests) no statement is cut short.
    """
    url = database_url(url)
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        connect_args["connect_timeout"] = connect_timeout
        if timeouts is not None:
            connect_args.update(_postgres_timeouts(url, timeouts))
    elif url.startswith("sqlite"):
        connect_args["timeout"] = 15  # seconds to wait for another worker's write lock
    # hide_parameters: an error message never carries a row's values into a log line.
    # pre-ping finds PostgreSQL connections a restart broke; a SQLite file has none to break.
    engine = create_engine(
        url,
        pool_pre_ping=not url.startswith("sqlite"),
        connect_args=connect_args,
        hide_parameters=True,
    )
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _postgres_timeouts(url: str, timeouts: Timeouts) -> dict[str, Any]:
    """libpq parameters: keepalives, tcp_user_timeout and the server's statement_timeout."""
    # `options` from the URL (a search_path, say) is kept: connect_args would replace it.
    options = make_url(url).query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    statement_ms = max(1, int(timeouts.statement_seconds * 1000))
    return {
        "keepalives": 1,
        "keepalives_idle": timeouts.keepalives_idle_seconds,
        "keepalives_interval": timeouts.keepalives_interval_seconds,
        "keepalives_count": timeouts.keepalives_count,
        "tcp_user_timeout": max(1, int(timeouts.tcp_user_timeout_seconds * 1000)),
        "options": f"{options} -c statement_timeout={statement_ms}".strip(),
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets gunicorn workers read while another one writes. synchronous=NORMAL commits
    # without an fsync per row: a killed worker loses nothing (the WAL is in the OS cache),
    # only a power cut can lose the last commits. Hospitals run PostgreSQL (README).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Built once: values are bound per call, so SQLAlchemy reuses the compiled statement.
_INSERT_EVALUATION = insert(evaluations)
_INSERT_FEEDBACK = insert(cds_feedback)


def _storable(text: str) -> bool:
    """False for a string PostgreSQL cannot hold in a text column (NUL)."""
    return "\x00" not in text


def _now() -> datetime:
    return datetime.now(UTC)


class AuditStore:
    """Writes and reads audit rows. Each write is one transaction, safe to retry."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._pid = os.getpid()

    @property
    def engine(self) -> Engine:
        """The engine, with a fresh pool in a forked child (gunicorn --preload)."""
        if self._pid != os.getpid():
            # Pooled connections opened before the fork belong to the parent.
            self._engine.dispose(close=False)
            self._pid = os.getpid()
        return self._engine

    @classmethod
    def from_url(cls, url: str, connect_timeout: int = 3) -> AuditStore:
        return cls(engine_for(url, connect_timeout))

    def create_schema(self) -> None:
        """Upgrade the schema to the newest Alembic revision."""
        from service.audit.migrate import upgrade

        upgrade(self.engine)

    def record_evaluation(self, row: Mapping[str, Any]) -> bool:
        """Insert an evaluation row; False when that id is already stored (exactly once)."""
        values = dict(row)
        if values.get("caller") and not _storable(values["caller"]):
            # A token's subject may hold NUL; PostgreSQL cannot store it: keep it escaped.
            values["caller"] = values["caller"].replace("\x00", "\\u0000")
        values["finding_codes"] = json.dumps(list(values["finding_codes"]))
        if values.get("profile") is not None and not isinstance(values["profile"], str):
            values["profile"] = json.dumps(values["profile"], sort_keys=True)
        if isinstance(values.get("created_at"), str):
            values["created_at"] = datetime.fromisoformat(values["created_at"])
        try:
            with self.engine.begin() as conn:
                conn.execute(_INSERT_EVALUATION, values)
        except IntegrityError:
            if self._exists(evaluations, evaluations.c.id == values["id"]):
                return False  # already stored: exactly once
            raise  # any other integrity error must not pass for a duplicate
        return True

    def record_cards(
        self, evaluation_id: str, service_id: str, cards: Iterable[tuple[str, str | None]]
    ) -> None:
        """Link each issued card (uuid, finding code) to its evaluation."""
        rows = [
            {
                "card_uuid": u,
                "evaluation_id": evaluation_id,
                "service_id": service_id,
                "finding_code": c,
            }
            for u, c in cards
        ]
        if not rows:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(cds_cards), rows)
        except IntegrityError:
            # A replayed batch: store the cards not yet stored (idempotent); any other
            # integrity error (an unknown evaluation) still raises.
            with self.engine.begin() as conn:
                stored: set[str] = set(
                    conn.execute(
                        select(cds_cards.c.card_uuid).where(
                            cds_cards.c.card_uuid.in_([r["card_uuid"] for r in rows])
                        )
                    ).scalars()
                )
                missing = [r for r in rows if r["card_uuid"] not in stored]
                if missing:
                    conn.execute(insert(cds_cards), missing)

    def card(self, card_uuid: str) -> dict[str, Any] | None:
        if not _storable(card_uuid):
            return None  # no stored id holds NUL (PostgreSQL would refuse the query)
        with self.engine.connect() as conn:
            row = conn.execute(select(cds_cards).where(cds_cards.c.card_uuid == card_uuid)).first()
        return dict(row._mapping) if row else None

    def record_feedback(self, row: Mapping[str, Any]) -> bool:
        """Insert one feedback item; False when the same item was already stored (idempotent)."""
        values = dict(row)
        for key in ("override_reason", "accepted_suggestions"):
            if values.get(key) is not None and not isinstance(values[key], str):
                values[key] = json.dumps(values[key], sort_keys=True)
        values.setdefault("received_at", _now())
        try:
            with self.engine.begin() as conn:
                conn.execute(_INSERT_FEEDBACK, values)
        except IntegrityError:
            same = (
                (cds_feedback.c.card_uuid == values["card_uuid"])
                & (cds_feedback.c.outcome == values["outcome"])
                & (cds_feedback.c.outcome_timestamp == values["outcome_timestamp"])
            )
            if self._exists(cds_feedback, same):
                return False  # the same item again: idempotent
            raise  # e.g. its evaluation is not stored yet: the caller spools it, not drops it
        return True

    def _exists(self, table: Table, where: Any) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(select(literal(1)).select_from(table).where(where)).first() is not None
            )

    def feedback_for(self, card_uuid: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cds_feedback).where(cds_feedback.c.card_uuid == card_uuid)
            ).all()
        return [dict(r._mapping) for r in rows]

    def get_evaluation(self, evaluation_id: str) -> dict[str, Any] | None:
        """Return the stored evaluation row, decoded, or None."""
        if not _storable(evaluation_id):
            return None  # no stored id holds NUL (PostgreSQL would refuse the query)
        with self.engine.connect() as conn:
            row = conn.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out["finding_codes"] = json.loads(out["finding_codes"])
        created = out["created_at"]
        if created.tzinfo is None:  # SQLite drops the zone; every row is written in UTC
            created = created.replace(tzinfo=UTC)
        out["created_at"] = created.isoformat()
        if out.get("profile"):
            out["profile"] = json.loads(out["profile"])
        return out

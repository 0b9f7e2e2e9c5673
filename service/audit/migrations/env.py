"""Alembic environment: runs on a connection handed in by service.audit.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from service.audit.store import engine_for, metadata

config = context.config
target_metadata = metadata

# Any number, the same in every process: one migrator at a time on PostgreSQL.
_ADVISORY_LOCK_ID = 0x4D47_4344_5353  # "MGCDSS"


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic upgrade head` from the repository's alembic.ini
        engine = engine_for(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas migrating at once wait here; the version read comes after the lock.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
run_migrations_online()

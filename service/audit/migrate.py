"""Alembic migrations shipped inside the package: upgrade, downgrade, current revision.

`magnesium-cds db upgrade` (docker-compose's one-shot migrate service) and the app's
start (CDS_MIGRATE_ON_START, the default) both come here.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from service.audit.store import engine_for

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """Alembic's config pointing at the migrations in this package (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _engine(target: Engine | str) -> tuple[Engine, bool]:
    if isinstance(target, str):
        return engine_for(target), True
    return target, False


def _run(target: Engine | str, action: str, revision: str) -> None:
    engine, owned = _engine(target)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # The app's statement_timeout bounds audit writes, not a schema change.
                connection.execute(text("SET LOCAL statement_timeout = 0"))
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        if owned:
            engine.dispose()


def upgrade(target: Engine | str, revision: str = "head") -> None:
    """Upgrade the database at `target` (an engine or URL) to `revision`."""
    _run(target, "upgrade", revision)


def downgrade(target: Engine | str, revision: str = "base") -> None:
    """Downgrade the database at `target` to `revision`."""
    _run(target, "downgrade", revision)


def current(target: Engine | str) -> str | None:
    """The database's revision, or None when it has none."""
    engine, owned = _engine(target)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if owned:
            engine.dispose()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (workers of one host migrating SQLite at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

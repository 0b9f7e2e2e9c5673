"""Alembic: an empty database goes to head and back to base; head matches the store's tables."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from service import create_app
from service.audit import migrate
from service.audit.store import engine_for, metadata
from service.cli import main

TABLES = {"evaluations", "cds_cards", "cds_feedback"}


def tables(url: str) -> set[str]:
    engine = engine_for(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_empty_to_head_to_base(db_url):
    assert migrate.current(db_url) is None
    assert not TABLES & tables(db_url)
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head()
    assert TABLES <= tables(db_url)
    migrate.upgrade(db_url)  # already at head: nothing to do
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert not TABLES & tables(db_url)


def test_head_matches_the_tables_the_store_writes(db_url):
    migrate.upgrade(db_url)
    engine = engine_for(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_the_app_migrates_an_empty_database_at_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
    assert migrate.current(url) == migrate.head()
    app.extensions["audit"].close()


def test_the_app_leaves_migrations_to_a_migrate_service_when_told(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x", "MIGRATE_ON_START": False}
    )
    assert migrate.current(url) is None
    app.extensions["audit"].close()


def test_cli_db_upgrade_and_downgrade(db_url, monkeypatch, capsys):
    monkeypatch.setenv("CDS_DATABASE_URL", db_url)
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == migrate.head()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == migrate.head()
    assert main(["db", "downgrade", "base"]) == 0
    assert capsys.readouterr().out.strip() == "base"

"""Database fixtures (a pytest plugin, loaded by tests/conftest.py).

`postgres_url`: a PostgreSQL URL whose search_path is a fresh schema of this test's own
(dropped afterwards), so parallel runs never clash. The server comes from
CDS_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); when nothing
answers, the test is skipped and says why. `redis_url` likewise (CDS_TEST_REDIS_URL).
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from urllib.parse import quote, urlsplit

import pytest

POSTGRES_URL = os.environ.get("CDS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CDS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@functools.cache
def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means: skip, and say why
        return f"PostgreSQL at {POSTGRES_URL} does not answer ({type(exc).__name__}: {exc})"
    return None


@functools.cache
def redis_unavailable() -> str | None:
    """Why Redis cannot be used, or None."""
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                return f"Redis at {REDIS_URL} did not answer PING"
    except OSError as exc:
        return f"Redis at {REDIS_URL} does not answer ({exc})"
    return None


def with_search_path(url: str, schema: str) -> str:
    """`url` with libpq options setting the search_path to `schema`."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def postgres_url():
    reason = postgres_unavailable()
    if reason:
        pytest.skip(f"{reason}; set CDS_TEST_POSTGRES_URL or start PostgreSQL (.ci/run does)")
    import psycopg

    schema = f"cds_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(POSTGRES_URL, schema)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def redis_url():
    reason = redis_unavailable()
    if reason:
        pytest.skip(f"{reason}; set CDS_TEST_REDIS_URL or start Redis (.ci/run does)")
    return REDIS_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The audit database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    return request.getfixturevalue("postgres_url")

"""`magnesium-cds db upgrade` waits, for a bounded time, for a database that is starting.

compose runs it as soon as PostgreSQL's healthcheck passes; a first start can still be
initialising then. The command must wait and succeed, or give up after --wait-seconds.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import make_url

from service.cli import main
from tests.tcp_proxy import TcpProxy, free_port


def test_a_database_that_never_answers_is_reported_after_the_wait(monkeypatch, capsys):
    monkeypatch.setenv("CDS_DATABASE_URL", f"postgresql://cds@127.0.0.1:{free_port()}/cds")
    monkeypatch.delenv("CDS_DATABASE_PASSWORD", raising=False)
    assert main(["db", "upgrade", "--wait-seconds", "1"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        "magnesium-cds: the database did not accept a connection within 1 s (OperationalError)"
    )


@pytest.mark.postgres
def test_a_database_that_starts_late_is_waited_for_and_migrated(postgres_url, monkeypatch, capsys):
    url = make_url(postgres_url)
    late = TcpProxy(free_port(), (url.host or "127.0.0.1", url.port or 5432))
    monkeypatch.setenv(
        "CDS_DATABASE_URL",
        url.set(host="127.0.0.1", port=late.port).render_as_string(hide_password=False),
    )
    timer = threading.Timer(1.5, late.start)  # refused until then, as a starting server is
    timer.start()
    try:
        assert main(["db", "upgrade", "--wait-seconds", "30"]) == 0
    finally:
        timer.cancel()
        late.stop()
    captured = capsys.readouterr()
    assert "magnesium-cds: waiting for the database (OperationalError)" in captured.err
    assert captured.out.strip() not in ("", "base")  # the revision it upgraded to

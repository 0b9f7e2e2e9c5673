"""The spool when the disk misbehaves: a short write, a full disk, an unwritable folder.

Nothing answered is lost: a record is either whole in the spool (or the database), or the
request fails with a 500 `evaluation-failed` problem. /readyz says not-ready when the
spool could not take a record. `os.write` is replaced in the spool module only.
"""

from __future__ import annotations

import errno
import json
import os
import types
from pathlib import Path

import pytest

import service.audit.spool as spool_module
from service import create_app
from service.audit.spool import ACTIVE, Spool, SpoolError

PROFILE = {"age": 66, "sex": "female", "kidney": {"egfr": 50}}


def fake_os(write):
    """The os module with `write` replaced (for the spool module alone)."""
    proxy = types.SimpleNamespace(
        **{name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
    )
    proxy.write = write
    return proxy


def short_writes(limit: int, then_fail_after: int | None = None):
    """os.write that writes at most `limit` bytes per call; ENOSPC after N calls if asked."""
    calls = []

    def write(fd: int, data) -> int:
        calls.append(len(data))
        if then_fail_after is not None and len(calls) > then_fail_after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, bytes(data[:limit]))

    return write, calls


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_short_write_is_written_to_completion(tmp_path, monkeypatch):
    spool = Spool(tmp_path / "spool")
    write, calls = short_writes(limit=7)
    monkeypatch.setattr(spool_module, "os", fake_os(write))
    spool.append("evaluation", {"id": "e-1", "note": "x" * 50})
    assert len(calls) > 1  # it did take several writes
    assert lines(tmp_path / "spool" / ACTIVE) == [
        {"kind": "evaluation", "payload": {"id": "e-1", "note": "x" * 50}}
    ]


def test_a_write_that_fails_half_way_is_cut_back_and_raised(tmp_path, monkeypatch):
    spool = Spool(tmp_path / "spool")
    spool.append("evaluation", {"id": "kept"})
    size = (tmp_path / "spool" / ACTIVE).stat().st_size
    write, calls = short_writes(limit=5, then_fail_after=2)
    monkeypatch.setattr(spool_module, "os", fake_os(write))
    with pytest.raises(SpoolError):
        spool.append("evaluation", {"id": "lost-and-said-so"})
    monkeypatch.undo()
    assert (tmp_path / "spool" / ACTIVE).stat().st_size == size  # no torn line left
    spool.append("evaluation", {"id": "next"})
    assert [r["payload"]["id"] for r in lines(tmp_path / "spool" / ACTIVE)] == ["kept", "next"]


def test_an_answer_is_withheld_when_its_record_cannot_be_kept(tmp_path, monkeypatch):
    folder = tmp_path / "missing"  # SQLite cannot open it: records go to the spool
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SPOOL_REPLAY_SECONDS": 3600,
            "DATABASE_URL": f"sqlite:///{folder / 'a.sqlite3'}",
            "SPOOL_DIR": str(tmp_path / "spool"),
        }
    )
    client = app.test_client()
    try:
        answered = [client.post("/v1/recommendations", json=PROFILE).get_json()["evaluation_id"]]
        write, _ = short_writes(limit=10, then_fail_after=1)
        monkeypatch.setattr(spool_module, "os", fake_os(write))
        failed = client.post("/v1/recommendations", json=PROFILE)
        monkeypatch.undo()
        assert failed.status_code == 500
        assert failed.content_type == "application/problem+json"
        problem = failed.get_json()
        assert problem["type"].endswith("/evaluation-failed")
        assert "evaluation_id" not in problem and "findings" not in problem
        again = client.post("/v1/recommendations", json=PROFILE)
        answered.append(again.get_json()["evaluation_id"])
        spooled = lines(tmp_path / "spool" / ACTIVE)
        assert [r["payload"]["id"] for r in spooled] == answered  # every answer, whole
        folder.mkdir()
        assert app.extensions["audit"].replay() == 2
    finally:
        app.extensions["audit"].close()


def test_not_ready_when_the_spool_cannot_take_a_record(client, monkeypatch):
    assert client.get("/readyz").get_json()["status"] == "ready"
    write, _ = short_writes(limit=1, then_fail_after=0)  # every write: ENOSPC
    monkeypatch.setattr(spool_module, "os", fake_os(write))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not-ready"
    assert body["checks"]["database"]["status"] == "ok"  # even with the database up
    assert body["checks"]["spool"]["status"] == "unwritable"


def test_not_ready_when_free_space_is_below_a_record(client, monkeypatch):
    real = os.statvfs

    def nearly_full(path):
        stats = real(path)
        return types.SimpleNamespace(f_bavail=1, f_frsize=stats.f_frsize)

    proxy = fake_os(os.write)
    proxy.statvfs = nearly_full
    monkeypatch.setattr(spool_module, "os", proxy)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["spool"]["status"] == "unwritable"


def test_pending_check_survives_a_file_replayed_while_it_looks(tmp_path, monkeypatch):
    spool = Spool(tmp_path / "spool")
    spool.append("evaluation", {"id": "e-1"})
    claimed = tmp_path / "spool" / "replaying-1-1.jsonl"  # listed, then replayed and unlinked
    monkeypatch.setattr(Spool, "files", lambda self: [claimed, tmp_path / "spool" / ACTIVE])
    real_exists = Path.exists
    # Seen by exists() a moment before another process unlinked it.
    monkeypatch.setattr(Path, "exists", lambda self: self == claimed or real_exists(self))
    assert spool.has_pending() is True  # the active file still counts
    (tmp_path / "spool" / ACTIVE).unlink()
    assert spool.has_pending() is False

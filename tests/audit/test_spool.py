"""The spool on its own: appends survive, replay stores each record exactly once."""

from __future__ import annotations

import json
import threading

import pytest

from service.audit.spool import Spool, Unavailable


class FakeDatabase:
    """Stores by id like a primary key; can be switched off."""

    def __init__(self):
        self.rows: dict[str, int] = {}
        self.up = True
        self.fail_after: int | None = None

    def write(self, kind: str, payload: dict) -> bool:
        if not self.up or (self.fail_after is not None and len(self.rows) >= self.fail_after):
            raise Unavailable
        if payload["id"] in self.rows:
            return False
        self.rows[payload["id"]] = 1
        return True


def test_appended_records_wait_until_replayed(tmp_path):
    spool = Spool(tmp_path / "spool")
    assert not spool.has_pending() and spool.pending() == 0
    for i in range(5):
        spool.append("evaluation", {"id": f"e{i}"})
    assert spool.has_pending() and spool.pending() == 5
    db = FakeDatabase()
    assert spool.replay(db.write) == 5
    assert sorted(db.rows) == [f"e{i}" for i in range(5)]
    assert not spool.has_pending() and spool.replay(db.write) == 0


def test_an_interrupted_replay_resumes_without_duplicates(tmp_path):
    spool = Spool(tmp_path / "spool")
    for i in range(10):
        spool.append("evaluation", {"id": f"e{i}"})
    db = FakeDatabase()
    db.fail_after = 4  # the database goes away half-way
    assert spool.replay(db.write) == 4
    assert spool.pending() == 10  # the claimed file stays until all of it is stored
    spool.append("evaluation", {"id": "e10"})  # written while the replay was stuck
    db.fail_after = None
    assert spool.replay(db.write) == 7  # 6 left over + 1 new; the first 4 are skipped
    assert len(db.rows) == 11 and all(n == 1 for n in db.rows.values())
    assert spool.pending() == 0


def test_a_torn_last_line_loses_nothing_after_it(tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append("evaluation", {"id": "e1"})
    with open(tmp_path / "spool" / "spool.jsonl", "a") as handle:
        handle.write('{"kind": "evaluation", "payl')  # a writer killed mid-line
    spool.append("evaluation", {"id": "e2"})
    db = FakeDatabase()
    assert spool.replay(db.write) == 2
    assert set(db.rows) == {"e1", "e2"}


def test_one_replayer_at_a_time(tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append("evaluation", {"id": "e1"})
    started, release = threading.Event(), threading.Event()
    results = []

    def slow_write(kind: str, payload: dict) -> bool:
        started.set()
        release.wait(5)
        return True

    worker = threading.Thread(target=lambda: results.append(spool.replay(slow_write)))
    worker.start()
    started.wait(5)
    assert Spool(tmp_path / "spool").replay(FakeDatabase().write) is None  # busy: skipped
    release.set()
    worker.join(5)
    assert results == [1]


def test_concurrent_appends_keep_every_line_whole(tmp_path):
    spools = [Spool(tmp_path / "spool") for _ in range(4)]  # as if four workers

    def append_many(spool: Spool, n: int) -> None:
        for i in range(50):
            spool.append("evaluation", {"id": f"w{n}-{i}", "padding": "x" * 500})

    threads = [threading.Thread(target=append_many, args=(s, n)) for n, s in enumerate(spools)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "spool" / "spool.jsonl").read_text().splitlines()
    assert len(lines) == 200
    assert len({json.loads(line)["payload"]["id"] for line in lines}) == 200


def test_a_record_the_database_refuses_for_good_is_set_aside(tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append("evaluation", {"id": "bad"})
    spool.append("evaluation", {"id": "good"})
    db = FakeDatabase()

    def write(kind: str, payload: dict) -> bool:
        if payload["id"] == "bad":
            raise ValueError("constraint")
        return db.write(kind, payload)

    assert spool.replay(write, reject=lambda k, p, e: isinstance(e, ValueError)) == 1
    assert spool.pending() == 0 and spool.rejected() == 1
    assert set(db.rows) == {"good"}


def test_an_unwritable_spool_raises(tmp_path):
    from service.audit.spool import SpoolError

    (tmp_path / "file").write_text("")
    with pytest.raises(SpoolError):
        Spool(tmp_path / "file" / "spool").append("evaluation", {"id": "e"})

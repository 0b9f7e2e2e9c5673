"""The engine adapter's fast path (rule id and fact ref read off the action message's head)
gives exactly what decoding every message gives."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

import rules.engine
from rules import KnowledgeBase
from service.schemas import ProfileSchema
from tests.reliability.profiles import random_profiles


@pytest.fixture(scope="module")
def profiles():
    load = ProfileSchema().load
    return [load(body) for body in random_profiles(seed=4242, count=300)]


def test_the_fast_path_matches_full_decoding(profiles, monkeypatch):
    kb = KnowledgeBase()
    fast = [replace(kb.evaluate(p), evaluation_id="") for p in profiles]
    monkeypatch.setattr(rules.engine, "_ACTION_HEAD", re.compile(r"(?!)"))  # never matches
    decoded = [replace(kb.evaluate(p), evaluation_id="") for p in profiles]
    assert fast == decoded


def test_the_fast_path_reads_every_message_the_engine_sends(profiles, monkeypatch):
    misses: list[str] = []
    head = rules.engine._ACTION_HEAD

    class Counting:
        def match(self, message: str):
            found = head.match(message)
            if found is None:
                misses.append(message[:80])
            return found

    monkeypatch.setattr(rules.engine, "_ACTION_HEAD", Counting())
    kb = KnowledgeBase()
    for p in profiles:
        kb.evaluate(p)
    assert not misses, f"{len(misses)} messages fell back to json.loads, e.g. {misses[0]}"

"""Many threads, one knowledge base: no state leaks between patients.

Thousands of different profiles are evaluated single-threaded, then all at once from many
threads in a shuffled order; every result must equal its single-threaded one (everything
but the evaluation id).
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rules import default_knowledge_base
from service.schemas import ProfileSchema
from tests.reliability.profiles import random_profiles

PROFILES = 2_000
THREADS = 16


def _render(recommendation):
    """The recommendation without its evaluation id (frozen dataclasses compare deeply)."""
    return replace(recommendation, evaluation_id="")


def test_threads_get_the_single_threaded_result_for_every_profile():
    kb = default_knowledge_base()
    load = ProfileSchema().load
    profiles = [load(body) for body in random_profiles(seed=20261125, count=PROFILES)]
    expected = [_render(kb.evaluate(p)) for p in profiles]
    assert len({e.disposition for e in expected}) == 4  # every disposition is exercised

    order = list(range(PROFILES))
    random.Random(6).shuffle(order)
    start = threading.Barrier(THREADS)
    results: dict[int, object] = {}
    evaluation_ids: set[str] = set()
    lock = threading.Lock()

    def evaluate_share(share: list[int]) -> None:
        start.wait()  # all threads begin together
        for i in share:
            recommendation = kb.evaluate(profiles[i])
            rendered = _render(recommendation)
            with lock:
                results[i] = rendered
                evaluation_ids.add(recommendation.evaluation_id)

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(evaluate_share, order[t::THREADS]) for t in range(THREADS)]
        for f in futures:
            f.result()

    assert len(results) == PROFILES
    assert len(evaluation_ids) == PROFILES  # a fresh id (and engine session) each time
    mismatched = [i for i in range(PROFILES) if results[i] != expected[i]]
    assert not mismatched, f"{len(mismatched)} profiles differ, e.g. #{mismatched[0]}"

"""In-process figures: one evaluation through the knowledge base, the schemas alone, memory."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from typing import Any

from bench.profiles import HEAVY, SIMPLE, varied


def timed(fn: Callable[[], Any], n: int, warmup: int) -> dict[str, float]:
    """Call `fn` `n` times after `warmup` calls: calls per second and latency percentiles."""
    for _ in range(warmup):
        fn()
    samples = [0] * n
    cpu_samples = [0] * n
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    start = clock()
    for i in range(n):
        c0 = cpu_clock()
        t0 = clock()
        fn()
        samples[i] = clock() - t0
        cpu_samples[i] = cpu_clock() - c0
    elapsed = (clock() - start) / 1e9
    samples.sort()
    cpu_samples.sort()
    p99 = min(n - 1, int(n * 0.99))
    return {
        "n": n,
        "per_s": round(n / elapsed, 1),
        "p50_ms": round(samples[n // 2] / 1e6, 4),
        "p99_ms": round(samples[p99] / 1e6, 4),
        "max_ms": round(samples[-1] / 1e6, 4),
        # This thread's CPU time: what the call itself costs, without the time other
        # processes held the core (the wall-clock figures include it on a shared machine).
        "cpu_p50_ms": round(cpu_samples[n // 2] / 1e6, 4),
        "cpu_p99_ms": round(cpu_samples[p99] / 1e6, 4),
    }


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, KiB)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def engine_and_schemas(n: int) -> dict[str, Any]:
    """Time the knowledge base, and validation + serialisation, for the simple and heavy profile."""
    from rules import default_knowledge_base
    from service.schemas import ProfileSchema, RecommendationSchema

    kb = default_knowledge_base()
    load, dump = ProfileSchema().load, RecommendationSchema().dump
    out: dict[str, Any] = {}
    for name, body in (("simple", SIMPLE), ("heavy", HEAVY)):
        profile = load(body)
        recommendation = kb.evaluate(profile)
        out[name] = {
            "findings": len(recommendation.findings),
            "rules_fired": len(recommendation.knowledge_base.rules_fired),
            "disposition": recommendation.disposition,
            "engine": timed(lambda p=profile: kb.evaluate(p), n, warmup=min(500, n)),
            "schemas": timed(
                lambda b=body, r=recommendation: (load(b), dump(r)), n // 2, warmup=min(200, n)
            ),
            "validate_evaluate_serialise": timed(
                lambda b=body: dump(kb.evaluate(load(b))), n // 4, warmup=min(200, n)
            ),
        }
    return out


def memory(evaluations: int, distinct: int = 2_000) -> dict[str, Any]:
    """RSS before and after `evaluations` evaluations of `distinct` different profiles."""
    from rules import default_knowledge_base
    from service.schemas import ProfileSchema

    kb = default_knowledge_base()
    load = ProfileSchema().load
    pool = [load(varied(SIMPLE if i % 2 else HEAVY, i)) for i in range(distinct)]
    for profile in pool[:1_000]:  # warm: first-use allocations are not growth
        kb.evaluate(profile)
    gc.collect()
    before = rss_kib()
    curve = []
    step = max(1, evaluations // 10)
    start = time.perf_counter()
    for i in range(evaluations):
        kb.evaluate(pool[i % distinct])
        if (i + 1) % step == 0:
            curve.append(rss_kib())
    elapsed = time.perf_counter() - start
    gc.collect()
    after = rss_kib()
    return {
        "evaluations": evaluations,
        "distinct_profiles": distinct,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "growth_pct": round(100.0 * (after - before) / before, 2),
        "curve_kib": curve,
        "per_s": round(evaluations / elapsed, 1),
        "pid": os.getpid(),
    }

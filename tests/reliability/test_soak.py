"""Soak: a few thousand mixed requests to gunicorn on 127.0.0.1; no 5xx, flat worker memory.

Bounded by CDS_SOAK_REQUESTS (and CDS_SOAK_SECONDS); skipped when CDS_SOAK_REQUESTS is
unset, so everyday runs stay quick. `.ci/run` sets it:

    CDS_SOAK_REQUESTS=3000 .venv/bin/python -m pytest -m soak
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections import Counter

import pytest

from bench import server
from bench.inprocess import rss_kib
from bench.profiles import patient_view_request
from tests.reliability.profiles import random_profiles

REQUESTS = int(os.environ.get("CDS_SOAK_REQUESTS", "0"))
SECONDS = float(os.environ.get("CDS_SOAK_SECONDS", "45"))
CLIENTS = 8
WARMUP = 300
MAX_RSS_GROWTH = 0.05  # per worker, after warm-up (issue 6: memory stays flat)

pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(not REQUESTS, reason="set CDS_SOAK_REQUESTS to run the soak test"),
]


def _mixed_requests(count: int, api_key: str, service_id: str | None) -> list[tuple]:
    """(method, path, body, headers, allowed statuses), mostly real evaluations."""
    rng = random.Random(11)
    profiles = random_profiles(seed=99, count=max(1, count))
    key = {"X-API-Key": api_key}
    as_json = {"Content-Type": "application/json", **key}
    out = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.55:
            out.append(("POST", "/v1/recommendations", json.dumps(profiles[i]), as_json, {200}))
        elif roll < 0.65:
            bad = dict(profiles[i], age=rng.choice([-1, 500, "old", None]))
            out.append(("POST", "/v1/recommendations", json.dumps(bad), as_json, {422}))
        elif roll < 0.70:
            out.append(("POST", "/v1/recommendations", '{"age": 40,', as_json, {400}))
        elif roll < 0.73:
            out.append(("POST", "/v1/recommendations", json.dumps(profiles[i]), {}, {401}))
        elif roll < 0.78:
            out.append(("GET", "/v1/knowledge-base", None, key, {200}))
        elif roll < 0.80:
            out.append(("DELETE", "/v1/recommendations", None, key, {405}))
        elif roll < 0.90 or service_id is None:
            out.append(("GET", "/healthz", None, {}, {200}))
        else:
            body = json.dumps(patient_view_request())
            out.append(
                (
                    "POST",
                    f"/cds-services/{service_id}",
                    body,
                    {"Content-Type": "application/json"},
                    {200},
                )
            )
    return out


def _send_all(srv: server.Server, requests: list[tuple], deadline: float) -> Counter:
    """Send `requests` from CLIENTS threads; count outcomes ("ok", "5xx", "unexpected ...")."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    queue = iter(list(enumerate(requests)))
    queue_lock = threading.Lock()

    def client() -> None:
        while time.monotonic() < deadline:
            with queue_lock:
                item = next(queue, None)
            if item is None:
                return
            _, (method, path, body, headers, allowed) = item
            try:
                conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
                outcome = (
                    "5xx"
                    if status >= 500
                    else "ok"
                    if status in allowed
                    else f"unexpected {status} for {method} {path}"
                )
            except (OSError, http.client.HTTPException) as exc:
                outcome = f"connection error {type(exc).__name__}"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_soak_no_server_errors_and_flat_memory():
    started = time.monotonic()
    with server.start(workers=2) as srv:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        conn.request("GET", "/cds-services")
        response = conn.getresponse()
        services = (
            json.loads(response.read() or b"{}").get("services", [])
            if response.status == 200
            else []
        )
        conn.close()
        service_id = next((s["id"] for s in services if s.get("hook") == "patient-view"), None)

        warmup = _mixed_requests(WARMUP, srv.api_key, service_id)
        warm = _send_all(srv, warmup, time.monotonic() + 30)
        workers = srv.worker_pids()
        before = {pid: rss_kib(pid) for pid in workers}
        outcomes = _send_all(
            srv, _mixed_requests(REQUESTS, srv.api_key, service_id), started + SECONDS
        )
        after = {pid: rss_kib(pid) for pid in srv.worker_pids() if pid in before}
        log = srv.log_tail(20)

    sent = sum(outcomes.values())
    print(
        f"soak: {sent} requests in {time.monotonic() - started:.1f} s, {dict(outcomes)}, "
        f"worker RSS KiB {before} -> {after}"
    )
    assert warm["5xx"] == 0 and outcomes["5xx"] == 0, f"{outcomes}\n{log}"
    assert outcomes["ok"] == sent, f"unexpected answers: {outcomes}"
    assert sent >= min(REQUESTS, 500), f"only {sent} requests in {SECONDS} s: {outcomes}"
    assert after, "the workers were replaced during the soak"
    for pid, rss in after.items():
        growth = (rss - before[pid]) / before[pid]
        assert growth < MAX_RSS_GROWTH, (
            f"worker {pid}: RSS {before[pid]} → {rss} KiB (+{growth:.1%}) over {sent} requests"
        )

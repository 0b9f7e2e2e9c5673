"""The service under gunicorn: two workers, concurrent requests, a worker killed mid-way."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
from collections import Counter

import pytest
from sqlalchemy import text

from service.audit.store import engine_for
from tests.ops.server import Gunicorn

pytestmark = pytest.mark.slow
PROFILE = {"age": 61, "sex": "male", "kidney": {"egfr": 55},
           "medications": [{"name": "Cipro 500 mg"}]}


def sample(metrics_text: str, series: str) -> float:
    """The value of one exposition line, `name{labels}` exactly as rendered."""
    for line in metrics_text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def audit_ids(url: str) -> Counter:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return Counter(r[0] for r in conn.execute(text("SELECT id FROM evaluations")))
    finally:
        engine.dispose()


def test_killing_a_worker_mid_way_loses_no_answered_audit_row(tmp_path, db_url):
    answered: list[str] = []
    failed: list[str] = []
    lock = threading.Lock()
    with Gunicorn(tmp_path, workers=2, CDS_DATABASE_URL=db_url) as server:
        first_workers = server.worker_pids()
        assert len(first_workers) == 2

        def client(n: int) -> None:
            for _ in range(n):
                try:
                    status, _, body = server.request("POST", "/v1/recommendations", PROFILE)
                except (OSError, urllib.error.URLError) as exc:  # the killed worker's request
                    with lock:
                        failed.append(type(exc).__name__)
                    continue
                if status == 200:
                    with lock:
                        answered.append(json.loads(body)["evaluation_id"])

        threads = [threading.Thread(target=client, args=(25,)) for _ in range(6)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 15
        while len(answered) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(first_workers[0], signal.SIGKILL)  # mid-way, requests in flight
        for t in threads:
            t.join(timeout=25)
        # The master replaced the worker.
        deadline = time.monotonic() + 10
        while len(server.worker_pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers_after = server.worker_pids()
        status, _, metrics_text = server.request("GET", "/metrics")
    assert len(workers_after) == 2 and first_workers[0] not in workers_after
    assert len(answered) + len(failed) == 150 and len(answered) >= 140
    stored = audit_ids(db_url)
    for evaluation_id in answered:  # every answered request: its row, exactly once
        assert stored[evaluation_id] == 1
    assert set(stored) >= set(answered)
    # Evaluations counted across workers, the killed one's included.
    counted = sample(metrics_text, 'cds_evaluations_total{disposition="caution",interface="api"}')
    assert counted >= len(answered)


def test_metrics_sum_over_workers(tmp_path):
    with Gunicorn(tmp_path, workers=2) as server:
        pids = set()
        for _ in range(30):
            status, headers, _ = server.request("GET", "/healthz")
            assert status == 200 and headers["X-Request-ID"]
        for _ in range(20):
            status, _, body = server.request("POST", "/v1/recommendations", PROFILE)
            assert status == 200
        ready = json.loads(server.request("GET", "/readyz")[2])
        _, _, metrics_text = server.request("GET", "/metrics")
        pids.update(server.worker_pids())
    assert ready["status"] == "ready" and ready["checks"]["knowledge_base"]["version"]
    total = sample(
        metrics_text,
        'cds_http_requests_total{endpoint="/v1/recommendations",method="POST",status="200"}',
    )
    assert total == 20
    access = [json.loads(line) for line in server.stdout if line.startswith("{")]
    assert any(
        a["logger"] == "gunicorn.access" and a["path"] == "/v1/recommendations" for a in access
    )
    assert all(a.get("request_id") for a in access)

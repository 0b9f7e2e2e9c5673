"""The service under gunicorn: two workers, concurrent requests, a worker killed mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
from collections import Counter

import pytest
from sqlalchemy import text

from service.audit.store import engine_for
from tests.ops.server import ROOT, Gunicorn

pytestmark = pytest.mark.slow
PROFILE = {
    "age": 61,
    "sex": "male",
    "kidney": {"egfr": 55},
    "medications": [{"name": "Cipro 500 mg"}],
}


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


def test_recycled_workers_lose_nothing_and_keep_their_exit_code(tmp_path):
    # CDS_MAX_REQUESTS recycles the worker every 15 (+1 jitter) requests: 60 requests make
    # at least 3 recycles, plus the exit at shutdown. One worker, so that the count does not
    # depend on how the kernel spreads requests. gunicorn.conf.py's worker_exit leaves
    # through os._exit after closing the audit store and flushing logs.
    with Gunicorn(tmp_path, workers=1, CDS_MAX_REQUESTS="15") as server:
        first_workers = set(server.worker_pids())
        answered = []
        for _ in range(60):
            status, _, body = server.request("POST", "/v1/recommendations", PROFILE)
            assert status == 200
            answered.append(json.loads(body)["evaluation_id"])
        deadline = time.monotonic() + 10
        while not server.worker_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not first_workers & set(server.worker_pids())  # replaced
    stored = audit_ids(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    assert all(stored[evaluation_id] == 1 for evaluation_id in answered)
    logs = [json.loads(line) for line in server.stdout + server.stderr if line.startswith("{")]
    exits = [entry for entry in logs if entry["message"].startswith("Worker exiting")]
    assert len(exits) >= 4
    # Each request's app log line made it out before its worker left.
    logged = {entry.get("request_id") for entry in logs if entry["logger"] == "service.ops"}
    assert len(logged) >= 60
    # A clean exit code: the master reports no worker as failed or killed.
    assert not [
        entry
        for entry in logs
        if "exited with code" in entry["message"] or "was sent" in entry["message"]
    ]


@pytest.mark.parametrize(
    ("leaving", "code"),
    [
        ("sys.exit(0)", 0),
        ("sys.exit(3)", 3),
        ("sys.exit(None)", 0),
        ("sys.exit('x')", 1),
        ("raise RuntimeError('boom')", 1),
    ],
)
def test_worker_exit_keeps_the_workers_exit_code(tmp_path, leaving, code):
    # gunicorn exits a worker that failed to boot with code 3 and then stops the master
    # instead of forking failing workers forever: os._exit must keep that code.
    script = tmp_path / "leave.py"
    script.write_text(
        "import runpy, sys, types\n"
        f"hooks = runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r})\n"
        "worker = types.SimpleNamespace(wsgi=None)\n"
        "try:\n"
        f"    {leaving}\n"
        "finally:\n"
        "    hooks['worker_exit'](None, worker)\n"
    )
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "CDS_SECRET_KEY": "shared",
    }  # two workers by default: the config requires it
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == code, result.stderr

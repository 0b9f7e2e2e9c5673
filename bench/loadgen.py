"""Load generators: wrk (Debian's package) when installed, else a threaded Python one.

Both return the same summary: requests, requests/s, p50/p99/max latency in ms, errors
(connect, read, write and timeout errors, and HTTP statuses of 400 and above).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LUA = Path(__file__).resolve().parent / "wrk" / "report.lua"


def available() -> str:
    """`wrk` when it is on PATH, else `python`."""
    return "wrk" if shutil.which("wrk") else "python"


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else None


def run(
    tool: str,
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    api_key: str = "",
    connections: int = 1,
    duration: float = 10.0,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Drive `url` with `connections` concurrent connections for `duration` seconds."""
    if tool == "wrk":
        return _wrk(url, method, body, api_key, connections, duration, workdir)
    return _python(url, method, body, api_key, connections, duration)


def _wrk(url, method, body, api_key, connections, duration, workdir):
    env = dict(os.environ, BENCH_METHOD=method, BENCH_API_KEY=api_key, BENCH_BODY="")
    if body is not None:
        path = Path(workdir or "/tmp") / f"body-{os.getpid()}-{threading.get_ident()}.json"
        path.write_bytes(body)
        env["BENCH_BODY"] = str(path)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=duration + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("BENCH_JSON ") :])
    errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
    seconds = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "connections": connections,
        "requests": raw["requests"],
        "per_s": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def _python(url, method, body, api_key, connections, duration):
    parts = urlsplit(url)
    path = parts.path or "/"
    headers = {"X-API-Key": api_key} if api_key else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start = time.perf_counter()
    deadline = start + duration

    def worker(i: int) -> None:
        conn = None
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[i] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            latencies[i].append(time.perf_counter() - t0)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    samples = sorted(x for per in latencies for x in per)
    n = len(samples)
    pick = (lambda q: round(samples[min(n - 1, int(n * q))] * 1000, 2)) if n else (lambda q: None)
    return {
        "tool": "python",
        "connections": connections,
        "requests": n,
        "per_s": round(n / elapsed, 1),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "max_ms": round(samples[-1] * 1000, 2) if n else None,
        "errors": sum(errors),
        "error_kinds": {"any": sum(errors)},
    }

"""Figures for the proxy: load split over two replicas, 413s, slow clients (not a test).

    .venv/bin/python -m bench.proxy            # about a minute; needs Debian's nginx

Runs the repository's nginx configuration (deploy/nginx/cds.conf.template) with two
gunicorn replicas of one worker each on 127.0.0.2 and 127.0.0.3, as tests/ops/test_nginx.py
does, and prints what it measured.
"""

from __future__ import annotations

import json
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.ops.nginx import Dns, Nginx, free_port
from tests.ops.server import Gunicorn
from tests.ops.test_nginx import PROFILE, REPLICAS, call, served

NAME = "app.cds.test"
BODY_LIMIT = 1_048_576


def load_split(proxy: Nginx, apps: list[Gunicorn], total: int = 2000, threads: int = 8) -> None:
    body = json.dumps(PROFILE).encode()
    before = [len(served(a, "/v1/recommendations")) for a in apps]
    statuses: list[int] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        status = call(
            proxy.port,
            "POST",
            "/v1/recommendations",
            body=body,
            source=f"127.0.1.{n % threads + 1}",
        )[0]
        with lock:
            statuses.append(status)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - started
    time.sleep(1)
    counts = [len(served(a, "/v1/recommendations")) - b for a, b in zip(apps, before, strict=True)]
    print(
        f"load split: {total} POST /v1/recommendations through nginx, {threads} clients: "
        f"replica 1 {counts[0]}, replica 2 {counts[1]} "
        f"({100 * counts[0] / sum(counts):.1f} % / {100 * counts[1] / sum(counts):.1f} %); "
        f"status 200: {statuses.count(200)}, other: {len(statuses) - statuses.count(200)}; "
        f"{total / elapsed:.0f} req/s"
    )


def too_large(proxy: Nginx, app_port: int, n: int = 50) -> None:
    for name, port, host in (("nginx", proxy.port, "127.0.0.1"), ("app", app_port, REPLICAS[0])):
        json_413 = other = 0
        for _ in range(n):
            status, headers, body = call(
                port, "POST", "/v1/recommendations", host=host, body=b"{" + b" " * BODY_LIMIT
            )
            problem = headers.get("content-type") == "application/problem+json"
            if status == 413 and problem and json.loads(body)["status"] == 413:
                json_413 += 1
            else:
                other += 1
        at_limit = call(
            port, "POST", "/v1/recommendations", host=host, body=b"{" + b" " * (BODY_LIMIT - 1)
        )[0]
        print(
            f"413: {name}: {n} bodies of {BODY_LIMIT + 1} bytes → {json_413} × 413 problem "
            f"JSON, {other} other; a body of exactly {BODY_LIMIT} bytes → {at_limit}"
        )


def slow(port: int, n: int, host: str = "127.0.0.1") -> list[socket.socket]:
    """`n` clients that send headers and part of a body, then stall."""
    out = []
    for i in range(n):
        s = socket.create_connection(
            (host, port), timeout=5, source_address=(f"127.0.2.{i + 1}", 0)
        )
        s.sendall(
            b"POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: "
            b'application/json\r\nContent-Length: 1000\r\n\r\n{"age"'
        )
        out.append(s)
    return out


def timed(port: int, host: str, n: int, timeout: float) -> tuple[int, list[float]]:
    body = json.dumps(PROFILE).encode()
    ok, times = 0, []
    for i in range(n):
        started = time.perf_counter()
        try:
            status = call(
                port,
                "POST",
                "/v1/recommendations",
                body=body,
                host=host,
                source=f"127.0.3.{i % 200 + 1}",
                timeout=timeout,
            )[0]
            ok += status == 200
        except OSError:
            pass
        times.append(time.perf_counter() - started)
    return ok, times


def slow_clients(proxy: Nginx, app_port: int) -> None:
    held = slow(proxy.port, 16)
    try:
        ok, times = timed(proxy.port, "127.0.0.1", 50, timeout=10)
        print(
            f"slow clients: 16 stalled uploads through nginx (the replicas have 2 workers in "
            f"all): 50 other requests → {ok} × 200, median "
            f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
        )
        started = time.perf_counter()
        held[0].settimeout(30)
        answer = held[0].recv(200).split(b"\r\n", 1)[0].decode() or "connection closed"
        print(
            f"slow clients: nginx answered a stalled upload after "
            f"{time.perf_counter() - started:.1f} s (client_body_timeout 10s): {answer}"
        )
    finally:
        for s in held:
            s.close()
    held = slow(app_port, 1, host=REPLICAS[0])
    try:
        ok, times = timed(app_port, REPLICAS[0], 3, timeout=5)
        print(
            f"slow clients: 1 stalled upload straight to a one-worker replica (no proxy): "
            f"3 other requests → {ok} × 200 within 5 s each "
            f"(the sync worker waits on the stalled body)"
        )
    finally:
        for s in held:
            s.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        port = free_port(REPLICAS[0], also=REPLICAS[1:])
        env = {
            "CDS_TRUSTED_PROXY_HOPS": "1",
            "CDS_RATE_LIMIT": "1000000 per minute",
            "CDS_DATABASE_URL": f"sqlite:///{tmp / 'audit.sqlite3'}",
        }
        with Dns() as dns:
            dns.set(NAME, list(REPLICAS))
            apps = []
            try:
                for n, address in enumerate(REPLICAS):
                    (tmp / f"r{n}").mkdir()
                    apps.append(
                        Gunicorn(
                            tmp / f"r{n}",
                            workers=1,
                            host=address,
                            port=port,
                            CDS_SPOOL_DIR=str(tmp / f"r{n}" / "spool"),
                            **env,
                        ).__enter__()
                    )
                (tmp / "proxy").mkdir()
                with Nginx(tmp / "proxy", f"{NAME}:{port}", dns.address) as proxy:
                    load_split(proxy, apps)
                    too_large(proxy, port)
                    slow_clients(proxy, port)
            finally:
                for app in apps:
                    app.stop()


if __name__ == "__main__":
    main()

"""Run the service under gunicorn for a test: ephemeral port, captured JSON logs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.server import child_pids

ROOT = Path(__file__).resolve().parents[2]


class Gunicorn:
    """`gunicorn --preload 'service:create_app()'` with gunicorn.conf.py, on `host`:`port`.

    Port 0: any free one. Another loopback address (127.0.0.2, ...) lets two servers share
    a port, as replicas behind one DNS name do (tests/ops/test_nginx.py).
    """

    def __init__(
        self, tmp_path: Path, workers: int = 2, host: str = "127.0.0.1", port: int = 0, **env: str
    ):
        self.tmp_path = tmp_path
        self.host = host
        self.env = {
            **os.environ,
            "CDS_BIND": f"{host}:{port}",
            "CDS_WORKERS": str(workers),
            "CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
            "CDS_SPOOL_DIR": str(tmp_path / "spool"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "CDS_SECRET_KEY": "test-secret-shared-by-the-workers",  # required with 2 workers
            **env,
        }
        self.workers = workers
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.port = 0
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        (self.tmp_path / "metrics").mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "service:create_app()"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._drains = [
            threading.Thread(target=self._drain, args=(stream, sink), daemon=True)
            for stream, sink in (
                (self.process.stdout, self.stdout),
                (self.process.stderr, self.stderr),
            )
        ]
        for thread in self._drains:
            thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pattern = rf"Listening at: http://{re.escape(self.host)}:(\d+)"
            match = re.search(pattern, "\n".join(self.stderr))
            if match and len(self.worker_pids()) == self.workers:
                self.port = int(match.group(1))
                self.wait_ready()
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("gunicorn did not start:\n" + "\n".join(self.stderr[-30:]))

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            for thread in self._drains:
                thread.join(timeout=5)
            for stream in (self.process.stdout, self.process.stderr):
                if stream:
                    stream.close()

    @staticmethod
    def _drain(stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The master's live child processes (its workers)."""
        assert self.process is not None
        return child_pids(self.process.pid)

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn never answered /healthz")

    def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        headers: dict | None = None,
        timeout: float = 10,
    ) -> tuple[int, dict, str]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **(headers or {})}
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def logs(self) -> str:
        return "\n".join(self.stdout + self.stderr)

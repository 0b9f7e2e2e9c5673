"""Start the service under gunicorn on 127.0.0.1 (an ephemeral port) with production settings.

Used by the benchmark and by the soak test. The repository's gunicorn.conf.py (sync
workers, --preload, the production logging) is used when present; otherwise the same
essentials on the command line: `gunicorn -w 2 --preload 'service:create_app()'`.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "gunicorn.conf.py"


def child_pids(parent: int) -> list[int]:
    """The live (not zombie) child processes of `parent`, read from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        if int(fields[1]) == parent and fields[0] not in "ZX":
            pids.append(int(entry.name))
    return sorted(pids)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    host: str
    port: int
    api_key: str
    workdir: Path
    log_path: Path
    command: list[str]
    env: dict[str, str] = field(repr=False)
    cleanup: Callable[[], None] | None = None  # drops a PostgreSQL schema made for the run

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        return child_pids(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the master (graceful), SIGKILL if it lingers, remove the temp folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    workers: int = 2,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    ready_timeout: float = 60.0,
) -> Server:
    """Start gunicorn and wait until it answers; the caller stops it (or use `with`)."""
    workdir = Path(tempfile.mkdtemp(prefix="cds-bench-"))
    cleanup = None
    if database_url and database_url.startswith("postgresql"):
        database_url, cleanup = _own_schema(database_url)
    port = free_port()
    api_key = secrets.token_urlsafe(24)
    env = dict(os.environ)
    env.update(
        {
            "CDS_DATABASE_URL": database_url or f"sqlite:///{workdir / 'audit.sqlite3'}",
            "CDS_SPOOL_DIR": str(workdir / "spool"),
            "CDS_API_KEYS": api_key,
            # One load generator is one caller: the per-caller production limit would
            # answer 429 within seconds. Everything else stays as deployed.
            "CDS_RATE_LIMIT": "100000000 per minute",
            "CDS_SECRET_KEY": secrets.token_hex(32),
            "CDS_WORKERS": str(workers),
            "CDS_BIND": f"127.0.0.1:{port}",
            "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        }
    )
    env.update(extra_env or {})
    (workdir / "metrics").mkdir()
    gunicorn = [sys.executable, "-m", "gunicorn"]
    if CONFIG.exists():
        command = gunicorn + [
            "-c",
            str(CONFIG),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ]
    else:
        command = gunicorn + [
            "--workers",
            str(workers),
            "--preload",
            "--bind",
            f"127.0.0.1:{port}",
            "service:create_app()",
        ]
    log_path = workdir / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Server(process, "127.0.0.1", port, api_key, workdir, log_path, command, env, cleanup)
    deadline = time.monotonic() + ready_timeout
    while True:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail}")
        if _answers(server) and len(server.worker_pids()) >= workers:
            return server
        if time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"gunicorn did not answer within {ready_timeout} s:\n{tail}")
        time.sleep(0.2)


def _own_schema(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh schema on that PostgreSQL server for this run, dropped when it stops."""
    import uuid
    from urllib.parse import quote

    import psycopg

    schema = f"cds_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}", drop


def _answers(server: Server) -> bool:
    for path in ("/healthz", "/v1/knowledge-base"):
        try:
            conn = http.client.HTTPConnection(server.host, server.port, timeout=2)
            conn.request("GET", path, headers={"X-API-Key": server.api_key})
            status = conn.getresponse().status
            conn.close()
        except OSError:
            return False
        if status == 200:
            return True
    return False

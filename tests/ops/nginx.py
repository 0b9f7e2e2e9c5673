"""Debian's nginx running the repository's proxy configuration, for tests on 127.0.0.1.

`deploy/nginx/cds.conf.template` is rendered exactly as the nginx image renders it in
docker-compose.yml (envsubst of the three CDS_PROXY_* variables, nothing else), with a
small DNS server standing in for Docker's: it answers for the app's name with whatever
addresses a test sets, so adding and removing replicas can be played out.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from dnslib import QTYPE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "cds.conf.template"
VARIABLES = ("CDS_PROXY_LISTEN", "CDS_PROXY_UPSTREAM", "CDS_PROXY_RESOLVER")


def nginx_binary() -> str | None:
    """The nginx executable (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render(template: str, values: dict[str, str]) -> str:
    """envsubst as the nginx image runs it: only the named variables, `$host` etc. untouched."""
    assert set(values) == set(VARIABLES), sorted(values)
    out = template
    for name, value in values.items():
        out = out.replace("${" + name + "}", value)
    left = re.findall(r"\$\{[A-Z_]+\}", out)
    assert not left, f"unrendered variables {left}"
    return out


def free_port(host: str = "127.0.0.1", also: Iterable[str] = ()) -> int:
    """A TCP port free on `host` and on every address in `also` (replicas share a port)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        try:
            for other in also:
                with socket.socket() as s:
                    s.bind((other, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on every address")


class _Answers(BaseResolver):
    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        with self.lock:
            addresses = list(self.names.get(name, []))
        if request.q.qtype == QTYPE.A:
            for address in addresses:
                reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(address), ttl=1))
        if not addresses:
            reply.header.rcode = 3  # NXDOMAIN
        return reply


class Dns:
    """A UDP DNS server on 127.0.0.1 answering A queries from `set(name, addresses)`."""

    def __init__(self) -> None:
        self.answers = _Answers()
        quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self.server = DNSServer(self.answers, address="127.0.0.1", port=0, logger=quiet)

    def __enter__(self) -> Dns:
        self.server.start_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.server.server.server_close()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server.server_address[1]}"

    def set(self, name: str, addresses: list[str]) -> None:
        with self.answers.lock:
            self.answers.names[name.lower()] = list(addresses)


class Nginx:
    """nginx -p <tmp> with the rendered configuration, listening on 127.0.0.1:<port>."""

    def __init__(self, tmp_path: Path, upstream: str, resolver: str, port: int = 0):
        self.binary = nginx_binary()
        if self.binary is None:
            raise RuntimeError("nginx is not installed")
        self.prefix = tmp_path
        self.port = port or free_port()
        self.values = {
            "CDS_PROXY_LISTEN": f"127.0.0.1:{self.port}",
            "CDS_PROXY_UPSTREAM": upstream,
            "CDS_PROXY_RESOLVER": resolver,
        }
        self.process: subprocess.Popen | None = None

    def config(self) -> Path:
        """Write nginx.conf (process settings a container image would own) around the site."""
        for folder in ("logs", "temp"):
            (self.prefix / folder).mkdir(parents=True, exist_ok=True)
        site = self.prefix / "cds.conf"
        site.write_text(render(TEMPLATE.read_text(), self.values))
        temp = self.prefix / "temp"
        main = self.prefix / "nginx.conf"
        main.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"""daemon off;
worker_processes 1;
pid {self.prefix / "nginx.pid"};
error_log {self.prefix / "logs" / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    default_type application/octet-stream;
    access_log {self.prefix / "logs" / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {site};
}}
"""
        )
        return main

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the rendered configuration."""
        assert self.binary is not None
        return subprocess.run(
            [
                self.binary,
                "-t",
                "-p",
                str(self.prefix),
                "-c",
                str(self.config()),
                "-e",
                str(self.prefix / "logs" / "startup.log"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def __enter__(self) -> Nginx:
        checked = self.check()
        if checked.returncode != 0:
            raise RuntimeError("nginx -t failed:\n" + checked.stderr)
        assert self.binary is not None
        self.process = subprocess.Popen(
            [
                self.binary,
                "-p",
                str(self.prefix),
                "-c",
                str(self.prefix / "nginx.conf"),
                "-e",
                str(self.prefix / "logs" / "startup.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start:\n" + self.error_log())

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.prefix / "logs" / "error.log"
        return path.read_text() if path.exists() else ""

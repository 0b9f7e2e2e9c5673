"""The proxy as compose runs it: Debian's nginx with deploy/nginx/cds.conf.template, two apps.

Two gunicorn servers (one worker each) play two replicas: the same port on 127.0.0.2 and
127.0.0.3, both answering for one DNS name, as Docker's DNS answers for `app`. Every
check goes through nginx on 127.0.0.1 and reads what each app saw in its own access log.
Skipped, loudly, only when nginx is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops.nginx import Dns, Nginx, free_port, nginx_binary
from tests.ops.server import Gunicorn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        nginx_binary() is None,
        reason="NGINX IS NOT INSTALLED: the proxy tests did not run (apt-get install nginx-light)",
    ),
]

APP_NAME = "app.cds.test"
REPLICAS = ("127.0.0.2", "127.0.0.3")
GONE = "127.0.0.5"  # a replica removed, its address still in the proxy's DNS cache
PROFILE = {
    "age": 61,
    "sex": "male",
    "kidney": {"egfr": 55},
    "medications": [{"name": "Cipro 500 mg"}],
}
BODY_LIMIT = 1_048_576  # CDS_MAX_CONTENT_LENGTH's default, and nginx's client_max_body_size 1m
RATE_LIMIT = 5


@dataclass
class Stack:
    dns: Dns
    apps: list[Gunicorn]
    proxy: Nginx
    app_port: int


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    host: str = "127.0.0.1",
    timeout: float = 15,
) -> tuple[int, dict[str, str], bytes]:
    """One request from the client address `source` (another loopback address: another client)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(
            method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def served(app: Gunicorn, path: str) -> list[dict]:
    """The access-log entries of `app` for `path` (JSON lines on its stdout)."""
    entries = []
    for line in list(app.stdout):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "gunicorn.access" and entry.get("path") == path:
            entries.append(entry)
    return entries


def wait_for_logs(apps: list[Gunicorn], path: str, total: int) -> None:
    """Access lines are written after the answer: wait (bounded) until all `total` are in."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if sum(len(served(a, path)) for a in apps) >= total:
            return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("nginx-stack")
    port = free_port(REPLICAS[0], also=REPLICAS[1:])
    env = {
        "CDS_TRUSTED_PROXY_HOPS": "1",  # as in docker-compose.yml
        "CDS_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "CDS_DATABASE_URL": f"sqlite:///{tmp / 'audit.sqlite3'}",
        "CDS_API_KEYS": "",
        "CDS_API_KEYS_SHA256": "",
        "CDS_TRUSTED_ISSUERS": "",
    }
    with Dns() as dns:
        dns.set(APP_NAME, list(REPLICAS))
        apps = []
        try:
            for n, address in enumerate(REPLICAS):
                folder = tmp / f"replica-{n}"
                folder.mkdir()
                app = Gunicorn(
                    folder,
                    workers=1,
                    host=address,
                    port=port,
                    CDS_SPOOL_DIR=str(folder / "spool"),
                    **env,
                )
                apps.append(app.__enter__())
            with Nginx(tmp / "proxy", f"{APP_NAME}:{port}", dns.address) as proxy:
                yield Stack(dns, apps, proxy, port)
        finally:
            for app in apps:
                app.stop()


def test_the_configuration_passes_nginx_t(stack):
    checked = stack.proxy.check()
    assert checked.returncode == 0, checked.stderr


PUBLIC = "/openapi.json"  # a public route no rate limit counts


def test_requests_spread_over_both_replicas(stack):
    before = [len(served(a, PUBLIC)) for a in stack.apps]
    statuses = [call(stack.proxy.port, "GET", PUBLIC)[0] for _ in range(40)]
    assert statuses == [200] * 40
    wait_for_logs(stack.apps, PUBLIC, sum(before) + 40)
    counts = [len(served(a, PUBLIC)) - b for a, b in zip(stack.apps, before, strict=True)]
    assert sum(counts) == 40
    assert all(c > 0 for c in counts), counts  # nginx picks at random: both, with p ≈ 1 - 2⁻³⁹


def test_the_app_sees_the_client_address_and_counts_its_budget_per_client(stack):
    # Two clients behind the proxy: one spends its budget, the other still has its own.
    first = [
        call(stack.proxy.port, "GET", "/v1/evaluations/nope", source="127.0.0.10")[0]
        for _ in range(2 * RATE_LIMIT + 2)
    ]
    assert 429 in first and first.index(429) >= RATE_LIMIT, first
    other, _, _ = call(stack.proxy.port, "GET", "/v1/evaluations/nope", source="127.0.0.11")
    assert other == 404  # authorised (open API), not found, and not rate-limited
    wait_for_logs(stack.apps, "/v1/evaluations/nope", len(first) + 1)
    remotes = {e["remote"] for a in stack.apps for e in served(a, "/v1/evaluations/nope")}
    assert remotes == {"127.0.0.10", "127.0.0.11"}  # never nginx's own address


def test_a_forged_forwarded_for_is_not_the_client_address(stack):
    status, _, _ = call(
        stack.proxy.port,
        "GET",
        "/v1/evaluations/forged",
        source="127.0.0.12",
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert status == 404
    wait_for_logs(stack.apps, "/v1/evaluations/forged", 1)
    remotes = [e["remote"] for a in stack.apps for e in served(a, "/v1/evaluations/forged")]
    assert remotes == ["127.0.0.12"]  # the one hop the app trusts is nginx's


@pytest.mark.parametrize("target", ["proxy", "app"])
def test_a_body_over_the_limit_is_413_as_a_json_problem_at_the_proxy_and_the_app(stack, target):
    port = stack.proxy.port if target == "proxy" else stack.app_port
    host = "127.0.0.1" if target == "proxy" else REPLICAS[0]
    status, headers, body = call(
        port,
        "POST",
        "/v1/recommendations",
        host=host,
        body=b"{" + b" " * (BODY_LIMIT - 1),
        source="127.0.0.13",
    )
    assert status != 413  # the largest body allowed passes both (then: not JSON, a 400)
    status, headers, body = call(
        port,
        "POST",
        "/v1/recommendations",
        host=host,
        body=b"{" + b" " * BODY_LIMIT,
        source="127.0.0.14",
    )
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["type"]) == (413, "about:blank")


@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/readyz"])
def test_operations_endpoints_are_not_served_through_the_proxy(stack, path):
    status, headers, body = call(stack.proxy.port, "GET", path)
    assert status == 404 and headers["content-type"] == "application/problem+json"
    assert "ask each replica directly" in json.loads(body)["detail"]
    assert call(stack.app_port, "GET", path, host=REPLICAS[0])[0] == 200


def test_slow_clients_do_not_hold_the_app_workers(stack):
    # More stalled uploads than the two replicas have workers (one each): nginx holds them.
    slow = []
    try:
        for n in range(4):
            s = socket.create_connection(
                ("127.0.0.1", stack.proxy.port), timeout=5, source_address=(f"127.0.0.{20 + n}", 0)
            )
            s.sendall(
                b"POST /v1/recommendations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"age"'
            )
            slow.append(s)
        for n in range(6):
            status, _, body = call(
                stack.proxy.port,
                "POST",
                "/v1/recommendations",
                body=json.dumps(PROFILE).encode(),
                source=f"127.0.0.{30 + n}",
                timeout=10,
            )
            assert status == 200, body
    finally:
        for s in slow:
            s.close()


def test_scaling_up_and_down_needs_no_proxy_restart(stack, tmp_path):
    name = "scale.cds.test"
    stack.dns.set(name, [REPLICAS[0]])
    first, second = stack.apps
    with Nginx(tmp_path, f"{name}:{stack.app_port}", stack.dns.address) as proxy:
        before = len(served(second, PUBLIC))
        assert [call(proxy.port, "GET", PUBLIC)[0] for _ in range(5)] == [200] * 5
        time.sleep(0.5)  # any access line of a request that went astray is written by now
        assert len(served(second, PUBLIC)) == before  # one replica so far

        stack.dns.set(name, list(REPLICAS))  # `replicas: 2`: Docker's DNS now names both
        deadline = time.monotonic() + 20  # the proxy caches answers 5 s (valid=5s)
        while time.monotonic() < deadline and len(served(second, PUBLIC)) == before:
            assert call(proxy.port, "GET", PUBLIC)[0] == 200
            time.sleep(0.2)
        assert len(served(second, PUBLIC)) > before, "the new replica never got a request"

        # Scaled down, and the proxy still holds the address of a replica that is gone: the
        # connection is refused there and the request goes to the next replica.
        stack.dns.set(name, [GONE, REPLICAS[0]])
        time.sleep(6)  # let the old answer expire: from now on GONE is a candidate
        statuses = [call(proxy.port, "GET", PUBLIC)[0] for _ in range(20)]
        assert statuses == [200] * 20

        stack.dns.set(name, [GONE])  # nothing left: a JSON problem, not nginx's HTML page
        time.sleep(6)
        status, headers, body = call(proxy.port, "GET", PUBLIC)
        assert status == 502 and headers["content-type"] == "application/problem+json"
        assert json.loads(body)["status"] == 502
        assert "[error]" in proxy.error_log()  # the refused connections are logged


class _Echo:
    """An HTTP server that answers with the headers it received (what the app would see)."""

    def __init__(self, host: str, port: int):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                body = json.dumps(dict(self.headers.items())).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)

    def __enter__(self) -> _Echo:
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_proxy_forwards_the_host_with_its_port_and_sets_the_forwarded_headers(stack, tmp_path):
    echo_address = "127.0.0.4"
    port = free_port(echo_address)
    stack.dns.set("echo.cds.test", [echo_address])
    with (
        _Echo(echo_address, port),
        Nginx(tmp_path, f"echo.cds.test:{port}", stack.dns.address) as proxy,
    ):
        status, _, body = call(
            proxy.port,
            "GET",
            "/",
            source="127.0.0.40",
            headers={
                "X-Forwarded-For": "203.0.113.9",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "evil.example",
                "X-Forwarded-Port": "443",
            },
        )
    assert status == 200
    seen = {k.lower(): v for k, v in json.loads(body).items()}
    public = f"127.0.0.1:{proxy.port}"
    assert seen["host"] == public  # with the port: the URL the client used
    assert seen["x-forwarded-host"] == public
    assert seen["x-forwarded-proto"] == "http"  # nginx's scheme, not the client's claim
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.40"  # nginx's hop is the last
    assert "x-forwarded-port" not in seen


def test_compose_and_the_tests_render_the_same_file():
    text = Path(__file__).resolve().parents[2].joinpath("docker-compose.yml").read_text()
    assert "deploy/nginx/cds.conf.template:/etc/nginx/templates/default.conf.template:ro" in text


def test_a_jwt_for_the_public_url_is_accepted_behind_the_proxy(tmp_path):
    import uuid

    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    issuer, address = "https://ehr.example.org", "127.0.0.6"
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", alg="ES384", use="sig")
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"  # what the client calls, as in CDS_SERVICE_URL

    def token(audience: str) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": "ehr-client",
            "aud": audience,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex,
        }
        signed = jwt.encode(claims, key, algorithm="ES384", headers={"kid": "k1"})
        return {"Authorization": f"Bearer {signed}"}

    with Dns() as dns:
        dns.set("jwt.cds.test", [address])
        app = Gunicorn(
            tmp_path,
            workers=1,
            host=address,
            CDS_TRUSTED_PROXY_HOPS="1",
            CDS_TRUSTED_ISSUERS=json.dumps({issuer: str(tmp_path / "jwks.json")}),
            CDS_SERVICE_URL=public,
        )
        (tmp_path / "proxy").mkdir()
        with (
            app,
            Nginx(
                tmp_path / "proxy", f"jwt.cds.test:{app.port}", dns.address, port=proxy_port
            ) as proxy,
        ):
            accepted = call(
                proxy.port,
                "GET",
                "/v1/evaluations/nope",
                headers=token(public),
                source="127.0.0.50",
            )[0]
            internal = call(
                proxy.port,
                "GET",
                "/v1/evaluations/nope",
                headers=token(app.url),
                source="127.0.0.50",
            )[0]
            wait_for_logs([app], "/v1/evaluations/nope", 2)
            remotes = {e["remote"] for e in served(app, "/v1/evaluations/nope")}
    assert (accepted, internal) == (404, 401)  # signed for the public URL: in (then not found)
    assert remotes == {"127.0.0.50"}

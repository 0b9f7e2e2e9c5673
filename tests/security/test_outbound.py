"""service.security.outbound: URL parsing, base matching, address checks, pinned connections."""

from __future__ import annotations

import socket

import pytest
from werkzeug.wrappers import Response

from service.security.outbound import (
    Deadline,
    DeadlineExceeded,
    FhirBase,
    Refused,
    TooLarge,
    allowed_base,
    checked_address,
    fetch_json,
    parse_outbound,
)
from service.security.startup import ConfigError
from tests.cds_hooks.hostile_servers import RawServer, RecordingApp, serve


@pytest.fixture
def target():
    seen_hosts: list[str] = []

    def route(request, root):
        seen_hosts.append(request.headers.get("Host", ""))
        return Response('{"resourceType": "Patient"}', mimetype="application/fhir+json")

    app = RecordingApp(route)
    with serve(app) as url:
        app.url = url  # type: ignore[attr-defined]
        app.hosts = seen_hosts  # type: ignore[attr-defined]
        yield app


@pytest.mark.parametrize(
    "url",
    [
        "http://127.1:80\\@localhost/",
        "http://user@host.example/",
        "http://user:pw@host.example/",
        "ftp://host.example/",
        "//host.example/",
        "http:///path",
        "http://host.example/a b",
        "http://host.example/\r\nX: y",
        "http://host.example/#x",
        "http://host.example:99999/",
        "",
    ],
)
def test_unsafe_urls_are_refused(url):
    with pytest.raises(Refused):
        parse_outbound(url)


def test_base_matching_is_by_scheme_host_port_and_path_segment():
    base = FhirBase.parse("https://Fhir.Example.org:443/r4/")
    assert base.url == "https://fhir.example.org:443/r4"
    covered = [
        "https://fhir.example.org/r4",
        "https://fhir.example.org/r4/Patient/1",
        "https://fhir.example.org:443/r4?_getpages=abc",
        "https://FHIR.example.org/r4/",
    ]
    not_covered = [
        "http://fhir.example.org/r4/Patient/1",
        "https://fhir.example.org:8443/r4/Patient/1",
        "https://fhir.example.org/r4-admin/x",
        "https://fhir.example.org/r4/../admin",  # dot segments removed: /admin
        "https://fhir.example.org/",
        "https://other.example.org/r4/Patient/1",
    ]
    assert [bool(allowed_base(parse_outbound(u), [base])) for u in covered] == [True] * 4
    assert [bool(allowed_base(parse_outbound(u), [base])) for u in not_covered] == [False] * 6


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("http://fhir.example.org/r4", "internal"),
        ("https://u@fhir.example.org/r4", "userinfo"),
        ("https://fhir.example.org/r4?x=1", "query"),
        ({"url": "https://fhir.example.org", "internal": "yes"}, "true or false"),
        ({"url": "https://fhir.example.org", "private": True}, "URL or"),
        (42, "URL or"),
    ],
)
def test_unusable_bases_stop_the_start(entry, message):
    with pytest.raises(ConfigError, match=message):
        FhirBase.parse(entry)


def test_non_public_addresses_need_an_internal_base():
    public_only = FhirBase("https://localhost")
    with pytest.raises(Refused, match="non-public"):
        checked_address("localhost", 443, public_only)
    with pytest.raises(Refused, match="non-public"):
        checked_address("10.1.2.3", 443, public_only)
    with pytest.raises(Refused, match="non-public"):
        checked_address("::ffff:127.0.0.1", 443, public_only)  # IPv4-mapped loopback
    assert checked_address("127.0.0.1", 443, FhirBase("http://127.0.0.1", internal=True))


@pytest.mark.parametrize("address", ["169.254.169.254", "0.0.0.0", "224.0.0.1"])
def test_metadata_and_unspecified_addresses_are_never_allowed(address):
    with pytest.raises(Refused):
        checked_address(address, 80, FhirBase(f"http://{address}", internal=True))


def fetch(url: str, base: FhirBase, deadline: Deadline | None = None):
    return fetch_json(
        parse_outbound(url),
        {"Accept": "application/fhir+json"},
        base=base,
        deadline=deadline or Deadline(5),
        max_bytes=100_000,
        timeout_seconds=3,
    )


def test_a_loopback_server_behind_a_public_only_base_gets_no_request(target):
    with pytest.raises(Refused):
        fetch(target.url + "/Patient/1", FhirBase(target.url, internal=False))
    assert target.seen == []
    assert fetch(target.url + "/Patient/1", FhirBase(target.url, internal=True))[0] == 200
    assert target.paths == ["/Patient/1"]


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(target, monkeypatch):
    # DNS rebinding: a name that resolves to an allowed address for the check and to
    # another one a moment later. The name is resolved once; the connection uses that.
    port = int(target.url.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.test":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "192.0.2.1"  # TEST-NET-1
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    status, body = fetch(
        f"http://rebind.test:{port}/Patient/1",
        FhirBase(f"http://rebind.test:{port}", internal=True),
    )
    assert (status, body) == (200, {"resourceType": "Patient"})
    assert lookups == ["rebind.test"]
    assert target.hosts == [f"rebind.test:{port}"]


def test_an_expired_deadline_makes_no_request(target):
    clock = iter([0.0, 10.0, 10.0, 10.0, 10.0]).__next__
    with pytest.raises(DeadlineExceeded):
        fetch(target.url + "/x", FhirBase(target.url, internal=True), Deadline(1, clock=clock))
    assert target.seen == []


def test_a_declared_length_over_the_cap_is_refused_before_reading():
    # Headers promise 20 MB, then nothing comes: only the Content-Length check can
    # answer TooLarge here (the streamed count would wait for bytes until the deadline).
    def handler(conn, server):
        server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 20000000\r\n\r\n")
        server.client_hung_up.wait(timeout=3)  # bounded

    with RawServer(handler) as server:
        with pytest.raises(TooLarge):
            fetch(server.url + "/x", FhirBase(server.url, internal=True), Deadline(2))


def self_signed(tmp_path, name: str):
    """A certificate for `name` (its own CA) and its key, as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.mark.parametrize(("served_name", "ok"), [("fhir.test", True), ("other.test", False)])
def test_tls_is_verified_against_the_name_while_connecting_to_the_address(
    tmp_path, monkeypatch, served_name, ok
):
    import ssl
    import threading

    from werkzeug.serving import make_server

    cert, key = self_signed(tmp_path, served_name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    app = RecordingApp(
        lambda request, root: Response('{"resourceType": "Patient"}', mimetype="application/json")
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            if host == "fhir.test"
            else real(host, *a, **k)
        ),
    )
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trust the test certificate only
    try:
        base = FhirBase(f"https://fhir.test:{port}", internal=True)
        if ok:
            assert fetch(f"https://fhir.test:{port}/Patient/1", base) == (
                200,
                {"resourceType": "Patient"},
            )
            assert app.paths == ["/Patient/1"]
        else:
            with pytest.raises(Refused):
                fetch(f"https://fhir.test:{port}/Patient/1", base)
            assert app.seen == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

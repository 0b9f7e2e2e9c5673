"""Outbound HTTP to a server a caller named (CDS Hooks `fhirServer`), safe against SSRF.

    base = FhirBase.parse("https://fhir.example.org/r4")           # ConfigError when unusable
    url = parse_outbound("https://fhir.example.org/r4/Patient/1")   # Refused when unsafe
    allowed_base(url, [base])                                       # the base it falls under
    fetch_json(url, headers, base=base, deadline=d, max_bytes=n, timeout_seconds=t)

- URLs are parsed by urllib3's parser, the one that connects; userinfo, backslashes,
  whitespace and control characters are refused before anything else happens.
- A fetch goes only to an allow-listed base (same scheme, host and port, path under it).
- **DNS rebinding**: the host is resolved once, every address it resolves to is checked,
  and the connection goes to that checked address (a urllib3 pool opened on the IP, TLS
  verified against the host name through `server_hostname`/`assert_hostname`, the `Host`
  header set): the name is never resolved a second time between check and connect.
- Loopback, private, link-local and other non-global addresses are refused unless the
  base is allow-listed with `internal: true`; cloud metadata addresses always.
- One `Deadline` bounds every fetch of one call: when it passes, every socket opened under
  it is shut down, so a server trickling bytes cannot hold a worker. A byte cap bounds each
  answer (Content-Length first, then while streaming), and a `ByteBudget` all the answers
  of one call together; compressed answers are refused
  (a small gzip body can expand without bound).

Hand-written because no library checks the resolved address and pins the connection to
it; the HTTP itself is urllib3's.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, LocationParseError
from urllib3.util import Timeout, Url, parse_url

from service.security.startup import ConfigError

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
# Cloud instance metadata: never a FHIR server, refused even on an internal base.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
CHUNK_BYTES = 65_536


class Refused(Exception):
    """The fetch was not made or not finished; `reason` is for the log, not the caller."""

    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status  # the server's HTTP status when it answered one


class DeadlineExceeded(Refused):
    """The call's wall-clock deadline passed."""


class TooLarge(Refused):
    """An answer was larger than the byte cap."""


def parse_outbound(url: str) -> Url:
    """Parse `url` with urllib3; Refused when it is not a plain http(s) URL without userinfo."""
    if not isinstance(url, str) or not url:
        raise Refused("not a URL")
    if "\\" in url or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise Refused("backslash, whitespace or control character in the URL")
    try:
        parsed = parse_url(url)
    except (LocationParseError, ValueError):
        raise Refused("unparseable URL") from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise Refused("not an http(s) URL")
    if parsed.auth is not None or "@" in (parsed.netloc or ""):
        raise Refused("userinfo in the URL")
    if not parsed.host:
        raise Refused("no host in the URL")
    if parsed.fragment is not None:
        raise Refused("fragment in the URL")
    return parsed


def _port(url: Url) -> int:
    return url.port or DEFAULT_PORTS[str(url.scheme)]


def _path(url: Url) -> str:
    return (url.path or "").rstrip("/")


@dataclass(frozen=True)
class FhirBase:
    """An allow-listed FHIR base URL; `internal` lets it resolve to non-global addresses."""

    url: str
    internal: bool = False

    @classmethod
    def parse(cls, entry: Any) -> FhirBase:
        """Read `"https://…"` or `{"url": "…", "internal": true}`; ConfigError when unusable."""
        url: Any
        if isinstance(entry, str):
            url, internal = entry, False
        elif isinstance(entry, Mapping) and set(entry) <= {"url", "internal"}:
            url, internal = entry.get("url"), entry.get("internal", False)
        else:
            raise ConfigError(
                f"an allowed FHIR server must be a URL or {{url, internal}}: {entry!r}"
            )
        if not isinstance(internal, bool):
            raise ConfigError(f"`internal` must be true or false for {url!r}")
        try:
            parsed = parse_outbound(url)
        except Refused as error:
            raise ConfigError(f"allowed FHIR server {url!r}: {error.reason}") from None
        if parsed.query is not None:
            raise ConfigError(f"allowed FHIR server {url!r}: a base URL has no query")
        if parsed.scheme == "http" and not internal:
            # Tokens and patient data cross the internet only over TLS.
            raise ConfigError(f"allowed FHIR server {url!r}: http is accepted only when internal")
        return cls(str(parsed.url).rstrip("/"), internal)

    @property
    def parsed(self) -> Url:
        return parse_url(self.url)

    def covers(self, url: Url) -> bool:
        """True when `url` has this base's scheme, host and port and a path under its path."""
        base = self.parsed
        if (url.scheme, url.host, _port(url)) != (base.scheme, base.host, _port(base)):
            return False
        path, root = url.path or "/", _path(base)
        # The base itself (HAPI's `base?_getpages=…`) or a path below it; never a sibling
        # such as /r4-admin under /r4. parse_url has already removed dot segments.
        return path.rstrip("/") == root or path.startswith(root + "/")


def allowed_base(url: Url, bases: Iterable[FhirBase]) -> FhirBase | None:
    """The allow-listed base `url` falls under, or None."""
    return next((b for b in bases if b.covers(url)), None)


class ByteBudget:
    """Bytes left for all the answers of one call, shared by its fetching threads."""

    def __init__(self, total: int):
        self.total = total
        self._left = total
        self._lock = threading.Lock()

    def spend(self, count: int) -> None:
        """Count `count` bytes read; TooLarge once the call has read more than its total."""
        with self._lock:
            self._left -= count
            if self._left < 0:
                raise TooLarge("the call's answers together over the total cap")


class Deadline:
    """One wall-clock limit for several fetches; when it passes, their sockets are shut."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._expires_at = clock() + seconds
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._expired = False

    def remaining(self) -> float:
        """Seconds left; DeadlineExceeded when none."""
        left = self._expires_at - self._clock()
        if left <= 0 or self._expired:
            raise DeadlineExceeded("deadline passed")
        return left

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            if self._expired:
                _shut(sock)
                sock.close()  # urllib3 never saw it: nobody else would close it
                raise DeadlineExceeded("deadline passed")
            self._sockets.add(sock)

    def unregister(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sockets.discard(sock)  # type: ignore[arg-type]

    def expire(self) -> None:
        """Shut every socket opened under this deadline: blocked reads return at once."""
        with self._lock:
            self._expired = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _DeadlineHTTPConnection(HTTPConnection):
    """urllib3's connection, its socket registered with the call's Deadline."""

    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any):
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._deadline.register(sock)
        return sock


class _DeadlineHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any):
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._deadline.register(sock)
        return sock


def checked_address(host: str, port: int, base: FhirBase) -> str:
    """Resolve `host` once and return an address every check passed; Refused otherwise."""
    name = host.strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused("host name did not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise Refused("host name did not resolve")
    for address in addresses:
        # Every address, not only the first: a name may hold a public and a private one.
        plain = getattr(address, "ipv4_mapped", None) or address
        if plain in METADATA_ADDRESSES or plain.is_unspecified or plain.is_multicast:
            raise Refused("address never allowed")
        if not plain.is_global and not base.internal:
            raise Refused("non-public address on a base not marked internal")
    return str(addresses[0])


def fetch_json(
    url: Url,
    headers: Mapping[str, str],
    *,
    base: FhirBase,
    deadline: Deadline,
    max_bytes: int,
    timeout_seconds: float,
    budget: ByteBudget | None = None,
) -> tuple[int, Any]:
    """GET `url` (already under `base`) and return (status, parsed JSON or None when not 200)."""
    host, port = str(url.host), _port(url)
    address = checked_address(host, port, base)
    host_header = host if port == DEFAULT_PORTS[str(url.scheme)] else f"{host}:{port}"
    per_read = min(timeout_seconds, deadline.remaining())
    pool: urllib3.HTTPConnectionPool
    if url.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=host.strip("[]"),
            assert_hostname=host.strip("[]"),
            deadline=deadline,
        )
        pool.ConnectionCls = _DeadlineHTTPSConnection
    else:
        pool = urllib3.HTTPConnectionPool(
            address, port, maxsize=1, retries=False, deadline=deadline
        )
        pool.ConnectionCls = _DeadlineHTTPConnection
    target = (url.path or "/") + (f"?{url.query}" if url.query is not None else "")
    try:
        response = pool.urlopen(
            "GET",
            target,
            headers={**headers, "Host": host_header, "Accept-Encoding": "identity"},
            redirect=False,  # a redirect could lead anywhere: not followed
            retries=False,
            preload_content=False,
            decode_content=False,
            timeout=Timeout(connect=per_read, read=per_read),
        )
        try:
            if response.status != 200:
                return response.status, None
            body = _read_capped(response, max_bytes, deadline, budget)
        finally:
            sock = getattr(response.connection, "sock", None) if response.connection else None
            deadline.unregister(sock)
            response.release_conn()
    except Refused:
        raise
    except (HTTPError, OSError, ValueError):
        deadline.remaining()  # a socket shut by the deadline reads as the deadline
        raise Refused("connection failed") from None
    finally:
        pool.close()
    try:
        return 200, json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise Refused("answer is not JSON", status=200) from None


def _read_capped(
    response: Any, max_bytes: int, deadline: Deadline, budget: ByteBudget | None
) -> bytes:
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise Refused("compressed answer", status=response.status)
    declared = response.headers.get("Content-Length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Refused("bad Content-Length", status=response.status)
        if int(declared) > max_bytes:
            raise TooLarge("Content-Length over the cap", status=response.status)
    body = bytearray()
    for chunk in response.stream(CHUNK_BYTES, decode_content=False):
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge("answer over the cap", status=response.status)
        if budget is not None:
            budget.spend(len(chunk))
        deadline.remaining()
    return bytes(body)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")

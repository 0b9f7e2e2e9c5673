"""JWK Sets with a bounded lifetime: a key removed from the set stops working.

`KeySet(source).key(kid)` returns the key `kid` of the set at `source` (a URL or a file).

- A URL's set is kept for `lifetime_seconds` (CDS_JWKS_CACHE_SECONDS, default 300) and
  then fetched again: a key the issuer removed is refused once that lifetime has passed
  (PyJWKClient's key cache kept every used `kid` for the life of the process).
- An unknown `kid` refetches the set at once (at most one fetch per
  `REFETCH_COOLDOWN_SECONDS`), so a rotated key is picked up on its first use, not after
  PyJWKClient's 30 s cooldown.
- A set that cannot be fetched again when its lifetime is over is not used: tokens are
  refused until the issuer's JWKS answers (fail closed).
- A file is re-read whenever its modification time or size changes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import requests

REFETCH_COOLDOWN_SECONDS = 1.0
MAX_JWKS_BYTES = 1_000_000


class KeySetUnavailable(Exception):
    """The set could not be read, or holds no usable key; the message never holds a token."""


class KeySet:
    """One JWK Set source: a URL (fetched, cached for a lifetime) or a file."""

    def __init__(
        self,
        source: str,
        *,
        lifetime_seconds: float = 300.0,
        timeout_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.source = source
        self._is_url = source.startswith(("https://", "http://"))
        self._lifetime = lifetime_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._stamp: tuple[int, int] | None = None  # a file's (mtime_ns, size)
        self._lock = threading.Lock()

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The key `kid`, or None when the current set does not hold it."""
        with self._lock:  # one fetch at a time; others wait and use its result
            keys = self._current()
            found = _match(keys, kid)
            if found is None and self._is_url and self._may_refetch():
                found = _match(self._refresh(), kid)
            return found

    def _current(self) -> jwt.PyJWKSet:
        if not self._is_url:
            return self._file_keys()
        if self._keys is None or self._clock() - self._fetched_at >= self._lifetime:
            self._keys = None  # expired: never fall back to a set past its lifetime
            return self._refresh()
        return self._keys

    def _may_refetch(self) -> bool:
        return self._clock() - self._attempted_at >= REFETCH_COOLDOWN_SECONDS

    def _refresh(self) -> jwt.PyJWKSet:
        self._attempted_at = self._clock()
        try:
            response = requests.get(
                self.source,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
                headers={"Accept": "application/json", "Accept-Encoding": "identity"},
            )
            with response:
                if response.status_code != 200:
                    raise KeySetUnavailable(f"JWKS answered HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.raw.stream(65_536, decode_content=False):
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise KeySetUnavailable("JWKS larger than 1 MB")
            keys = _parse(bytes(body))
        except requests.RequestException as error:
            raise KeySetUnavailable(f"JWKS unreachable ({type(error).__name__})") from None
        self._keys, self._fetched_at = keys, self._clock()
        return keys

    def _file_keys(self) -> jwt.PyJWKSet:
        path = Path(self.source.removeprefix("file://"))
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if self._keys is None or stamp != self._stamp:
                self._keys, self._stamp = _parse(path.read_bytes()), stamp
        except OSError as error:
            raise KeySetUnavailable(f"JWKS file unreadable ({type(error).__name__})") from None
        return self._keys


def _parse(body: bytes) -> jwt.PyJWKSet:
    try:
        data = json.loads(body)
        keys = jwt.PyJWKSet.from_dict(data)
        # The algorithm each key was published for, when it says (RFC 7517 §4.4).
        declared = {
            k.get("kid"): k.get("alg") for k in data["keys"] if isinstance(k, dict) and "alg" in k
        }
        for key in keys.keys:
            key.declared_algorithm = declared.get(key.key_id)  # type: ignore[attr-defined]
        return keys
    except (ValueError, TypeError, AttributeError, KeyError, jwt.PyJWTError) as e:
        raise KeySetUnavailable(f"not a usable JWK Set ({type(e).__name__})") from None


def _match(keys: jwt.PyJWKSet, kid: str) -> jwt.PyJWK | None:
    return next((k for k in keys.keys if k.key_id == kid), None)

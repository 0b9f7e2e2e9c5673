"""Fixtures for the CDS Hooks tests: a small FHIR server on 127.0.0.1, signing keys, JWKS."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from service import create_app
from tests.cds_hooks.scenarios import searchset

ISSUER = "https://ehr.example.org"
SERVICE_URL = "https://cds.example.org"


@dataclass
class FhirServer:
    """Serves one patient's record: reads by id, searches by patient and LOINC code."""

    url: str = ""
    record: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # (path?query, Authorization)
    jwks: dict[str, Any] | None = None

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.seen.append((request.full_path, request.headers.get("Authorization")))
        if request.path == "/jwks.json" and self.jwks is not None:
            return self._json(self.jwks)(environ, start_response)
        resource_type, _, rid = request.path.strip("/").partition("/")
        resources = [
            r for rs in self.record.values() for r in rs if r["resourceType"] == resource_type
        ]
        if rid:
            match = next((r for r in resources if r.get("id") == rid), None)
            if match is None:
                return self._json(
                    {
                        "resourceType": "OperationOutcome",
                        "issue": [{"severity": "error", "code": "not-found"}],
                    },
                    404,
                )(environ, start_response)
            return self._json(match)(environ, start_response)
        query = parse_qs(request.query_string.decode())
        codes = {c.split("|")[-1] for c in ",".join(query.get("code", [])).split(",") if c}
        if codes:
            resources = [
                r
                for r in resources
                if codes & {c["code"] for c in r.get("code", {}).get("coding", [])}
            ]
        bundle = searchset(*resources) or {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 0,
        }
        return self._json(bundle)(environ, start_response)

    @staticmethod
    def _json(body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/fhir+json")


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    server_app = FhirServer()
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    server_app.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server_app
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """The URL of a port nothing listens on (a server started and stopped)."""
    server = make_server("127.0.0.1", 0, lambda e, s: [])
    port = server.server_port
    server.server_close()
    return f"http://127.0.0.1:{port}"


# --- signing keys and tokens ------------------------------------------------------------------


@dataclass
class Signer:
    """A CDS client's key pair and its JWK Set."""

    private_key: Any
    algorithm: str
    kid: str

    def jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        if self.algorithm.startswith("RS"):
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def token(self, audience: str | list[str], **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "sub": "ehr-client",
            "tenant": "hospital-1",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=self.algorithm,
            headers={"kid": self.kid, "typ": "JWT"},
        )


@pytest.fixture(scope="session")
def rsa_signer() -> Signer:
    return Signer(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS384", "rsa-1")


@pytest.fixture(scope="session")
def ec_signer() -> Signer:
    return Signer(ec.generate_private_key(ec.SECP384R1()), "ES384", "ec-1")


@pytest.fixture
def jwks_file(tmp_path, rsa_signer, ec_signer) -> str:
    path = tmp_path / "ehr-jwks.json"
    path.write_text(json.dumps({"keys": [rsa_signer.jwk(), ec_signer.jwk()]}))
    return str(path)


@pytest.fixture
def secured_app(tmp_path, jwks_file):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
            "SECRET_KEY": "test-secret",
            "TRUSTED_ISSUERS": {ISSUER: jwks_file},
            "SERVICE_URL": SERVICE_URL,
        }
    )


@pytest.fixture
def secured_client(secured_app):
    return secured_app.test_client()

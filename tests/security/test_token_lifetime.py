"""A bearer JWT's `exp` and `iat` must be numbers, and it may live at most the maximum.

PyJWT itself takes `"exp": "1700000000"` (it calls int() on it); a one-time token living
for days would be a standing credential. Default maximum: one hour (exp - iat, and exp
from now), CDS_JWT_MAX_LIFETIME_SECONDS changes it.
"""

from __future__ import annotations

import time

import pytest

from tests.security.test_access import (  # noqa: F401 - fixtures
    AUDIENCE,
    ISSUER,
    bearer,
    jwks_file,
    make_app,
    post,
    signing_key,
    token,
)


@pytest.fixture
def client(tmp_path, jwks_file):  # noqa: F811
    app = make_app(tmp_path, TRUSTED_ISSUERS={ISSUER: str(jwks_file)}, SERVICE_URL=AUDIENCE)
    yield app.test_client()
    app.extensions["audit"].close()


def now() -> int:
    return int(time.time())


@pytest.mark.parametrize(
    ("name", "claims", "status"),
    [
        ("exp as a string", lambda: {"exp": str(now() + 300)}, 401),
        ("iat as a string", lambda: {"iat": str(now())}, 401),
        ("exp as true", lambda: {"exp": True}, 401),
        ("two hours from iat", lambda: {"iat": now(), "exp": now() + 7200}, 401),
        (
            "iat in the past, exp in two hours",
            lambda: {"iat": now() - 3000, "exp": now() + 7200},
            401,
        ),
        ("exactly one hour", lambda: {"iat": now(), "exp": now() + 3600}, 200),
        ("five minutes", lambda: {"iat": now(), "exp": now() + 300}, 200),
        ("a fractional exp", lambda: {"iat": now(), "exp": now() + 300.5}, 200),
    ],
)
def test_lifetime_and_types(client, signing_key, name, claims, status):  # noqa: F811
    assert post(client, bearer(token(signing_key, **claims()))).status_code == status, name


def test_the_maximum_is_a_setting(tmp_path, jwks_file, signing_key):  # noqa: F811
    app = make_app(
        tmp_path,
        TRUSTED_ISSUERS={ISSUER: str(jwks_file)},
        SERVICE_URL=AUDIENCE,
        JWT_MAX_LIFETIME_SECONDS=7200,
    )
    client = app.test_client()
    two_hours = token(signing_key, iat=now(), exp=now() + 7200)
    assert post(client, bearer(two_hours)).status_code == 200
    three_hours = token(signing_key, iat=now(), exp=now() + 3 * 3600)
    assert post(client, bearer(three_hours)).status_code == 401
    app.extensions["audit"].close()

"""What the service refuses at start-up (issue 10, items 1 and 5)."""

from __future__ import annotations

import logging

import pytest

from service import create_app
from service.security.startup import ConfigError, bound_to_loopback


def make_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
            **config,
        }
    )


@pytest.mark.parametrize(
    ("bind", "loopback"),
    [
        ("127.0.0.1:8000", True),
        ("127.0.0.2:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("127.0.0.1:8000,[::1]:8000", True),
        ("0.0.0.0:8000", False),
        ("[::]:8000", False),
        (":8000", False),
        ("10.0.0.5:8000", False),
        ("cds.example.org:8000", False),
        ("127.0.0.1:8000 0.0.0.0:9000", False),
        ("unix:/run/cds.sock", False),
        ("", False),
    ],
)
def test_loopback_binds(bind, loopback):
    assert bound_to_loopback(bind) is loopback


def test_open_cds_hooks_off_loopback_refuse_to_start(tmp_path):
    # Before: compose started with CDS_TRUSTED_ISSUERS={} on 0.0.0.0 and /cds-services
    # fetched any URL for anyone.
    with pytest.raises(ConfigError, match="/cds-services would be open on 0.0.0.0:8000"):
        make_app(tmp_path, BIND="0.0.0.0:8000")


def test_the_environment_bind_is_the_one_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("CDS_BIND", "0.0.0.0:8000")
    monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(ConfigError, match="CDS_CDS_HOOKS_OPEN"):
        create_app()
    monkeypatch.setenv("CDS_CDS_HOOKS_OPEN", "true")
    assert create_app()


def test_open_on_purpose_starts_and_says_so_loudly(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    make_app(tmp_path, BIND="0.0.0.0:8000", CDS_HOOKS_OPEN=True)
    assert [r.getMessage()[:39] for r in caplog.records if "SECURITY" in r.getMessage()] == [
        "SECURITY: /cds-services is OPEN (CDS_CD"
    ]


def test_open_on_loopback_starts_with_a_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    make_app(tmp_path, BIND="127.0.0.1:8000")
    assert any("loopback only" in r.getMessage() for r in caplog.records)


def test_trusted_issuers_may_listen_anywhere(tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    app = make_app(
        tmp_path,
        BIND="0.0.0.0:8000",
        TRUSTED_ISSUERS={"https://ehr.example.org": str(jwks)},
        SERVICE_URL="https://cds.example.org",
    )
    assert app


@pytest.mark.parametrize("service_url", ["", "cds.example.org", "   "])
def test_trusted_issuers_need_an_absolute_service_url(tmp_path, service_url):
    with pytest.raises(ConfigError, match="CDS_SERVICE_URL is required"):
        make_app(
            tmp_path,
            TRUSTED_ISSUERS={"https://ehr.example.org": "https://ehr.example.org/jwks"},
            SERVICE_URL=service_url,
        )


def test_an_unusable_issuer_entry_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="unknown field"):
        make_app(
            tmp_path,
            TRUSTED_ISSUERS={"https://ehr.example.org": {"jwks": "/k.json", "fhir": []}},
            SERVICE_URL="https://cds.example.org",
        )


def test_open_fhir_servers_are_checked_at_start(tmp_path):
    with pytest.raises(ConfigError, match="CDS_OPEN_FHIR_SERVERS"):
        make_app(tmp_path, OPEN_FHIR_SERVERS=["http://fhir.example.org"])


def test_open_fhir_servers_with_trusted_issuers_stop_the_start(tmp_path):
    with pytest.raises(ConfigError, match="only without CDS_TRUSTED_ISSUERS"):
        make_app(
            tmp_path,
            TRUSTED_ISSUERS={"https://ehr.example.org": "https://ehr.example.org/jwks"},
            SERVICE_URL="https://cds.example.org",
            OPEN_FHIR_SERVERS=["https://fhir.example.org"],
        )

"""service.settings: list settings from the environment, secrets from files."""

from __future__ import annotations

import pytest

from service.settings import Settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["https://a.example", "https://b.example"]', ["https://a.example", "https://b.example"]),
        ("https://a.example,https://b.example", ["https://a.example", "https://b.example"]),
        ("https://a.example", ["https://a.example"]),
        ("", []),
    ],
)
def test_cors_origins_take_a_json_list_or_commas(monkeypatch, raw, expected):
    monkeypatch.setenv("CDS_CORS_ORIGINS", raw)
    assert Settings().cors_origins == expected


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "keys"
    secret.write_text("key-one\nkey-two\n")
    monkeypatch.delenv("CDS_API_KEYS", raising=False)
    monkeypatch.setenv("CDS_API_KEYS_FILE", str(secret))
    assert Settings().api_keys == ["key-one", "key-two"]


def test_the_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CDS_DATABASE_URL", raising=False)
    config = Settings().flask_config(str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'cds.sqlite3'}"


def test_worker_recycling_is_a_count_or_zero(monkeypatch):
    monkeypatch.setenv("CDS_MAX_REQUESTS", "0")
    assert Settings().max_requests == 0  # never recycle
    monkeypatch.setenv("CDS_MAX_REQUESTS", "-5")
    with pytest.raises(ValueError, match="max_requests"):
        Settings()


# --- deployment (issue 13): empty means unset, secrets from files, one source per setting ---

API_KEY = "a-key-only-the-secret-file-knows"
API_KEY_SHA256 = "94b5a0b4a3a39b15d1f68fa7c03bd6bf1b8a2a8c2ad9d4e3c6b4f5a1d1c2e3f4"


@pytest.fixture
def clean_env(monkeypatch):
    """No CDS_* variable from the machine running the tests."""
    import os

    for key in list(os.environ):
        if key.startswith("CDS_") and not key.startswith("CDS_TEST_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_an_empty_variable_is_unset_so_the_secret_file_is_read(clean_env, tmp_path):
    # compose wrote `CDS_API_KEYS_SHA256: ${CDS_API_KEYS_SHA256:-}`: an empty string that
    # used to hide the Docker secret and leave /v1 open.
    secret = tmp_path / "api_keys_sha256"
    secret.write_text(API_KEY_SHA256 + "\n")
    clean_env.setenv("CDS_API_KEYS_SHA256", "")
    clean_env.setenv("CDS_API_KEYS_SHA256_FILE", str(secret))
    assert Settings().api_keys_sha256 == [API_KEY_SHA256]


def test_with_the_key_only_in_a_secret_file_the_api_is_closed(clean_env, tmp_path):
    import hashlib

    from service import create_app

    secret = tmp_path / "api_keys_sha256"
    secret.write_text(hashlib.sha256(API_KEY.encode()).hexdigest())
    # What the old docker-compose.yml passed, with the key hash only in a Docker secret.
    for name, value in {
        "CDS_API_KEYS_SHA256": "",
        "CDS_TRUSTED_ISSUERS": "{}",
        "CDS_SERVICE_URL": "",
    }.items():
        clean_env.setenv(name, value)
    clean_env.setenv("CDS_API_KEYS_SHA256_FILE", str(secret))
    clean_env.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    clean_env.setenv("CDS_SPOOL_DIR", str(tmp_path / "spool"))
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/v1/evaluations/nope").status_code == 401
    assert client.get("/v1/evaluations/nope", headers={"X-API-Key": API_KEY}).status_code == 404


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("CDS_TRUSTED_ISSUERS", {}),
        ("CDS_SERVICE_URL", ""),
        ("CDS_WORKERS", 2),
        ("CDS_RATE_LIMIT", "600 per minute"),
        ("CDS_TRUSTED_PROXY_HOPS", 0),
        ("CDS_STORE_RAW_PROFILES", False),
    ],
)
def test_an_empty_variable_takes_the_default(clean_env, name, default):
    clean_env.setenv(name, "")
    assert getattr(Settings(), name.removeprefix("CDS_").lower()) == default


def test_a_setting_given_twice_stops_the_start(clean_env, tmp_path):
    from service.settings import SettingsError, load_settings

    secret = tmp_path / "api_keys"
    secret.write_text("from-the-file")
    clean_env.setenv("CDS_API_KEYS", "from-the-environment")
    clean_env.setenv("CDS_API_KEYS_FILE", str(secret))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == "CDS_API_KEYS and CDS_API_KEYS_FILE are both set: set one"


def test_trusted_issuers_from_a_file_are_json(clean_env, tmp_path):
    secret = tmp_path / "issuers.json"
    secret.write_text('{"https://ehr.example": "https://ehr.example/jwks.json"}\n')
    clean_env.setenv("CDS_TRUSTED_ISSUERS_FILE", str(secret))
    assert Settings().trusted_issuers == {"https://ehr.example": "https://ehr.example/jwks.json"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json, with a secret s3cr3t", "CDS_TRUSTED_ISSUERS_FILE: the file is not valid JSON"),
        ("", None),  # filled in below: the path is in the message
        ('["a list"]', "CDS_TRUSTED_ISSUERS: Input should be a valid dictionary"),
    ],
    ids=["not-json", "empty", "wrong-shape"],
)
def test_a_bad_secret_file_stops_the_start_without_quoting_it(
    clean_env, tmp_path, content, expected
):
    from service.settings import SettingsError, load_settings

    secret = tmp_path / "issuers.json"
    secret.write_text(content)
    clean_env.setenv("CDS_TRUSTED_ISSUERS_FILE", str(secret))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (expected or f"CDS_TRUSTED_ISSUERS_FILE: {secret} is empty")
    assert "s3cr3t" not in str(caught.value)


def test_a_missing_secret_file_or_an_unknown_one_stops_the_start(clean_env, tmp_path):
    from service.settings import SettingsError, load_settings

    clean_env.setenv("CDS_SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        f"CDS_SECRET_KEY_FILE: cannot read {tmp_path / 'absent'} (No such file or directory)"
    )
    clean_env.delenv("CDS_SECRET_KEY_FILE")
    clean_env.setenv("CDS_API_KEY_FILE", str(tmp_path / "absent"))  # API_KEYS misspelt
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == "CDS_API_KEY_FILE names no setting (is it misspelt?)"


def test_an_empty_file_variable_is_unset(clean_env):
    clean_env.setenv("CDS_API_KEYS_FILE", "")
    assert Settings().api_keys == []


# --- several workers need one CSRF secret (issue 13, item 6) --------------------------------


@pytest.mark.parametrize(
    ("workers", "secret", "refused"),
    [(1, "", False), (2, "", True), (8, "", True), (2, "shared", False)],
)
def test_more_than_one_worker_needs_a_shared_secret_key(clean_env, workers, secret, refused):
    from service.settings import SettingsError

    clean_env.setenv("CDS_SECRET_KEY", secret)
    settings = Settings()
    if refused:
        with pytest.raises(SettingsError, match=f"CDS_SECRET_KEY .* required with {workers} wo"):
            settings.check_for_workers(workers)
    else:
        settings.check_for_workers(workers)


def test_gunicorn_refuses_two_workers_without_a_secret_key(clean_env, tmp_path):
    import runpy
    from pathlib import Path

    clean_env.setenv("CDS_WORKERS", "2")
    clean_env.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as caught:
        runpy.run_path(str(Path(__file__).parents[1] / "gunicorn.conf.py"))
    assert str(caught.value).startswith(
        "magnesium-cds: cannot start: CDS_SECRET_KEY (or CDS_SECRET_KEY_FILE) is required "
        "with 2 workers"
    )


# --- the database password from a secret, encoded into the URL (issue 13, item 8) -----------


@pytest.mark.parametrize("password", ["plain", "p@ss/word:with#all?the%bits&=+ ", "ünï©ødé"])
def test_the_database_password_is_encoded_into_the_url(clean_env, tmp_path, password):
    from sqlalchemy.engine import make_url

    secret = tmp_path / "postgres_password"
    secret.write_text(password + "\n" if password.strip() == password else password)
    clean_env.setenv("CDS_DATABASE_URL", "postgresql://cds@postgres:5432/cds")
    clean_env.setenv("CDS_DATABASE_PASSWORD_FILE", str(secret))
    url = make_url(Settings().flask_config(str(tmp_path))["DATABASE_URL"])
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "cds",
        password.strip(),
        "postgres",
        5432,
        "cds",
    )


@pytest.mark.parametrize(
    ("database_url", "message"),
    [
        ("", "CDS_DATABASE_PASSWORD is set but CDS_DATABASE_URL is not a database server"),
        ("sqlite:///x.db", "CDS_DATABASE_PASSWORD is set but CDS_DATABASE_URL is not a database"),
        ("postgresql://cds:inline@db/cds", "CDS_DATABASE_URL has a password and CDS_DATABASE_P"),
    ],
)
def test_a_database_password_that_cannot_be_used_stops_the_start(clean_env, database_url, message):
    from service.settings import SettingsError, load_settings

    clean_env.setenv("CDS_DATABASE_URL", database_url)
    clean_env.setenv("CDS_DATABASE_PASSWORD", "pw")
    with pytest.raises(SettingsError, match=message):
        load_settings()

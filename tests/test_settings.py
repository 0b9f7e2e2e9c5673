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

"""Settings from the environment, prefix CDS_; the only module that reads os.environ.

Every setting is documented in the README's configuration table. A secret may come from
a file instead (Docker secrets): CDS_<NAME>_FILE=/run/secrets/x reads CDS_<NAME> from it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "CDS_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    # Storage (audit trail, feedback). Empty: SQLite in the instance folder.
    database_url: str = ""
    store_raw_profiles: bool = False
    # Upgrade the schema to the newest Alembic revision at start (off when a one-shot
    # `magnesium-cds db upgrade` service does it, as in docker-compose.yml).
    migrate_on_start: bool = True
    # Audit records the database refused wait here (JSON lines).
    # Empty: <instance>/audit-spool/<hash of the database URL>.
    spool_dir: str = ""
    spool_replay_seconds: float = 5.0
    database_connect_timeout_seconds: int = 3

    # Access control. Nothing configured: open, with a warning at start.
    # A JSON list or comma/whitespace-separated (a *_FILE may hold one key per line).
    api_keys_sha256: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)  # hashed at start
    trusted_issuers: dict[str, str] = Field(default_factory=dict)  # issuer → JWKS URL or file
    service_url: str = ""  # the audience a CDS client signs for; default: the request URL
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Who may read audit reports (/v1/reports/*): API-key ids (`key:<first 12 hex of the
    # key's SHA-256>`, or the whole hash) and JWT callers (`jwt:<issuer>#<subject>`, or the
    # subject alone). Empty: nobody (the reports are refused, never open).
    audit_role: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Feedback report: flag a finding whose override rate passes this, with enough answers.
    override_rate_threshold: float = Field(default=0.5, gt=0, le=1)
    override_min_responses: int = Field(default=5, ge=1)

    # Limits.
    rate_limit: str = "600 per minute"
    rate_limit_storage_url: str = "memory://"
    max_content_length: int = 1_048_576

    # CDS Hooks.
    fhir_timeout_seconds: float = 3.0

    # Web form (CSRF); generated per process when unset (fine for one worker, set it for more).
    secret_key: str = ""

    # Operations.
    log_level: str = "INFO"
    workers: int = 2
    bind: str = "127.0.0.1:8000"
    timeout_seconds: int = 30
    # Recycle a worker after this many requests (0: never). Memory stays flat over 100,000
    # evaluations (bench/run.py), so this only bounds a leak no test has found; each
    # recycle costs one worker a cold start under load.
    max_requests: int = Field(default=100_000, ge=0)
    # gunicorn's multi-process metrics folder; the conventional name is honoured too.
    prometheus_multiproc_dir: str = Field(
        default="",
        validation_alias=AliasChoices("CDS_PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROC_DIR"),
    )

    @model_validator(mode="before")
    @classmethod
    def read_secret_files(cls, values: Any) -> Any:
        """Fill CDS_X from the file named by CDS_X_FILE when CDS_X itself is unset."""
        if not isinstance(values, dict):
            return values
        for key, path in os.environ.items():
            if key.startswith(PREFIX) and key.endswith("_FILE"):
                name = key[len(PREFIX) : -len("_FILE")].lower()
                if name in cls.model_fields and name not in values:
                    values[name] = Path(path).read_text().strip()
        return values

    @field_validator("api_keys_sha256", "api_keys", "cors_origins", "audit_role", mode="before")
    @classmethod
    def split_keys(cls, value: Any) -> Any:
        """Accept a JSON list or a comma/whitespace-separated string."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [k for k in text.replace(",", " ").split() if k]
        return value

    def flask_config(self, instance_path: str) -> dict[str, Any]:
        """Return the Flask config mapping these settings imply."""
        database_url = self.database_url or f"sqlite:///{Path(instance_path) / 'cds.sqlite3'}"
        return {
            "DATABASE_URL": database_url,
            "STORE_RAW_PROFILES": self.store_raw_profiles,
            "MIGRATE_ON_START": self.migrate_on_start,
            "SPOOL_DIR": self.spool_dir,  # empty: one folder per database in the instance
            "SPOOL_REPLAY_SECONDS": self.spool_replay_seconds,
            "DATABASE_CONNECT_TIMEOUT_SECONDS": self.database_connect_timeout_seconds,
            "API_KEYS_SHA256": [k.lower() for k in self.api_keys_sha256],
            "API_KEYS": list(self.api_keys),
            "TRUSTED_ISSUERS": dict(self.trusted_issuers),
            "SERVICE_URL": self.service_url,
            "CORS_ORIGINS": list(self.cors_origins),
            "AUDIT_ROLE": list(self.audit_role),
            "OVERRIDE_RATE_THRESHOLD": self.override_rate_threshold,
            "OVERRIDE_MIN_RESPONSES": self.override_min_responses,
            "RATE_LIMIT": self.rate_limit,
            "RATELIMIT_STORAGE_URI": self.rate_limit_storage_url,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "FHIR_TIMEOUT_SECONDS": self.fhir_timeout_seconds,
            "SECRET_KEY": self.secret_key or os.urandom(32).hex(),
            "LOG_LEVEL": self.log_level,
            "PROMETHEUS_MULTIPROC_DIR": self.prometheus_multiproc_dir,
        }


def load_settings() -> Settings:
    """Read the settings from the environment."""
    return Settings()

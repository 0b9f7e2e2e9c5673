"""Settings from the environment, prefix CDS_; the only module that reads os.environ.

Every setting is documented in the README's configuration table. A secret may come from
a file instead (Docker secrets): CDS_<NAME>_FILE=/run/secrets/x reads CDS_<NAME> from it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "CDS_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    # Storage (audit trail, feedback). Empty: SQLite in the instance folder.
    database_url: str = ""
    store_raw_profiles: bool = False

    # Access control. Nothing configured: open, with a warning at start.
    api_keys_sha256: list[str] = Field(default_factory=list)
    api_keys: list[str] = Field(default_factory=list)  # plain keys, hashed at start
    trusted_issuers: dict[str, str] = Field(default_factory=dict)  # issuer → JWKS URL or file
    service_url: str = ""  # the audience a CDS client signs for; default: the request URL
    cors_origins: list[str] = Field(default_factory=list)

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

    def flask_config(self, instance_path: str) -> dict[str, Any]:
        """Return the Flask config mapping these settings imply."""
        database_url = self.database_url or f"sqlite:///{Path(instance_path) / 'cds.sqlite3'}"
        return {
            "DATABASE_URL": database_url,
            "STORE_RAW_PROFILES": self.store_raw_profiles,
            "API_KEYS_SHA256": list(self.api_keys_sha256),
            "API_KEYS": list(self.api_keys),
            "TRUSTED_ISSUERS": dict(self.trusted_issuers),
            "SERVICE_URL": self.service_url,
            "CORS_ORIGINS": list(self.cors_origins),
            "RATELIMIT_DEFAULT": self.rate_limit,
            "RATELIMIT_STORAGE_URI": self.rate_limit_storage_url,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "FHIR_TIMEOUT_SECONDS": self.fhir_timeout_seconds,
            "SECRET_KEY": self.secret_key or os.urandom(32).hex(),
            "LOG_LEVEL": self.log_level,
        }


def load_settings() -> Settings:
    """Read the settings from the environment."""
    return Settings()

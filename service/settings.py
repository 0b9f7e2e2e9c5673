"""Settings from the environment, prefix CDS_; the only module that reads os.environ.

Every setting is documented in the README's configuration table. A secret may come from
a file instead (Docker secrets): CDS_<NAME>_FILE=/run/secrets/x reads CDS_<NAME> from it.
An empty variable counts as unset (compose's `${X:-}` must not switch a setting off), and
a setting given both ways, or a file that is missing or empty, stops the start.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, get_origin

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

PREFIX = "CDS_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", env_ignore_empty=True)

    # Storage (audit trail, feedback). Empty: SQLite in the instance folder.
    database_url: str = ""
    # The database password, put into CDS_DATABASE_URL encoded (any character is safe):
    # a secret file keeps it out of the URL and the environment.
    database_password: str = ""
    store_raw_profiles: bool = False
    # The key of the profile hash each audit row keeps (HMAC-SHA-256). Empty: derived from
    # CDS_SECRET_KEY. Changing either makes new hashes differ from older ones.
    profile_hash_key: str = ""
    # Upgrade the schema to the newest Alembic revision at start (off when a one-shot
    # `magnesium-cds db upgrade` service does it, as in docker-compose.yml).
    migrate_on_start: bool = True
    # Audit records the database refused wait here (JSON lines).
    # Empty: <instance>/audit-spool/<hash of the database URL>.
    spool_dir: str = ""
    spool_replay_seconds: float = 5.0
    database_connect_timeout_seconds: int = 3
    # PostgreSQL: an audit call (and a shared rate-limit or replay check) waits at most
    # this long, client and server side; past it the database counts as unavailable and
    # the record is spooled. TCP keepalives and tcp_user_timeout drop a connection whose
    # server has gone silent, so the pool does not hand it out again.
    database_statement_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    database_tcp_user_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    database_keepalives_idle_seconds: int = Field(default=10, ge=1, le=7200)

    # Access control. Nothing configured: open, with a warning at start.
    # A JSON list or comma/whitespace-separated (a *_FILE may hold one key per line).
    api_keys_sha256: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)  # hashed at start
    # issuer → its JWK Set (URL or file), or {jwks, fhir_servers, algorithms, jku}:
    # service/security/issuers.py. Set: CDS_SERVICE_URL is required.
    trusted_issuers: dict[str, Any] = Field(default_factory=dict)
    service_url: str = ""  # the audience a CDS client signs for (never the request's Host)
    # Key sets are fetched again after this long: a removed key stops working by then.
    jwks_cache_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # /cds-services without trusted issuers is refused at start unless bound to loopback
    # or this says so (logged loudly at every start).
    cds_hooks_open: bool = False
    # FHIR bases an unauthenticated (open) CDS Hooks call may name: URLs or {url, internal}.
    open_fhir_servers: list[Any] = Field(default_factory=list)
    # A bearer JWT living longer than this (exp - iat, or exp from now) is refused.
    jwt_max_lifetime_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The audit role: callers who read every audit record (GET /v1/evaluations/{id}) and
    # the audit reports (/v1/reports/*); any other caller reads only its own records and no
    # report. Caller ids exactly as the records name them:
    # key:<first 12 hex digits of the key's SHA-256> or jwt:<issuer>#<subject>.
    # Empty: nobody reads others' records, and the reports are refused (never open).
    audit_readers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Feedback report: flag a finding whose override rate passes this, with enough answers.
    override_rate_threshold: float = Field(default=0.5, gt=0, le=1)
    override_min_responses: int = Field(default=5, ge=1)

    # Limits.
    rate_limit: str = "600 per minute"
    # database:// (the audit database: shared by every worker, the default), redis://…
    # (shared and faster; the JWT replay cache moves there too) or memory:// (per process).
    rate_limit_storage_url: str = "database://"
    # JWT callers with a budget of their own (jwt:<issuer>#<subject>); every other subject
    # shares its issuer's budget, so fresh subjects buy no extra requests.
    rate_limit_subjects: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_content_length: int = 1_048_576

    # CDS Hooks.
    fhir_timeout_seconds: float = 3.0  # one connect or read (also JWKS fetches)
    # Bounds on the FHIR fetches of one hook call; over any of them: 412.
    prefetch_deadline_seconds: float = Field(default=5.0, gt=0, le=60)  # all fetches together
    prefetch_max_bytes: int = Field(default=5_000_000, gt=0)  # one answer
    prefetch_max_total_bytes: int = Field(default=20_000_000, gt=0)  # all answers of a call
    # `next` links followed per key (pages in all); more makes the list "incomplete".
    prefetch_max_pages: int = Field(default=5, ge=1, le=100)

    # Web form (CSRF); generated per process when unset (fine for one worker; gunicorn
    # refuses to start more than one without it, see `check_for_workers`).
    secret_key: str = ""

    # Operations.
    log_level: str = "INFO"
    workers: int = 2
    bind: str = "127.0.0.1:8000"
    # Proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
    # (werkzeug's ProxyFix): the client address for rate limits and the URL a JWT names
    # come from the nearest such hop. 0: no proxy, the headers are ignored.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
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
        """Fill CDS_X from the file named by CDS_X_FILE; refuse both, or a bad file."""
        if not isinstance(values, dict):
            return values
        for key, path in sorted(os.environ.items()):
            if not (key.startswith(PREFIX) and key.endswith("_FILE")) or not path:
                continue
            name = key[len(PREFIX) : -len("_FILE")].lower()
            if name not in cls.model_fields:
                raise ValueError(f"{key} names no setting (is it misspelt?)")
            if values.get(name) not in (None, ""):
                raise ValueError(f"{PREFIX}{name.upper()} and {key} are both set: set one")
            try:
                text = Path(path).read_text().strip()
            except OSError as exc:
                raise ValueError(f"{key}: cannot read {path} ({exc.strerror})") from None
            if not text:
                raise ValueError(f"{key}: {path} is empty")
            values[name] = _structured(cls.model_fields[name], key, text)
        return values

    @field_validator(
        "api_keys_sha256",
        "api_keys",
        "cors_origins",
        "audit_readers",
        "rate_limit_subjects",
        mode="before",
    )
    @classmethod
    def split_keys(cls, value: Any) -> Any:
        """Accept a JSON list or a comma/whitespace-separated string."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [k for k in text.replace(",", " ").split() if k]
        return value

    @model_validator(mode="after")
    def password_needs_a_server_url(self) -> Settings:
        """CDS_DATABASE_PASSWORD goes into a server URL that has none of its own."""
        if self.database_password:
            if not self.database_url or self.database_url.startswith("sqlite"):
                raise ValueError(
                    "CDS_DATABASE_PASSWORD is set but CDS_DATABASE_URL is not a "
                    "database server (postgresql://user@host/db)"
                )
            if make_url(self.database_url).password is not None:
                raise ValueError(
                    "CDS_DATABASE_URL has a password and CDS_DATABASE_PASSWORD is set: set one"
                )
        return self

    def check_for_workers(self, workers: int) -> None:
        """Refuse several processes without a shared CDS_SECRET_KEY (the form would fail)."""
        if workers > 1 and not self.secret_key:
            raise SettingsError(
                f"CDS_SECRET_KEY (or CDS_SECRET_KEY_FILE) is required with {workers} workers: "
                "each would sign the web form's CSRF token with its own random key, and a "
                "form posted to another worker or replica would be refused (400). Set the "
                "same secret on every worker and replica."
            )

    def server_database_url(self, instance_path: str) -> str:
        """The database URL with the password inserted (encoded), or SQLite by default."""
        if not self.database_url:
            return f"sqlite:///{Path(instance_path) / 'cds.sqlite3'}"
        if not self.database_password:
            return self.database_url
        url = make_url(self.database_url).set(password=self.database_password)
        return url.render_as_string(hide_password=False)

    def flask_config(self, instance_path: str) -> dict[str, Any]:
        """Return the Flask config mapping these settings imply."""
        database_url = self.server_database_url(instance_path)
        return {
            "DATABASE_URL": database_url,
            "STORE_RAW_PROFILES": self.store_raw_profiles,
            "PROFILE_HASH_KEY": self.profile_hash_key,
            "MIGRATE_ON_START": self.migrate_on_start,
            "SPOOL_DIR": self.spool_dir,  # empty: one folder per database in the instance
            "SPOOL_REPLAY_SECONDS": self.spool_replay_seconds,
            "DATABASE_CONNECT_TIMEOUT_SECONDS": self.database_connect_timeout_seconds,
            "DATABASE_STATEMENT_TIMEOUT_SECONDS": self.database_statement_timeout_seconds,
            "DATABASE_TCP_USER_TIMEOUT_SECONDS": self.database_tcp_user_timeout_seconds,
            "DATABASE_KEEPALIVES_IDLE_SECONDS": self.database_keepalives_idle_seconds,
            "API_KEYS_SHA256": [k.lower() for k in self.api_keys_sha256],
            "API_KEYS": list(self.api_keys),
            "TRUSTED_ISSUERS": dict(self.trusted_issuers),
            "SERVICE_URL": self.service_url,
            "CORS_ORIGINS": list(self.cors_origins),
            "AUDIT_READERS": list(self.audit_readers),
            "JWT_MAX_LIFETIME_SECONDS": self.jwt_max_lifetime_seconds,
            "OVERRIDE_RATE_THRESHOLD": self.override_rate_threshold,
            "OVERRIDE_MIN_RESPONSES": self.override_min_responses,
            "RATE_LIMIT": self.rate_limit,
            "RATELIMIT_STORAGE_URI": self.rate_limit_storage_url,
            "RATE_LIMIT_SUBJECTS": list(self.rate_limit_subjects),
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "FHIR_TIMEOUT_SECONDS": self.fhir_timeout_seconds,
            "PREFETCH_DEADLINE_SECONDS": self.prefetch_deadline_seconds,
            "PREFETCH_MAX_BYTES": self.prefetch_max_bytes,
            "PREFETCH_MAX_TOTAL_BYTES": self.prefetch_max_total_bytes,
            "PREFETCH_MAX_PAGES": self.prefetch_max_pages,
            "JWKS_CACHE_SECONDS": self.jwks_cache_seconds,
            "CDS_HOOKS_OPEN": self.cds_hooks_open,
            "OPEN_FHIR_SERVERS": list(self.open_fhir_servers),
            "BIND": self.bind,
            "SECRET_KEY": self.secret_key or os.urandom(32).hex(),
            "LOG_LEVEL": self.log_level,
            "PROMETHEUS_MULTIPROC_DIR": self.prometheus_multiproc_dir,
            "TRUSTED_PROXY_HOPS": self.trusted_proxy_hops,
        }


def _structured(field: Any, key: str, text: str) -> Any:
    """A file's text as the field wants it: JSON for a dict or list the library would decode."""
    if get_origin(field.annotation) not in (dict, list) or NoDecode in field.metadata:
        return text
    try:
        return json.loads(text)
    except ValueError:
        # The message names the variable, never the content (it is a secret).
        raise ValueError(f"{key}: the file is not valid JSON") from None


class SettingsError(ValueError):
    """A setting that cannot be honoured: the service must not start."""


def load_settings() -> Settings:
    """Read the settings from the environment; SettingsError says what is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        # pydantic's own message quotes the input, which may hold a secret: not here.
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{PREFIX}{where.upper()}: {message}" if where else message)
        raise SettingsError("; ".join(problems)) from None

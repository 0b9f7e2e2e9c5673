"""docker-compose.yml is secure as written; the Dockerfile keeps its promises.

No Docker engine runs in the test suite: Debian's docker-compose validates and renders the
file (`docker-compose config`, skipped with a reason when it is missing), and the rendered
YAML is read for what the production set-up depends on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PUBLIC_URL = "https://cds.example.org"


def compose_config(**env: str) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip(
            "docker-compose is not installed (Debian package docker-compose; .ci/run installs it)"
        )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CDS_", "POSTGRES_"))}
    return subprocess.run(
        [binary, "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    """The file as compose itself renders it (with the one required variable set)."""
    result = compose_config(CDS_SERVICE_URL=PUBLIC_URL)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume, in compose v1's short or v2's long rendering."""
    out = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
        out.append((source, target))
    return out


def test_the_compose_file_renders_every_service(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "app", "proxy"}
    app = compose["services"]["app"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["deploy"]["replicas"] == 1


def test_the_service_url_is_required():
    result = compose_config()
    assert result.returncode != 0
    assert "set CDS_SERVICE_URL to the URL clients call" in result.stderr


def test_no_setting_is_passed_as_an_empty_default():
    # `${X:-}` and `${X:-{}}` passed empty strings that hid the Docker secrets (issue 13).
    text = COMPOSE.read_text()
    assert re.findall(r"\$\{[A-Z_]+:-[^}]*\}+", text) == []


def test_the_app_gets_every_secret_from_a_docker_secret(compose):
    app = compose["services"]["app"]
    env = app["environment"]
    assert {k: v for k, v in env.items() if k.endswith("_FILE")} == {
        "CDS_DATABASE_PASSWORD_FILE": "/run/secrets/postgres_password",
        "CDS_SECRET_KEY_FILE": "/run/secrets/secret_key",
        "CDS_API_KEYS_SHA256_FILE": "/run/secrets/api_keys_sha256",
    }
    assert sorted(s["source"] for s in app["secrets"]) == [
        "api_keys_sha256",
        "postgres_password",
        "secret_key",
    ]
    assert set(compose["secrets"]) == {"api_keys_sha256", "postgres_password", "secret_key"}
    # Optional settings pass through only when set in the shell: null here, never "".
    for name in ("CDS_TRUSTED_ISSUERS", "CDS_CDS_HOOKS_OPEN", "CDS_WORKERS", "CDS_LOG_LEVEL"):
        assert env[name] is None
    assert all(value != "" for value in env.values())
    assert env["CDS_SERVICE_URL"] == PUBLIC_URL
    assert env["CDS_TRUSTED_PROXY_HOPS"] == "1"


def test_the_database_password_is_never_pasted_into_a_url(compose):
    for name in ("app", "migrate"):
        env = compose["services"][name]["environment"]
        assert make_url(env["CDS_DATABASE_URL"]).password is None
        assert env["CDS_DATABASE_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    postgres = compose["services"]["postgres"]["environment"]
    assert "POSTGRES_PASSWORD" not in postgres
    assert postgres["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_postgres_is_healthy_only_when_it_answers_over_tcp(compose):
    check = " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert "pg_isready -h 127.0.0.1 -p 5432" in check


def test_the_migration_waits_for_the_database(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["magnesium-cds", "db", "upgrade", "--wait-seconds", "120"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_proxy_waits_for_a_ready_app_and_runs_the_tested_configuration(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(compose["services"]["app"]["healthcheck"]["test"])
    assert mounts(proxy) == [
        (
            str(ROOT / "deploy" / "nginx" / "cds.conf.template"),
            "/etc/nginx/templates/default.conf.template",
        )
    ]
    assert proxy["environment"] == {
        "CDS_PROXY_LISTEN": "8000",
        "CDS_PROXY_UPSTREAM": "app:8000",
        "CDS_PROXY_RESOLVER": "127.0.0.11",
    }


def test_the_app_container_is_locked_down(compose):
    app = compose["services"]["app"]
    assert app["read_only"] is True and app["cap_drop"] == ["ALL"]
    assert app["security_opt"] == ["no-new-privileges:true"]
    assert sorted(app["tmpfs"]) == ["/tmp", "/var/lib/magnesium-cds/metrics"]
    assert mounts(app) == [("spool", "/var/lib/magnesium-cds/spool")]


def test_the_proxy_body_limit_is_the_apps():
    from service.settings import Settings

    conf = (ROOT / "deploy" / "nginx" / "cds.conf.template").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size is not None
    assert int(size.group(1)) * 1024 * 1024 == Settings.model_fields["max_content_length"].default


def test_secrets_stay_out_of_git_and_the_image():
    assert "secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM python:3.12-slim") == 2 and " AS build" in text
    assert "\nUSER cds" in text and "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]' in text


def test_the_image_installs_the_locked_versions():
    text = (ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml README.md constraints.txt ./" in text
    assert "pip install --constraint constraints.txt ." in text
    assert "--constraint constraints.txt" in (ROOT / "scripts" / "bootstrap").read_text()


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    import runpy

    monkeypatch.setenv("CDS_WORKERS", "5")
    monkeypatch.setenv("CDS_SECRET_KEY", "shared")
    monkeypatch.setenv("CDS_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/cds-metrics-test")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["workers"] == 5 and conf["bind"] == "0.0.0.0:9000"
    assert conf["control_socket_disable"] is True and conf["preload_app"] is True
    assert conf["wsgi_app"] == "service:create_app()" and conf["accesslog"] == "-"
    assert conf["logger_class"] == "service.ops.gunicorn.JsonLogger"


def test_the_readme_makes_the_secrets_compose_and_kubernetes_read():
    readme = (ROOT / "README.md").read_text()
    made = set(re.findall(r"> secrets/(\w+)", readme))
    compose = yaml.safe_load(COMPOSE.read_text())
    assert made == {Path(s["file"]).name for s in compose["secrets"].values()}
    from_file = set(re.findall(r"--from-file=(\w+)=secrets/(\w+)", readme))
    assert from_file == {(name, name) for name in made}
    statefulset = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "statefulset.yaml").read_text())
    volumes = statefulset["spec"]["template"]["spec"]["volumes"]
    [secret] = [v["secret"] for v in volumes if "secret" in v]
    assert {item["key"] for item in secret["items"]} == made
    assert "export CDS_SERVICE_URL=" in readme and "docker compose up --build" in readme

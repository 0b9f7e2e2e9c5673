"""docker-compose.yml validates; the Dockerfile keeps its promises."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_validates():
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip(
            "docker-compose is not installed (Debian package docker-compose; .ci/run installs it)"
        )
    result = subprocess.run([binary, "config", "-q"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = subprocess.run([binary, "config"], cwd=ROOT, capture_output=True, text=True,
                              timeout=60).stdout
    for service in ("app:", "postgres:", "migrate:", "redis:", "proxy:"):
        assert f"  {service}" in rendered
    assert "service_completed_successfully" in rendered  # the app waits for the migration
    assert "replicas: 1" in rendered


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM python:3.12-slim") == 2 and " AS build" in text
    assert "\nUSER cds" in text and "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]' in text


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    import runpy

    monkeypatch.setenv("CDS_WORKERS", "5")
    monkeypatch.setenv("CDS_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/cds-metrics-test")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["workers"] == 5 and conf["bind"] == "0.0.0.0:9000"
    assert conf["control_socket_disable"] is True and conf["preload_app"] is True
    assert conf["wsgi_app"] == "service:create_app()" and conf["accesslog"] == "-"
    assert conf["logger_class"] == "service.ops.gunicorn.JsonLogger"

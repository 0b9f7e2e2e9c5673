"""Liveness, readiness, metrics, request ids, JSON log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest

from service.ops.logs import RequestIdFilter, json_formatter

PROFILE = {"age": 70, "sex": "female", "kidney": {"egfr": 25}}


def test_liveness_checks_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_ready_reports_each_dependency(client, app):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["spool"] == {"status": "empty", "pending": 0, "rejected": 0}
    kb = app.extensions["knowledge_base"]
    assert body["checks"]["knowledge_base"] == {
        "status": "ok",
        "version": kb.version,
        "rules": len(kb.rules),
    }


def test_not_ready_when_nothing_could_be_recorded(tmp_path):
    from service import create_app

    (tmp_path / "a-file").write_text("")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'a.db'}",
            "SPOOL_DIR": str(tmp_path / "a-file" / "spool"),
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not-ready"
    assert body["checks"]["spool"]["status"] == "unwritable"
    app.extensions["audit"].close()


def metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_evaluations_and_findings(client):
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        assert client.post("/v1/recommendations", json=PROFILE).status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    after = response.get_data(as_text=True)

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert (
        delta(
            "cds_http_requests_total", endpoint="/v1/recommendations", method="POST", status="200"
        )
        == 3
    )
    assert delta("cds_http_request_duration_seconds_count", endpoint="/v1/recommendations") == 3
    disposition = client.post("/v1/recommendations", json=PROFILE).get_json()["disposition"]
    after = client.get("/metrics").get_data(as_text=True)
    assert delta("cds_evaluations_total", interface="api", disposition=disposition) == 4
    assert delta("cds_findings_total", code="kidney.severe") == 4
    assert "cds_audit_spool_pending 0.0" in after


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123", True),
        ("trace.4f2:9", True),
        ("has space", False),
        ("x" * 200, False),
        ('{"inject": 1}', False),
        ("", False),
    ],
)
def test_request_id_in_and_out(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})
    returned = response.headers["X-Request-ID"]
    assert (returned == sent) is kept
    assert returned and len(returned) <= 128


def test_log_lines_are_json_with_the_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        client.post("/v1/recommendations", json=PROFILE, headers={"X-Request-ID": "req-42"})
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    request_line = next(line for line in lines if line["message"] == "request")
    assert request_line["request_id"] == "req-42"
    assert request_line["endpoint"] == "/v1/recommendations" and request_line["status"] == 200
    assert {"time", "level", "logger"} <= set(request_line)

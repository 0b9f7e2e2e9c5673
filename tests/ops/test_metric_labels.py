"""Metric labels stay bounded, and urllib3 never logs a FHIR query string."""

from __future__ import annotations

import logging

from service.ops.metrics import method_label


def methods_in(text: str) -> set[str]:
    return {
        line.split('method="', 1)[1].split('"', 1)[0]
        for line in text.splitlines()
        if line.startswith("cds_http_requests_total{") and 'method="' in line
    }


def test_invented_methods_share_one_label(client):
    for i in range(50):
        client.open("/healthz", method=f"M{i}X")
    client.open("/healthz", method="BREW")
    text = client.get("/metrics").get_data(as_text=True)
    assert methods_in(text) <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}
    assert "OTHER" in methods_in(text)
    assert not any(f"M{i}X" in text for i in range(50))


def test_method_labels():
    assert [method_label(m) for m in ("GET", "POST", "OPTIONS", "BREW", "get", "")] == [
        "GET",
        "POST",
        "OPTIONS",
        "OTHER",
        "OTHER",
        "OTHER",
    ]


def test_urllib3_stays_at_warning_when_the_service_logs_debug(app):
    from service.ops.logs import configure_logging

    configure_logging("DEBUG")
    try:
        assert logging.getLogger("urllib3").getEffectiveLevel() == logging.WARNING
        assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.DEBUG)
    finally:
        configure_logging("INFO")

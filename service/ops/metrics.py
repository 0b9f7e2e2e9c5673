"""Prometheus metrics, multi-process aware under gunicorn (PROMETHEUS_MULTIPROC_DIR).

The metric objects live at module level (one set per process, whatever the number of
apps a test builds); gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before this module
is imported, which makes prometheus_client keep each worker's values in files there.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

# A label value per HTTP method a client invents would grow /metrics without bound.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The method as a metric label: one of HTTP_METHODS, or OTHER."""
    return method if method in HTTP_METHODS else "OTHER"


REQUESTS = Counter(
    "cds_http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "cds_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
EVALUATIONS = Counter("cds_evaluations_total", "Evaluations made", ["interface", "disposition"])
FINDINGS = Counter("cds_findings_total", "Findings reported", ["code"])
AUDIT_SPOOLED = Counter(
    "cds_audit_spooled_total", "Audit records written to the local spool (database down)", ["kind"]
)
AUDIT_REPLAYED = Counter(
    "cds_audit_replayed_total", "Spooled audit records written to the database", ["kind"]
)


class SpoolCollector(Collector):
    """Spool depth, read at scrape time (one spool folder shared by all workers)."""

    def __init__(self, spool) -> None:
        self.spool = spool

    def collect(self):
        pending = GaugeMetricFamily(
            "cds_audit_spool_pending", "Audit records waiting in the spool for the database"
        )
        pending.add_metric([], self.spool.pending())
        yield pending
        rejected = GaugeMetricFamily(
            "cds_audit_spool_rejected", "Spooled audit records the database refused for good"
        )
        rejected.add_metric([], self.spool.rejected())
        yield rejected


def render(spool, multiprocess_mode: bool) -> tuple[bytes, str]:
    """The exposition text: all workers' values under gunicorn, this process's otherwise."""
    registry = CollectorRegistry()
    if multiprocess_mode:
        multiprocess.MultiProcessCollector(registry)
        collectors = [registry]
    else:
        collectors = [REGISTRY]
    if spool is not None:
        registry.register(SpoolCollector(spool))
        if collectors[0] is REGISTRY:
            collectors.append(registry)
    body = b"".join(generate_latest(r) for r in collectors)
    return body, CONTENT_TYPE_LATEST

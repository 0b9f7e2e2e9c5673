"""Operations: liveness, readiness, metrics, structured logs with a request id.

- `GET /healthz`: the process answers (no dependency is checked: a restart fixes nothing
  the database does).
- `GET /readyz`: the knowledge base is loaded (and its version), the audit database
  answers, the spool's depth. 200 `ready`; 200 `degraded` while the database is down or
  records wait in the spool (answers still come and nothing is lost, so a load balancer
  should keep routing); 503 `not-ready` when the spool cannot be written (a test write
  fails or free space is low) or nothing could be evaluated.
- `GET /metrics`: Prometheus text, summed over gunicorn workers.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from service import hooks
from service.evaluation import EvaluationEvent, add_hook
from service.ops import metrics
from service.ops.logs import configure_logging, request_id

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
SEVERITY: list[hooks.State] = ["ready", "degraded", "not-ready"]  # the worst state wins
AUDIT_COUNTERS = {"spooled": metrics.AUDIT_SPOOLED, "replayed": metrics.AUDIT_REPLAYED}


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: the knowledge base, then every registered check (audit database, spool)."""
    kb = current_app.extensions.get("knowledge_base")
    checks: dict[str, dict] = {
        "knowledge_base": (
            {"status": "ok", "version": kb.version, "rules": len(kb.rules)}
            if kb is not None
            else {"status": "missing"}
        )
    }
    states: list[hooks.State] = ["ready" if kb is not None else "not-ready"]
    for check in hooks.readiness_checks(current_app):
        state, entries = check()
        states.append(state)
        checks.update(entries)
    status = max(states, key=SEVERITY.index)
    return jsonify(status=status, checks=checks), 503 if status == "not-ready" else 200


@bp.get("/metrics")
def metrics_view() -> Response:
    """Prometheus metrics."""
    body, content_type = metrics.render(
        hooks.spool(current_app), bool(current_app.config.get("PROMETHEUS_MULTIPROC_DIR"))
    )
    return Response(body, content_type=content_type)


def _start_request() -> None:
    g.request_id = request_id()
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id") or request_id()
    started = g.get("request_started")
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    method = metrics.method_label(request.method)  # bounded: a fixed set plus OTHER
    metrics.REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
    metrics.LATENCY.labels(method, endpoint).observe(elapsed)
    log.info(
        "request",
        extra={
            "method": request.method,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 3),
        },
    )
    return response


def _count_evaluation(event: EvaluationEvent) -> None:
    rec = event.recommendation
    metrics.EVALUATIONS.labels(event.interface, rec.disposition).inc()
    for finding in rec.findings:
        metrics.FINDINGS.labels(finding.code).inc()


def _count_audit_event(event: str, kind: str) -> None:
    counter = AUDIT_COUNTERS.get(event)
    if counter is not None:
        counter.labels(kind).inc()


def init_app(app: Flask) -> None:
    """JSON logs, request ids, request metrics, and the operations endpoints."""
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start_request)
    app.after_request(_finish_request)
    add_hook(app, _count_evaluation)
    hooks.add_audit_listener(app, _count_audit_event)
    app.register_blueprint(bp)

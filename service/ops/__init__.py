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

from service.evaluation import EvaluationEvent, add_hook
from service.ops import metrics
from service.ops.logs import configure_logging, request_id

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: knowledge base, audit database, spool."""
    from service.audit.durable import is_unavailable

    kb = current_app.extensions.get("knowledge_base")
    checks: dict[str, dict] = {
        "knowledge_base": (
            {"status": "ok", "version": kb.version, "rules": len(kb.rules)}
            if kb is not None
            else {"status": "missing"}
        )
    }
    store = current_app.extensions.get("audit")
    database_ok = spool_ok = False
    if store is not None:
        try:
            store.ping()
            checks["database"] = {"status": "ok", "dialect": store.engine.dialect.name}
            database_ok = True
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            checks["database"] = {"status": "unavailable", "error": type(exc).__name__}
        pending, rejected = store.spool.pending(), store.spool.rejected()
        spool_ok = store.spool.writable()
        checks["spool"] = {
            "status": "unwritable" if not spool_ok else ("pending" if pending else "empty"),
            "pending": pending,
            "rejected": rejected,
        }
    # An unwritable spool is not-ready even while the database answers: the next blip of
    # the database would turn every answer into a 500 (nothing unrecorded is answered).
    if kb is None or store is None or not spool_ok:
        status, code = "not-ready", 503
    elif not database_ok or checks["spool"]["pending"] or checks["spool"]["rejected"]:
        status, code = "degraded", 200
    else:
        status, code = "ready", 200
    return jsonify(status=status, checks=checks), code


@bp.get("/metrics")
def metrics_view() -> Response:
    """Prometheus metrics."""
    store = current_app.extensions.get("audit")
    body, content_type = metrics.render(
        getattr(store, "spool", None), bool(current_app.config.get("PROMETHEUS_MULTIPROC_DIR"))
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
    metrics.REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    metrics.LATENCY.labels(request.method, endpoint).observe(elapsed)
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


def init_app(app: Flask) -> None:
    """JSON logs, request ids, request metrics, and the operations endpoints."""
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start_request)
    app.after_request(_finish_request)
    add_hook(app, _count_evaluation)
    app.register_blueprint(bp)

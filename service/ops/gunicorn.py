"""gunicorn's logger, writing JSON lines: access log (one object per request) and error log."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

from service.ops.logs import json_formatter


class JsonLogger(Logger):
    """Access lines as JSON objects (no query string, no headers but the request id)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log,):
            for handler in log.handlers:
                handler.setFormatter(json_formatter())

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        cfg = self.cfg
        if not (cfg.accesslog or cfg.logconfig or cfg.logconfig_dict):
            return
        headers = {k.lower(): v for k, v in (resp.headers or [])}
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": "request",
            "remote": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),  # never the query string
            "status": getattr(resp, "status_code", None) or str(resp.status).split()[0],
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "request_id": headers.get("x-request-id"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        try:
            self.access_log.info(json.dumps(entry, default=str))
        except Exception:
            logging.getLogger("gunicorn.error").exception("access log failed")

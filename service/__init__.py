"""The magnesium CDS service: `create_app()` builds it; gunicorn loads `service:create_app()`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from service import audit, cds_hooks, evaluation, openapi, ops, problems, security, web
from service.settings import load_settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment (CDS_*), then `config` (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_settings().flask_config(app.instance_path))
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops:
        # The client address (rate limits, logs) and the public URL (a JWT's audience)
        # from the nearest `hops` proxies' X-Forwarded-For/-Proto/-Host; anything further
        # left is the client's word. X-Forwarded-Port is not trusted: the Host a proxy
        # forwards already carries the port the client used.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=0
        )

    ops.init_app(app)  # first: request ids and logging wrap everything else
    evaluation.init_app(app)
    audit.init_app(app)
    security.init_app(app)
    api = openapi.init_app(app)
    problems.init_app(app)  # after the Api, so problems replace its error handler

    from service.api import blp as api_blp

    api.register_blueprint(api_blp)
    api.register_blueprint(audit.blp)  # GET /v1/evaluations/{id}
    from service import governance
    from service.reports.views import blp as reports_blp

    api.register_blueprint(reports_blp)  # GET /v1/reports/feedback (audit role)
    governance.init_app(app)  # warns when the knowledge base is not a recorded release
    cds_hooks.init_app(app)
    web.init_app(app)
    return app

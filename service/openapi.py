"""OpenAPI from the marshmallow schemas (flask-smorest), with Swagger UI served locally.

Swagger UI's files come from the swagger-ui-bundle package, not a CDN: hospital networks
often block CDNs.
"""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from service.schemas import ProblemSchema


class CdsApi(Api):
    """flask-smorest's Api, documenting errors as RFC 9457 problems."""

    ERROR_SCHEMA = ProblemSchema


_assets = Blueprint("swagger_ui_assets", __name__)


@_assets.get("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    """Serve Swagger UI's own files."""
    return send_from_directory(swagger_ui_path, filename)


def init_app(app: Flask) -> CdsApi:
    """Configure and attach the OpenAPI document and its interactive page."""
    app.config.setdefault("API_TITLE", "Magnesium for back pain: clinical decision support")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "/docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/docs/assets/")
    api = CdsApi(app)  # one per app: the spec accumulates per Api instance
    app.extensions["openapi"] = api
    app.register_blueprint(_assets)
    return api

"""OpenAPI from the marshmallow schemas (flask-smorest), with Swagger UI served locally.

Swagger UI's files come from the swagger-ui-bundle package, not a CDN: hospital networks
often block CDNs. /docs runs under the web form's security headers (CSP with
script-src 'self', no framing): its page (service/templates/swagger_ui.html) loads its
start-up script from /docs/init.js instead of an inline script.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from service.schemas import ProblemSchema
from service.web.views import CONTENT_SECURITY_POLICY, SECURITY_HEADERS


class CdsApi(Api):
    """flask-smorest's Api, documenting errors as RFC 9457 problems."""

    ERROR_SCHEMA = ProblemSchema


_assets = Blueprint("swagger_ui_assets", __name__)


# Swagger UI's stylesheet draws its icons as data: images; nothing else differs.
DOCS_CSP = CONTENT_SECURITY_POLICY.replace("img-src 'self'", "img-src 'self' data:")
SWAGGER_INIT = """\
window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui-container");
  var config = {url: element.dataset.specUrl, dom_id: "#swagger-ui-container"};
  var extra = JSON.parse(element.dataset.config || "{}");
  for (var name in extra) { config[name] = extra[name]; }
  window.ui = SwaggerUIBundle(config);
});
"""


@_assets.get("/docs/init.js")
def swagger_init() -> Response:
    """Start Swagger UI (the script flask-smorest's page had inline)."""
    return Response(SWAGGER_INIT, mimetype="text/javascript")


def docs_security_headers(response: Response) -> Response:
    """The web form's security headers on /docs and its files."""
    if request.path == "/docs" or request.path.startswith("/docs/"):
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


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
    app.after_request(docs_security_headers)
    return api

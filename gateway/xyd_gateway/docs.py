"""`GET /api/docs`: Swagger UI over every service's OpenAPI document, served by the gateway itself.

The UI's files come from the swagger_ui_bundle package (no CDN: the page works on a closed network).
Each service's document is fetched from the service when asked for, with its `/internal/` paths
removed (the gateway never routes them) and a Bearer scheme added so "Authorize" works.
"""

import json
import re

from flask import Blueprint, render_template_string, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path
from urllib3.exceptions import HTTPError

from xyd_common.errors import ApiError

from . import proxy
from .config import SERVICE_LABELS, SERVICE_URL_SETTINGS
from .routes import TOKEN_IGNORED, TOKEN_OPTIONAL, token_policy

bp = Blueprint("docs", __name__, url_prefix="/api/docs")

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>信易贷平台 API 文档</title>
  <link rel="stylesheet" href="{{ url_for('docs.asset', filename='swagger-ui.css') }}">
  <link rel="icon" type="image/png" href="{{ url_for('docs.asset', filename='favicon-32x32.png') }}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{{ url_for('docs.asset', filename='swagger-ui-bundle.js') }}"></script>
  <script src="{{ url_for('docs.asset', filename='swagger-ui-standalone-preset.js') }}"></script>
  <script>
    window.ui = SwaggerUIBundle({
      urls: {{ specs | tojson }},
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: "StandaloneLayout",
    });
  </script>
</body>
</html>
"""

BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                 "description": "登录（POST /api/v1/auth/login）得到的 access_token"}


@bp.get("")
def page():
    specs = [{"name": f"{service}（{SERVICE_LABELS[service]}）", "url": url_for("docs.spec", service=service)}
             for service in SERVICE_URL_SETTINGS]
    return render_template_string(PAGE, specs=specs)


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


@bp.get("/specs/<service>.json")
def spec(service: str):
    if service not in SERVICE_URL_SETTINGS:
        raise ApiError(404, "not_found", "没有这个服务的接口文档")
    pool, prefix = proxy.upstream(service)
    try:
        answer = pool.request("GET", prefix + "/openapi.json", retries=False, redirect=False)
    except HTTPError as exc:
        raise proxy.upstream_failure(service, exc) from exc
    if answer.status != 200:
        raise ApiError(502, "bad_gateway", f"{SERVICE_LABELS[service]}未能提供接口文档")
    try:
        document = json.loads(answer.data)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ApiError(502, "bad_gateway", f"{SERVICE_LABELS[service]}的接口文档格式错误")
    return public_document(document)


# What each token policy of the route table means as an operation's `security`: public operations need
# nothing; optional-token ones take a token or none; the rest need one (the document's default).
SECURITY_OF_POLICY = {TOKEN_IGNORED: [], TOKEN_OPTIONAL: [{}, {"bearerAuth": []}]}
_TEMPLATE_PARAMETER = re.compile(r"\{[^}/]+\}")


def public_document(document: dict) -> dict:
    """The document as seen through the gateway: public paths only, tried out against the gateway,
    each operation marked public, optional-token or secured as the route table says."""
    document["paths"] = {path: item for path, item in document.get("paths", {}).items()
                         if not path.startswith("/internal")}
    document["servers"] = [{"url": "/"}]
    document.setdefault("components", {}).setdefault("securitySchemes", {}).setdefault(
        "bearerAuth", BEARER_SCHEME)
    document.setdefault("security", [{"bearerAuth": []}])
    for template, item in document["paths"].items():
        # A path parameter stands for a record id in the route table's patterns.
        path = _TEMPLATE_PARAMETER.sub("1", template)
        for method, operation in item.items():
            if isinstance(operation, dict) and method in ("get", "head", "post", "put", "patch", "delete"):
                policy = token_policy(method.upper(), path)
                if policy in SECURITY_OF_POLICY:
                    operation["security"] = SECURITY_OF_POLICY[policy]
    return document

"""`GET /api/docs`: Swagger UI over the platform's OpenAPI documents, served by the gateway itself;
`GET /api/openapi.json`: every service's public operations merged into one document.

The UI's files come from the swagger_ui_bundle package (no CDN: the page works on a closed network).
Each service's document is fetched from the service when asked for, with its `/internal/` paths
removed (the gateway never routes them) and a Bearer scheme added so "Authorize" works.
"""

import json
import re

from flask import Blueprint, Response, jsonify, render_template_string, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path
from urllib3.exceptions import HTTPError

from xyd_common.api_docs import BEARER_SCHEME, error_answer
from xyd_common.errors import ApiError

from . import proxy
from .config import SERVICE_LABELS, SERVICE_URL_SETTINGS
from .routes import TOKEN_IGNORED, TOKEN_OPTIONAL, token_policy

bp = Blueprint("docs", __name__, url_prefix="/api/docs")
merged_bp = Blueprint("merged_docs", __name__)

# The page holds no inline script, so it runs under the gateway's one page policy (script-src 'self',
# security_headers.py): Swagger UI is started by init.js, served below.
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
  <script src="{{ url_for('docs.init_script') }}"></script>
</body>
</html>
"""

INIT_SCRIPT = """window.ui = SwaggerUIBundle({
  urls: %s,
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: "StandaloneLayout",
});
"""


@bp.get("")
def page():
    return render_template_string(PAGE)


@bp.get("/init.js")
def init_script():
    specs = [{"name": "全部接口", "url": url_for("merged_docs.merged")}]
    specs += [{"name": f"{service}（{SERVICE_LABELS[service]}）", "url": url_for("docs.spec", service=service)}
              for service in SERVICE_URL_SETTINGS]
    return Response(INIT_SCRIPT % json.dumps(specs, ensure_ascii=False), mimetype="text/javascript",
                    headers={"Cache-Control": "no-cache"})


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


@bp.get("/specs/<service>.json")
def spec(service: str):
    if service not in SERVICE_URL_SETTINGS:
        raise ApiError(404, "not_found", "没有这个服务的接口文档")
    return public_document(service_document(service))


@merged_bp.get("/api/openapi.json")
def merged():
    return jsonify(merge_documents({service: public_document(service_document(service))
                                    for service in SERVICE_URL_SETTINGS}))


def service_document(service: str) -> dict:
    """The service's own OpenAPI document, as it serves it."""
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
    return document


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
                if "responses" not in operation:
                    continue
                answers = operation["responses"]
                # The gateway itself refuses a token it cannot verify on any route that looks at one,
                if operation.get("security", document["security"]):
                    answers.setdefault("401", error_answer(["unauthorized"]))
                # and limits the rate of every route group (ratelimit.py): 429 `throttled` anywhere.
                codes = _codes(answers.get("429"))
                answers["429"] = error_answer(codes + ["throttled"] if "throttled" not in codes else codes)
    _drop_unreferenced_schemas(document)
    return document


def _codes(answer: dict | None) -> list[str]:
    if not answer:
        return []
    schema = answer["content"]["application/json"]["schema"]
    return list(schema["allOf"][1]["properties"]["code"]["enum"])


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _drop_unreferenced_schemas(document: dict) -> None:
    """Schemas only the removed `/internal/` paths used are no part of the public document."""
    schemas = document.get("components", {}).get("schemas", {})
    wanted, todo = set(), _refs(document["paths"])
    while todo:
        name = todo.pop()
        if name not in wanted and name in schemas:
            wanted.add(name)
            todo |= _refs(schemas[name])
    for name in [name for name in schemas if name not in wanted]:
        del schemas[name]


MERGED_INFO = {
    "title": "信易贷平台 API",
    "version": "v1",
}


def _renamed_refs(node, renames: dict[str, str]):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in renames:
                node = {**node, "$ref": "#/components/schemas/" + renames[name]}
        return {key: _renamed_refs(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_renamed_refs(value, renames) for value in node]
    return node


def merge_documents(documents: dict[str, dict]) -> dict:
    """One document of the services' public documents: their paths (each path belongs to one service),
    tags and schemas. A schema name two services use for different shapes is kept apart by prefixing
    the later service's (`Product` + `Institution` → `ProductInstitution`), its references rewritten."""
    first = next(iter(documents.values()))
    merged = {
        "openapi": first.get("openapi", "3.0.3"),
        "info": {**MERGED_INFO, "description": first.get("info", {}).get("description", "")},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {"bearerAuth": BEARER_SCHEME}},
    }
    schemas = merged["components"]["schemas"]
    for service, document in documents.items():
        own = document.get("components", {}).get("schemas", {})
        prefix = "".join(part.capitalize() for part in service.removesuffix("-service").split("-"))
        renames = {name: prefix + name for name, schema in own.items()
                   if name in schemas and schemas[name] != _renamed_refs(schema, {})}
        document = _renamed_refs(document, renames)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(renames.get(name, name), schema)
        merged["paths"].update(document.get("paths", {}))
        known = {tag["name"] for tag in merged["tags"]}
        merged["tags"] += [tag for tag in document.get("tags", []) if tag["name"] not in known]
    return merged

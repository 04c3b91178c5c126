"""The built web app (`web/dist`) at `/`: the single-page console on the same origin as the API.

Vite names every built asset after a hash of its content, so `assets/*` may be cached for a year;
`index.html` names the current assets and is never cached, so a new build reaches browsers at once.
A path that is no file and looks like a page (no file extension) is answered with `index.html`: the
app's router shows the page. Paths of the API and of the operations endpoints are never answered with
the app, so a mistyped API call still gets the contract's JSON 404. Without a build the gateway serves
the API alone and `/health` says `"web": "absent"`.
"""

from pathlib import Path

from flask import Blueprint, Flask, current_app, redirect, request, send_from_directory
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.security import safe_join

from xyd_common.errors import ApiError

from . import seo

bp = Blueprint("web", __name__)

INDEX = "index.html"
ASSET_DIR = "assets"
ASSET_CACHE = "public, max-age=31536000, immutable"
INDEX_CACHE = "no-store"
# First path segments the app never answers: the API, the gateway's own endpoints, and what services
# keep to themselves (so a probe gets JSON, not a page).
RESERVED_SEGMENTS = frozenset({"api", "health", "ready", "metrics", "internal", ".well-known"})


def dist_dir(app: Flask | None = None) -> Path:
    return Path((app or current_app).config["WEB_DIST_DIR"])


def web_status(app: Flask) -> str:
    """`ok` when a build is there to serve, else `absent` (an API-only deployment)."""
    return "ok" if (dist_dir(app) / INDEX).is_file() else "absent"


def _index(path: str = ""):
    if not (dist_dir() / INDEX).is_file():
        raise ApiError(404, "not_found", "网页端未部署，本网关仅提供 API")
    if request.method == "GET" and (page := seo.page_metadata(path)) is not None:
        # The market and product pages carry their own title, description and summary (seo.py).
        # The Host header is the client's to write: absolute links come from the configured address.
        base = current_app.config["PUBLIC_BASE_URL"]
        html = seo.render((dist_dir() / INDEX).read_text(encoding="utf-8"), *page,
                          url=base + request.path if base else None)
        response = current_app.response_class(html, mimetype="text/html")
    else:
        response = send_from_directory(dist_dir(), INDEX, max_age=0)
    response.headers["Cache-Control"] = INDEX_CACHE
    return response


@bp.get("/")
def home():
    return _index()


@bp.get("/web")
@bp.get("/web/")
def manual_address():
    # The operating manual's address ends in /web/: it leads to the portal home.
    return redirect("/", code=302)


# Every method, so that a path the app never answers is a 404 whatever the method (a POST to
# /internal/… must not learn that something answers GET there); other writes to app paths are 405.
@bp.route("/<path:path>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
          provide_automatic_options=False)
def app_file(path: str):
    first, _, _ = path.partition("/")
    if first in RESERVED_SEGMENTS:
        raise ApiError(404, "not_found", "接口不存在")
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
    root = dist_dir()
    file = safe_join(str(root), path)
    if file is not None and Path(file).is_file():
        response = send_from_directory(root, path)
        if first == ASSET_DIR:
            response.headers["Cache-Control"] = ASSET_CACHE
        elif path == INDEX:
            response.headers["Cache-Control"] = INDEX_CACHE
        return response
    if first == ASSET_DIR or "." in path.rsplit("/", 1)[-1]:
        # A missing file stays missing: answering a script request with the page would hide the error.
        raise ApiError(404, "not_found", "文件不存在")
    return _index(path)

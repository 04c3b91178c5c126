"""Cross-origin requests (CORS) for portals served from another origin.

`CORS_ALLOWED_ORIGINS` lists the origins (`https://portal.example.cn,http://localhost:5173`; `*` for
any) whose pages may call the API; empty, the default, allows none. The gateway answers a preflight
(`OPTIONS` with `Access-Control-Request-Method`) under `/api/` itself, without a token (browsers never
send one with a preflight) and without asking a service. Allowed origins get the methods, the request
headers a client sends (`Authorization`, `Content-Type`, `Idempotency-Key`, `X-Request-ID`) and the
answer headers it may read (`Retry-After`, `X-Request-ID`); any other origin gets no CORS header, so
its browser refuses. Credentials mode is never allowed: tokens travel in the `Authorization` header,
not in cookies.
"""

from flask import Flask, Response, request

ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
EXPOSED_HEADERS = "Retry-After, X-Request-ID"
# How long a browser may reuse a preflight's answer.
PREFLIGHT_MAX_AGE = "600"


def parse_origins(value: str | None) -> frozenset[str]:
    """`CORS_ALLOWED_ORIGINS` as a set of origins (`scheme://host[:port]`, lower case, no trailing /)."""
    return frozenset(part.strip().rstrip("/").lower() for part in (value or "").split(",") if part.strip())


def init_app(app: Flask) -> None:
    allowed = parse_origins(app.config["CORS_ALLOWED_ORIGINS"])
    any_origin = "*" in allowed

    def allowed_origin(origin: str | None) -> str | None:
        """The value of Access-Control-Allow-Origin for this request's Origin, or None."""
        if origin is None:
            return None
        if any_origin:
            return "*"
        return origin if origin.lower() in allowed else None

    @app.before_request
    def answer_preflight():
        if (request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers
                or not request.path.startswith("/api/")):
            return None
        response = Response(status=204)
        del response.headers["Content-Type"]  # an empty answer, not an HTML page
        response.vary.add("Origin")
        origin = allowed_origin(request.headers.get("Origin"))
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response

    if not allowed:
        return  # no origin allowed: nothing to add to ordinary answers

    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        if not request.path.startswith("/api/"):
            return response
        # Caches must keep answers for different origins apart.
        response.vary.add("Origin")
        origin = allowed_origin(request.headers.get("Origin"))
        if origin is not None and "Access-Control-Request-Method" not in request.headers:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

"""Forwarding: the request as it came (bytes untouched) to the service, the service's answer back.

The gateway never parses a body. It removes what a client must not set (identity headers, hop-by-hop
headers), adds the request id and the client's address, and maps a service that is down or slow to the
contract's 503/504 JSON answers.
"""

import logging
import time
from urllib.parse import quote, quote_from_bytes

import urllib3
from flask import Blueprint, Flask, Request, Response, current_app, g, request
from gunicorn.http.errors import ParseException
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ProtocolError, ReadTimeoutError
from werkzeug.exceptions import RequestEntityTooLarge

from xyd_common.errors import ApiError
from xyd_common.metrics import GATEWAY_UPSTREAM_LATENCY, GATEWAY_UPSTREAM_REQUESTS
from xyd_common.trusted_proxies import PROOF_HEADER, proof_key, sign_client

from .access import check_access
from .config import SERVICE_LABELS, service_urls
from .page_cache import cached_answer
from .ratelimit import check_rate_limit
from .routes import TOKEN_IGNORED, is_upload, service_for, token_policy

log = logging.getLogger(__name__)

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
    "trailer", "trailers", "transfer-encoding", "upgrade",
})
# urllib3 writes Host and Content-Length for the body it sends; the body is already read whole, so a
# client's Expect: 100-continue has been answered by the gateway's own server.
_REQUEST_HEADERS_SET_BY_GATEWAY = HOP_BY_HOP | {"host", "content-length", "expect", "x-request-id",
                                                "x-forwarded-for", PROOF_HEADER.lower()}
# The gateway's own server writes these.
_RESPONSE_HEADERS_SET_BY_GATEWAY = HOP_BY_HOP | {"server", "date"}

# Identity is what the verified token says, never a header: services ignore such headers, and the
# gateway removes them so that no layer behind it can be fooled either.
IDENTITY_HEADER_PREFIXES = ("x-user-", "x-auth-", "x-identity", "x-role", "x-service-", "x-internal-",
                            "x-forwarded-user")

# Answers of known size up to this are read whole and written in one go; others are streamed.
BUFFERED_ANSWER_LIMIT = 256 * 1024
STREAM_CHUNK_BYTES = 64 * 1024

# Left as they are when the checked (decoded) path and the raw query are encoded for the service.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/:@!$&'()*+,;=-._~?%[]"

FORWARDED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

_POOL_MANAGER = "xyd_gateway_pool_manager"
_UPSTREAMS = "xyd_gateway_upstreams"
_PROOF_KEY = "xyd_client_proof_key"


class RotatingConnectionPool(urllib3.HTTPConnectionPool):
    """A pool that closes a connection once it has carried `requests_per_connection` requests.

    A service's replicas share one address (gunicorn's SO_REUSEPORT, or a Kubernetes Service): the kernel
    or kube-proxy spreads *connections* over them, and a pooled keep-alive connection would tie a gateway
    thread to one replica for good. Closing each connection after a bounded number of requests makes every
    new connection a new draw, so the replicas share the load (tests-e2e/test_replicas.py). It is closed
    when handed out, idle and owned by the taker; urllib3 reconnects a closed connection on its next use."""

    requests_per_connection = 0  # set per gateway in init_app; 0: connections are kept as long as they live

    def _get_conn(self, timeout=None):
        connection = super()._get_conn(timeout)
        if self.requests_per_connection > 0:
            carried = getattr(connection, "xyd_requests", 0)
            if carried >= self.requests_per_connection:
                connection.close()
                carried = 0
            connection.xyd_requests = carried + 1
        return connection


class UpstreamResponse(Response):
    # A service's answer keeps its own Content-Type, or none (204): never a guessed text/html.
    default_mimetype = None


def init_app(app: Flask) -> None:
    """One connection pool manager per process (gunicorn loads the app in each worker, after the fork;
    pools connect lazily, so nothing is shared across a fork either way)."""
    urls = service_urls(app.config)
    app.extensions[_PROOF_KEY] = proof_key(app.config.get("SERVICE_TOKEN_SECRET"))
    if app.extensions[_PROOF_KEY] is None:
        log.warning("SERVICE_TOKEN_SECRET is not set: the services cannot tell clients apart (every "
                    "request reaches them from the gateway's own address)")
    pool_class = type("RotatingConnectionPool", (RotatingConnectionPool,),
                      {"requests_per_connection": app.config["GATEWAY_UPSTREAM_CONNECTION_REQUESTS"]})
    manager = app.extensions[_POOL_MANAGER] = urllib3.PoolManager(
        # Room for one pool per service even if none share a host:port, so none is ever evicted.
        num_pools=2 * len(urls),
        # A connection per gunicorn thread, plus one per service for the parallel health checks.
        maxsize=app.config["GATEWAY_POOL_SIZE"] + len(urls),
        block=False,
        retries=False,
        timeout=urllib3.Timeout(connect=app.config["GATEWAY_CONNECT_TIMEOUT"],
                                read=app.config["GATEWAY_READ_TIMEOUT"]),
    )
    manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme, "http": pool_class}
    # Each service's pool and path prefix, looked up once rather than parsing its URL per request.
    app.extensions[_UPSTREAMS] = {
        service: (manager.connection_from_url(url), urllib3.util.parse_url(url).path or "")
        for service, url in urls.items()
    }


def upstream(service: str, app: Flask | None = None) -> tuple[urllib3.HTTPConnectionPool, str]:
    """The service's connection pool and the path its base URL adds in front of every request."""
    return (app or current_app).extensions[_UPSTREAMS][service]


def _connection_tokens(value: str | None) -> set[str]:
    """Header names a `Connection` header marks as hop-by-hop for this one connection."""
    return {token.strip().lower() for token in value.split(",")} if value else set()


def upstream_request_headers(request: Request, request_id: str, pass_token: bool = True,
                             proof_key: bytes | None = None) -> dict[str, str]:
    drop = _REQUEST_HEADERS_SET_BY_GATEWAY | _connection_tokens(request.headers.get("Connection"))
    if not pass_token:
        drop = drop | {"authorization"}
    headers = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in drop or lower.startswith(IDENTITY_HEADER_PREFIXES):
            continue
        headers[name] = value
    headers["X-Request-ID"] = request_id
    # The client as the gateway established it (TRUSTED_PROXIES): addresses a client wrote itself into
    # X-Forwarded-For go no further. The proof is what makes a service believe it (and nobody else).
    client = request.remote_addr or "unknown"
    headers["X-Forwarded-For"] = client
    if proof_key is not None:
        headers[PROOF_HEADER] = sign_client(client, proof_key)
    return headers


def upstream_target(request: Request) -> str:
    """Path and query for the service: the path the route table checked, encoded again, so that the
    service decodes exactly that path; the query's bytes as sent (only unsafe bytes escaped)."""
    target = quote(request.path, safe=_PATH_SAFE)
    if request.query_string:
        target += "?" + quote_from_bytes(request.query_string, safe=_QUERY_SAFE)
    return target


def request_body(request: Request) -> bytes | None:
    """The body's bytes as sent; 413 when there are more than MAX_CONTENT_LENGTH of them, 400 when they
    cannot be read (malformed chunks, a body cut short)."""
    if request.content_length is None and "HTTP_TRANSFER_ENCODING" not in request.environ:
        return None  # neither a length nor chunks: HTTP says there is no body
    try:
        return _read_body(request)
    except (ParseException, OSError) as exc:
        # gunicorn parses the chunks as the body is read, long after it accepted the request: the
        # client's mistake, not the gateway's, so a 400 and a warning rather than a 500 and a traceback.
        log.warning("unreadable request body", extra={"error": f"{exc.__class__.__name__}: {exc}"})
        raise ApiError(400, "bad_request", "请求体格式错误") from exc


def _read_body(request: Request) -> bytes | None:
    limit = request.max_content_length
    if limit is None or request.content_length is not None:
        # werkzeug refuses a declared length over the limit before reading anything.
        return request.get_data(cache=False) or None
    # Chunked: werkzeug stops reading at the limit without an error, which would forward a truncated
    # body. Reading up to one byte past the limit tells a body that fits from one that does not.
    request.max_content_length = limit + 1
    body = request.get_data(cache=False)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    return body or None


def upstream_failure(service: str, exc: HTTPError) -> ApiError:
    """The contract's answer for a service that could not be asked or did not answer in time."""
    label = SERVICE_LABELS.get(service, "上游服务")
    if isinstance(exc, ReadTimeoutError):
        log.warning("upstream timed out", extra={"upstream": service, "error": str(exc)})
        return ApiError(504, "gateway_timeout", f"{label}响应超时，请稍后再试")
    log.warning("upstream unavailable", extra={"upstream": service, "error": str(exc)})
    if isinstance(exc, ConnectTimeoutError | ProtocolError):
        return ApiError(503, "service_unavailable", f"{label}暂不可用，请稍后再试")
    return ApiError(502, "bad_gateway", f"{label}返回异常，请稍后再试")


def forward(service: str, request: Request, request_id: str, app: Flask | None = None,
            pass_token: bool = True) -> Response:
    """Send `request` to `service` and turn its answer into the gateway's response."""
    app = app or current_app._get_current_object()
    headers = upstream_request_headers(request, request_id, pass_token, app.extensions[_PROOF_KEY])
    body = request_body(request)
    pool, prefix = upstream(service, app)
    started = time.perf_counter()
    try:
        answer = pool.urlopen(request.method, prefix + upstream_target(request), body=body, headers=headers,
                              redirect=False, preload_content=False, decode_content=False)
    except HTTPError as exc:
        failure = upstream_failure(service, exc)
        GATEWAY_UPSTREAM_REQUESTS.labels(service, str(failure.status)).inc()
        raise failure from exc
    # Until the headers arrived: what the service took, not how fast the client reads the body.
    GATEWAY_UPSTREAM_LATENCY.labels(service).observe(time.perf_counter() - started)
    GATEWAY_UPSTREAM_REQUESTS.labels(service, str(answer.status)).inc()

    headers_back = answer_headers(answer)
    length = answer.headers.get("Content-Length")
    if request.method == "HEAD" or (length is not None and length.isdigit()
                                    and int(length) <= BUFFERED_ANSWER_LIMIT):
        try:
            data = answer.read()
        except HTTPError as exc:
            answer.close()
            raise upstream_failure(service, exc) from exc
        finally:
            answer.release_conn()
        response = UpstreamResponse(data, status=answer.status, headers=headers_back)
        if length is not None:  # HEAD: the length of the body a GET would get, not of b""
            response.headers["Content-Length"] = length
        return response
    return UpstreamResponse(_stream(service, answer), status=answer.status, headers=headers_back,
                            direct_passthrough=True)


def answer_headers(answer: urllib3.BaseHTTPResponse) -> list[tuple[str, str]]:
    drop = _RESPONSE_HEADERS_SET_BY_GATEWAY | _connection_tokens(answer.headers.get("Connection"))
    return [(name, value) for name, value in answer.headers.items() if name.lower() not in drop]


def _stream(service: str, answer: urllib3.BaseHTTPResponse):
    complete = False
    try:
        yield from answer.stream(STREAM_CHUNK_BYTES, decode_content=False)
        complete = True
    except HTTPError as exc:
        # The status line is already out; all that is left is to cut the answer short.
        log.warning("upstream failed while streaming", extra={"upstream": service, "error": str(exc)})
    finally:
        if not complete:  # a half-read connection must not go back into the pool
            answer.close()
        answer.release_conn()


api = Blueprint("api", __name__)


@api.route("/api/v1/<path:_rest>", methods=FORWARDED_METHODS, provide_automatic_options=False)
def forward_api_request(_rest: str):
    """Every public API request: find the service, check the token, forward."""
    # Used a dozen times each: skip the context-local lookups.
    app, req = current_app._get_current_object(), request._get_current_object()
    service = service_for(req.path)
    if service is None:
        raise ApiError(404, "not_found", "接口不存在")
    g.upstream = service
    policy = token_policy(req.method, req.path)
    g.identity = check_access(app, policy, req.path, req.headers.get("Authorization"))
    check_rate_limit(app, policy, g.identity, req)
    if is_upload(req.method, req.path):
        req.max_content_length = app.config["MAX_UPLOAD_BYTES"]
    return cached_answer(app, req, lambda: forward(service, req, g.request_id, app,
                                                   pass_token=policy != TOKEN_IGNORED), UpstreamResponse)

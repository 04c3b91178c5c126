"""A portal on another origin calls the API from a browser (CORS); rate limits at the gateway, shared by
its replicas through Redis."""

import contextlib
import http.server
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from api_client import Api
from harness import ADMIN_PASSWORD, ADMIN_PHONE
from procfile import read_procfile

from xyd_testing.helpers import free_port, wait_until

PORTAL_PAGE = b"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>\xe9\x97\xa8\xe6\x88\xb7</title></html>"


@contextlib.contextmanager
def portal_page_at(port: int):
    """A static page served from `port`: the portal's origin, the browser's view of it."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PORTAL_PAGE)))
            self.end_headers()
            self.wfile.write(PORTAL_PAGE)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


FETCH = """async ([url, token]) => {
  const headers = token ? {Authorization: 'Bearer ' + token, 'X-Request-ID': 'portal-req-1'} : {};
  try {
    const response = await fetch(url, {headers});
    return {status: response.status, requestId: response.headers.get('X-Request-ID'),
            body: await response.json()};
  } catch (error) {
    return {error: String(error)};
  }
}"""


def test_preflight_without_token_names_the_allowed_origin(platform):
    origin = platform.portal_origin
    response = requests.options(platform.gateway + "/api/v1/orders", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key,x-request-id"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert {"Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"} <= set(
        response.headers["Access-Control-Allow-Headers"].split(", "))
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    stranger = requests.options(platform.gateway + "/api/v1/orders", timeout=10, headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert not [h for h in stranger.headers if h.lower().startswith("access-control-")]


def test_a_portal_on_an_allowed_origin_calls_the_api_from_chromium(browser, platform):
    admin = Api(platform.gateway)
    admin.login()
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        with portal_page_at(urlsplit(platform.portal_origin).port) as origin:
            page.goto(origin + "/")
            public = page.evaluate(FETCH, [platform.gateway + "/api/v1/market/products", None])
            assert public["status"] == 200 and "items" in public["body"], public
            # With a token: a preflighted request, and the exposed X-Request-ID is readable.
            me = page.evaluate(FETCH, [platform.gateway + "/api/v1/auth/me", admin.token])
            assert me["status"] == 200 and me["body"]["phone"] == ADMIN_PHONE, me
            assert me["requestId"] == "portal-req-1"
        # The same page from an origin nobody allowed: the browser refuses to hand over the answer.
        with portal_page_at(free_port()) as stranger:
            page.goto(stranger + "/")
            refused = page.evaluate(FETCH, [platform.gateway + "/api/v1/auth/me", admin.token])
            assert "error" in refused and "status" not in refused, refused
    finally:
        context.close()


@pytest.fixture(scope="module")
def limited_gateways(platform):
    """Two more gateway replicas in front of the same services, sharing their limits through Redis,
    behind a trusted proxy (127.0.0.1), with low limits."""
    command = read_procfile()["gateway"]
    prefix = f"xyd-e2e-limits-{uuid.uuid4().hex[:8]}:"
    urls = []
    for replica in range(2):
        port = free_port()
        platform.start("gateway-limited", command, replica, env={
            "GATEWAY_PORT": str(port), "GATEWAY_METRICS_PORT": str(free_port()),
            "REDIS_KEY_PREFIX": prefix, "TRUSTED_PROXIES": "127.0.0.1",
            "RATE_LIMIT_AUTH": "3/minute", "RATE_LIMIT_PUBLIC": "2/20", "RATE_LIMIT_USER": "4/minute",
        })
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        wait_until(lambda url=url: _up(url), timeout=30, message=f"the limited gateway at {url}")
    return urls


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def client_ip() -> str:
    n = uuid.uuid4().int
    return f"198.51.{n % 250}.{(n >> 8) % 250 + 1}"


def test_sign_in_is_limited_per_client_ip_across_gateway_replicas(limited_gateways):
    first, second = limited_gateways
    address = client_ip()
    statuses = []
    for url in (first, second, first, second):
        response = requests.post(url + "/api/v1/auth/login", timeout=10, headers={"X-Forwarded-For": address},
                                 json={"phone": "13900000000", "password": "x", "sms_code": "000000"})
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429]
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response.headers["Retry-After"]) <= 20
    # Another client behind the same proxy has its own count.
    other = requests.post(first + "/api/v1/auth/login", timeout=10, headers={"X-Forwarded-For": client_ip()},
                          json={"phone": "13900000000", "password": "x", "sms_code": "000000"})
    assert other.status_code == 401


def test_a_public_reader_who_waits_retry_after_is_served_again(limited_gateways):
    url, address = limited_gateways[0], client_ip()

    def market():
        return requests.get(url + "/api/v1/market/products", headers={"X-Forwarded-For": address}, timeout=10)

    assert [market().status_code for _ in range(2)] == [200, 200]
    refused = market()
    assert refused.status_code == 429
    time.sleep(int(refused.headers["Retry-After"]))
    assert market().status_code == 200


def test_signed_in_users_are_limited_per_user(platform, limited_gateways):
    admin = Api(limited_gateways[0])
    code = Api(platform.gateway).request_code(ADMIN_PHONE)
    login = admin.post("/auth/login", token="", json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD,
                                                      "sms_code": code}, headers={"X-Forwarded-For": client_ip()})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    statuses = [admin.get("/auth/me", token=token, headers={"X-Forwarded-For": client_ip()}).status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

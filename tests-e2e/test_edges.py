"""The edges an outsider reaches, on the running platform: who a client is behind real proxies (the trust
chain: TRUSTED_PROXIES at the gateway, the gateway's signed X-Forwarded-For at the services), a
malformed chunked body, the Host header, OPTIONS answers, the console SMS provider outside development
mode, and uploaded files that are only ever downloads. (The 申请入驻 probe: test_onboarding.py.)"""

import json
import socket
import uuid

import pytest
import requests
from api_client import Api
from harness import ADMIN_PASSWORD, ADMIN_PHONE
from playwright.sync_api import expect
from procfile import read_procfile
from scenario import admin_with_xuchang, random_uscc, register_enterprise, submit_verification, unique_phone
from test_web_admin import sign_in

from xyd_testing.helpers import free_port, wait_until

# A PDF that runs JavaScript when opened (/OpenAction), named and declared a picture.
ACTIVE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction 2 0 R>>endobj\n"
              b"2 0 obj<</S/JavaScript/JS(app.alert(document.domain))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def client_ip() -> str:
    n = uuid.uuid4().int
    return f"198.18.{n % 250}.{(n >> 8) % 250 + 1}"


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="module")
def behind_a_proxy(platform):
    """A gateway behind a trusted proxy (this test, at 127.0.0.1) with a low limit on public reads, in
    front of an auth-service of its own that allows two SMS codes per client IP and hour; both share the
    platform's databases, broker and secrets, and have Redis keys of their own."""
    procfile = read_procfile()
    prefix = f"xyd-e2e-edges-{uuid.uuid4().hex[:8]}:"
    auth_port, gateway_port = free_port(), free_port()
    platform.start("auth-edges", procfile["auth-service"], env={
        "AUTH_SERVICE_PORT": str(auth_port), "REDIS_KEY_PREFIX": prefix, "SMS_IP_HOURLY_LIMIT": "2"})
    platform.start("gateway-edges", procfile["gateway"], env={
        "GATEWAY_PORT": str(gateway_port), "GATEWAY_METRICS_PORT": str(free_port()), "REDIS_KEY_PREFIX": prefix,
        "AUTH_SERVICE_URL": f"http://127.0.0.1:{auth_port}", "TRUSTED_PROXIES": "127.0.0.1",
        "RATE_LIMIT_PUBLIC": "2/minute"})
    urls = {"auth": f"http://127.0.0.1:{auth_port}", "gateway": f"http://127.0.0.1:{gateway_port}"}
    for url in urls.values():
        wait_until(lambda url=url: _up(url), timeout=60, message=f"the process at {url}")
    return urls


def sms_code_request(url: str, forwarded_for: str | None = None, **headers) -> requests.Response:
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return requests.post(url + "/api/v1/auth/sms-codes", timeout=10, headers=headers,
                         json={"phone": unique_phone("135"), "purpose": "register"})


def failed_login(url: str, phone: str, **headers) -> None:
    response = requests.post(url + "/api/v1/auth/login", timeout=10, headers=headers,
                             json={"phone": phone, "password": "Wrong-2026", "sms_code": "000000"})
    assert response.status_code == 401, response.text


def logged_addresses(admin: Api, phone: str) -> set[str]:
    return {entry["ip"] for entry in admin.get("/admin/login-logs", params={"phone": phone}).json()["items"]}


def test_two_clients_behind_a_trusted_proxy_get_their_own_buckets_and_logged_addresses(platform, admin,
                                                                                      behind_a_proxy):
    gateway = behind_a_proxy["gateway"]
    first, second = client_ip(), client_ip()
    # The service's per-IP SMS quota (2 an hour here): the first client's third code is refused, the
    # second client, behind the same proxy, still has its own.
    assert [sms_code_request(gateway, first).status_code for _ in range(3)] == [202, 202, 429]
    assert sms_code_request(gateway, second).status_code == 202
    # The gateway's per-IP limit on public reads (2 a minute here), one bucket per client.

    def market(address):
        return requests.get(gateway + "/api/v1/market/products", timeout=10,
                            headers={"X-Forwarded-For": address}).status_code

    third, fourth = client_ip(), client_ip()
    assert [market(third) for _ in range(3)] == [200, 200, 429]
    assert market(fourth) == 200
    # Each client's address is the one logged, by auth-service and in the gateway's access log.
    phone = unique_phone("135")
    failed_login(gateway, phone, **{"X-Forwarded-For": first, "X-Request-ID": f"edges-{uuid.uuid4().hex}"})
    failed_login(gateway, phone, **{"X-Forwarded-For": second})
    assert logged_addresses(admin, phone) == {first, second}
    access = [json.loads(line) for line in (platform.workdir / "gateway-edges-0.log").read_text().splitlines()
              if line.startswith("{") and '"xyd_gateway.access"' in line]
    assert {first, second, third, fourth} <= {entry.get("client") for entry in access}


def test_a_spoofed_x_forwarded_for_from_an_untrusted_peer_is_ignored(platform, admin, behind_a_proxy):
    # The platform's own gateway trusts no proxy: a client's X-Forwarded-For names nobody.
    phone = unique_phone("135")
    failed_login(platform.gateway, phone, **{"X-Forwarded-For": "203.0.113.66"})
    assert logged_addresses(admin, phone) == {"127.0.0.1"}
    # A service believes only the gateway's signature, even from the gateway's own host: neither a bare
    # X-Forwarded-For nor a made-up proof moves the logged address or the per-IP SMS quota.
    auth = platform.service_url("auth-service")
    phone = unique_phone("135")
    failed_login(auth, phone, **{"X-Forwarded-For": "203.0.113.77"})
    failed_login(auth, phone, **{"X-Forwarded-For": "203.0.113.78", "X-Xyd-Client-Proof": "9999999999.00ff"})
    assert logged_addresses(admin, phone) == {"127.0.0.1"}
    direct = behind_a_proxy["auth"]
    statuses = [sms_code_request(direct, client_ip()).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]


def test_a_malformed_chunked_body_is_a_400_in_json_and_a_warning(platform):
    request_id = f"chunks-{uuid.uuid4().hex}"
    port = int(platform.gateway.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      f"X-Request-ID: {request_id}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "zz\r\n{}\r\n0\r\n\r\n").encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"400", answer
    assert b"application/json" in head.lower()
    assert json.loads(body)["code"] == "bad_request"

    def logged() -> list[dict]:
        lines = (platform.workdir / "gateway-0.log").read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if request_id in line and line.startswith("{")]

    wait_until(lambda: any(e["message"] == "unreadable request body" for e in logged()), timeout=10,
               message="the gateway's warning")
    assert {e["level"] for e in logged()} <= {"INFO", "WARNING"}
    assert [e for e in logged() if e["message"] == "unreadable request body"][0]["level"] == "WARNING"


def test_page_addresses_come_from_the_configured_base_url_never_the_host_header(platform, browser):
    # (`browser` only checks that web/dist is there to serve.)
    products = requests.get(platform.gateway + "/api/v1/market/products", timeout=10).json()["items"]
    paths = ["/market"] + [f"/products/{p['id']}" for p in products[:1]]
    for path in paths:
        html = requests.get(platform.gateway + path, timeout=10,
                            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}).text
        assert "evil.example" not in html, path
        assert f'<meta property="og:url" content="{platform.env["PUBLIC_BASE_URL"]}{path}" />' in html, path


def test_options_answers_are_never_typed_html(platform):
    gateway = platform.gateway
    preflight = requests.options(gateway + "/api/v1/orders", timeout=10, headers={
        "Origin": platform.portal_origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and "Content-Type" not in preflight.headers
    for path in ("/api/v1/market/products", "/", "/market", "/health", "/api/docs"):
        answer = requests.options(gateway + path, timeout=10)
        assert "html" not in answer.headers.get("Content-Type", ""), (path, answer.headers)
        assert not answer.content or answer.headers["Content-Type"] == "application/json", path
    direct = requests.options(platform.service_url("product-service") + "/api/v1/market/products", timeout=10)
    assert direct.status_code == 200 and "Content-Type" not in direct.headers


def test_console_sms_is_refused_outside_development_mode_and_loud_inside_it(platform):
    platform.start("notification-console", read_procfile()["notification-service"], env={
        "NOTIFICATION_SERVICE_PORT": str(free_port()), "DEVELOPMENT_MODE": "false"})
    proc, _ = platform.processes["notification-console-0"]
    wait_until(lambda: proc.poll() is not None, timeout=60, message="notification-service to refuse to start")
    assert proc.returncode != 0
    assert "SMS_PROVIDER=console" in platform.log_tail("notification-console-0", 200)
    platform.retire("notification-console-0")
    # The platform's own notification-service runs in development mode and says so at start.
    assert "DEVELOPMENT MODE" in (platform.workdir / "notification-service-0.log").read_text(errors="replace")


def test_an_uploaded_pdf_is_typed_by_its_bytes_and_only_ever_downloaded(platform, desktop):
    admin = admin_with_xuchang(platform)
    uscc = random_uscc()
    enterprise, _ = register_enterprise(platform, uscc, f"许昌边界测试{uuid.uuid4().hex[:4]}有限公司")
    request = submit_verification(enterprise, licence=("营业执照.png", ACTIVE_PDF, "image/png"))
    assert request["documents"][0]["content_type"] == "application/pdf"
    path = f"/admin/enterprise-verifications/{request['id']}/files/licence"
    served = admin.get(path)
    assert served.status_code == 200 and served.content == ACTIVE_PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert enterprise.get(path).status_code == 403 and Api(platform.gateway).get(path, token="").status_code == 401
    # The reviewer's console offers it as a download and never renders it.
    page = desktop
    sign_in(page, Api(platform.gateway), ADMIN_PHONE, ADMIN_PASSWORD, "机构管理")
    page.goto("/admin/verifications")
    page.get_by_label("信用代码").fill(uscc)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("row").filter(has_text=uscc).get_by_role("button", name="审核", exact=True).click()
    link = page.get_by_role("link", name="下载 PDF 查看（不在浏览器内打开）")
    expect(link).to_be_visible()
    expect(page.locator("iframe, embed, object")).to_have_count(0)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert page.context.pages == [page]  # nothing opened it in a tab either

import http.client
import io
import json
import logging
import os
import uuid

import pytest
import urllib3
from gunicorn.http.errors import InvalidChunkSize

from xyd_common.trusted_proxies import proof_key, proven_client
from xyd_gateway.proxy import answer_headers

from .support import bearer, unreachable_url


@pytest.fixture
def auth(token):
    return bearer(token())


def test_unrouted_path_is_404_json(client, auth):
    for path in ("/internal/x", "/api/v1/unknown", "/api/v1/internal/users/1", "/nothing", "/api/v1"):
        response = client.get(path, headers=auth)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "not_found"


def test_dot_segments_cannot_reach_internal_endpoints(client, auth):
    for path in ("/api/v1/products/../../internal/users/1", "/api/v1/products/%2e%2e/%2e%2e/internal/x"):
        response = client.get(path, headers=auth)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "not_found"


def test_path_and_query_are_forwarded_unchanged(client, auth):
    response = client.get("/api/v1/orders/12?status=submitted&q=%E8%AE%B8%E6%98%8C&tag=a&tag=b", headers=auth)
    echoed = response.get_json()
    assert echoed["method"] == "GET"
    assert echoed["path"] == "/api/v1/orders/12"
    assert echoed["query"] == "status=submitted&q=%E8%AE%B8%E6%98%8C&tag=a&tag=b"


def test_body_is_forwarded_byte_for_byte(client, auth):
    body = os.urandom(4096) + "中文".encode("gb18030") + b"\x00\xff"
    response = client.put("/api/v1/orders/12", data=body, headers={**auth, "Content-Type": "application/x-test"})
    echoed = response.get_json()
    assert echoed["method"] == "PUT"
    assert bytes.fromhex(echoed["body_hex"]) == body
    assert echoed["headers"]["Content-Type"] == "application/x-test"
    assert echoed["headers"]["Content-Length"] == str(len(body))


def test_json_body_is_not_reencoded(client, auth):
    body = b'{"amount":  100.5000, "purpose": "\\u91c7\\u8d2d"}'
    response = client.post("/api/v1/orders", data=body, headers={**auth, "Content-Type": "application/json"})
    assert bytes.fromhex(response.get_json()["body_hex"]) == body


def test_spoofed_identity_headers_are_stripped(client, auth):
    spoofed = {"X-User-Id": "1", "X-User-Role": "admin", "X-Auth-User": "1", "X-Identity": "admin",
               "X-Role": "admin", "X-Service-Name": "auth-service", "X-Internal-Token": "t",
               "X-Forwarded-User": "admin", "X-Custom": "kept"}
    response = client.get("/api/v1/orders", headers={**auth, **spoofed})
    forwarded = {name.lower() for name in response.get_json()["headers"]}
    assert forwarded.isdisjoint({name.lower() for name in spoofed if name != "X-Custom"})
    assert "x-custom" in forwarded


def test_spoofed_identity_headers_are_stripped_on_public_routes_too(client):
    response = client.get("/api/v1/market/products", headers={"X-User-Id": "1", "X-User-Role": "admin"})
    forwarded = {name.lower() for name in response.get_json()["headers"]}
    assert "x-user-id" not in forwarded and "x-user-role" not in forwarded


def test_request_id_is_generated_forwarded_and_returned(client, auth):
    response = client.get("/api/v1/orders", headers=auth)
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert response.get_json()["headers"]["X-Request-Id"] == request_id


def test_client_request_id_is_kept_when_well_formed(client, auth):
    response = client.get("/api/v1/orders", headers={**auth, "X-Request-ID": "portal-abc.123_x"})
    assert response.headers["X-Request-ID"] == "portal-abc.123_x"
    assert response.get_json()["headers"]["X-Request-Id"] == "portal-abc.123_x"


def test_malformed_client_request_id_is_replaced(client, auth):
    response = client.get("/api/v1/orders", headers={**auth, "X-Request-ID": "bad id <script>" + "x" * 80})
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32 and request_id.isalnum()
    assert response.get_json()["headers"]["X-Request-Id"] == request_id


def test_error_answers_carry_a_request_id(client):
    assert client.get("/api/v1/orders").headers["X-Request-ID"]
    assert client.get("/internal/x").headers["X-Request-ID"]


def test_the_client_address_is_forwarded_and_a_clients_own_x_forwarded_for_is_ignored(client, auth):
    response = client.get("/api/v1/orders", headers=auth, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.get_json()["headers"]["X-Forwarded-For"] == "203.0.113.9"
    response = client.get("/api/v1/orders", headers={**auth, "X-Forwarded-For": "10.0.0.1"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.get_json()["headers"]["X-Forwarded-For"] == "203.0.113.9"


def test_client_address_behind_a_trusted_proxy_is_the_forwarded_one(make_app, token):
    client = make_app(TRUSTED_PROXIES="10.0.0.0/8").test_client()
    response = client.get("/api/v1/orders", headers={**bearer(token()), "X-Forwarded-For": "6.6.6.6, 198.51.100.7"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_json()["headers"]["X-Forwarded-For"] == "198.51.100.7"
    # The same header from a peer outside the trusted networks names nobody.
    response = client.get("/api/v1/orders", headers={**bearer(token()), "X-Forwarded-For": "198.51.100.7"},
                          environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert response.get_json()["headers"]["X-Forwarded-For"] == "192.0.2.1"


def test_hop_by_hop_request_headers_are_not_forwarded(client, auth):
    response = client.get("/api/v1/orders", headers={**auth, "Connection": "keep-alive, X-Drop-Me",
                                                     "X-Drop-Me": "1", "Keep-Alive": "5", "TE": "trailers",
                                                     "Upgrade": "websocket"})
    forwarded = {name.lower() for name in response.get_json()["headers"]}
    assert forwarded.isdisjoint({"x-drop-me", "keep-alive", "te", "upgrade"})


def test_hop_by_hop_answer_headers_are_not_copied():
    answer = urllib3.HTTPResponse(b"", headers={"Connection": "close, X-Hop", "Keep-Alive": "timeout=5",
                                                "X-Hop": "1", "Transfer-Encoding": "chunked",
                                                "Server": "gunicorn", "X-Kept": "1"})
    assert answer_headers(answer) == [("X-Kept", "1")]


def test_upstream_status_and_headers_come_back(client, auth):
    response = client.post("/api/v1/orders?_status=409", headers=auth)
    assert response.status_code == 409
    assert response.headers["X-Upstream"] == "echo"
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["Content-Type"] == "application/json"


def test_large_answer_is_streamed_through_intact(client, auth):
    response = client.get("/api/v1/orders/export?_size=600000", headers=auth)
    assert response.status_code == 200
    assert response.data == b"".join(bytes([i % 251]) * 1000 for i in range(600))


def test_head_request_keeps_the_length_of_the_get_answer(client, auth):
    head = client.head("/api/v1/orders/12?_text=%E8%AE%B8%E6%98%8C", headers=auth)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == "6"


def test_options_is_forwarded_not_answered_by_the_gateway(client, auth):
    response = client.options("/api/v1/orders", headers=auth)
    assert response.get_json()["method"] == "OPTIONS"


def test_body_over_the_limit_is_refused_with_413(client, auth):
    response = client.post("/api/v1/orders", data=b"x" * (1024 * 1024 + 1), headers=auth)
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"


def test_a_document_upload_may_be_larger_than_other_bodies_but_not_without_limit(client, auth):
    path = "/api/v1/auth/enterprise-verification"
    allowed = client.post(path, data=b"x" * (3 * 1024 * 1024), headers=auth)
    assert allowed.status_code == 200, allowed.get_json()
    too_large = client.post(path, data=b"x" * (11 * 1024 * 1024 + 1), headers=auth)
    assert too_large.status_code == 413 and "11264 KB" in too_large.get_json()["message"]
    # Only that route: the same size elsewhere is refused.
    assert client.post("/api/v1/auth/me", data=b"x" * (3 * 1024 * 1024), headers=auth).status_code == 413


def test_chunked_body_is_forwarded_and_limited(make_app, gateway_server, token):
    def post_chunked(app_address, size):
        conn = http.client.HTTPConnection(app_address, timeout=5)
        chunks = [b"y" * min(65536, size - start) for start in range(0, size, 65536)]
        conn.request("POST", "/api/v1/orders", body=iter(chunks), encode_chunked=True,
                     headers={**bearer(token()), "Transfer-Encoding": "chunked"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data

    status, data = post_chunked(gateway_server, 5000)
    assert status == 200
    assert bytes.fromhex(json.loads(data)["body_hex"]) == b"y" * 5000
    status, data = post_chunked(gateway_server, 1024 * 1024)
    assert status == 200
    assert len(json.loads(data)["body_hex"]) == 2 * 1024 * 1024
    status, _ = post_chunked(gateway_server, 1024 * 1024 + 1)
    assert status == 413


def test_unreachable_service_is_503_json(make_app, token):
    client = make_app(ORDER_SERVICE_URL=unreachable_url()).test_client()
    response = client.get("/api/v1/orders", headers=bearer(token()))
    assert response.status_code == 503
    assert response.get_json() == {"code": "service_unavailable", "message": "订单服务暂不可用，请稍后再试"}


def test_slow_service_is_504_json(make_app, token):
    client = make_app(GATEWAY_READ_TIMEOUT=0.2).test_client()
    response = client.get("/api/v1/orders?_sleep=1", headers=bearer(token()))
    assert response.status_code == 504
    assert response.get_json()["code"] == "gateway_timeout"


def test_gateway_recovers_after_a_timeout(make_app, token):
    client = make_app(GATEWAY_READ_TIMEOUT=0.2).test_client()
    assert client.get("/api/v1/orders?_sleep=1", headers=bearer(token())).status_code == 504
    assert client.get(f"/api/v1/orders?n={uuid.uuid4().hex}", headers=bearer(token())).status_code == 200


def test_unknown_method_is_405_json(client, auth):
    response = client.open("/api/v1/orders", method="TRACE", headers=auth)
    assert response.status_code == 405
    assert response.get_json()["code"] == "method_not_allowed"


def test_the_forwarded_client_address_carries_the_gateways_proof(make_app, token):
    client = make_app(SERVICE_TOKEN_SECRET="platform-secret").test_client()
    response = client.get("/api/v1/orders", headers={**bearer(token()), "X-Xyd-Client-Proof": "1.forged"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    headers = response.get_json()["headers"]
    assert proven_client(headers["X-Forwarded-For"], headers["X-Xyd-Client-Proof"], proof_key("platform-secret"))
    # Without the platform secret no proof goes out, and a client's own never passes through.
    plain = make_app(SERVICE_TOKEN_SECRET=None).test_client()
    headers = plain.get("/api/v1/orders", headers={**bearer(token()), "X-Xyd-Client-Proof": "1.forged"}).get_json()[
        "headers"]
    assert "X-Xyd-Client-Proof" not in headers


class _MalformedChunks(io.RawIOBase):
    """What gunicorn's body reader does on `Transfer-Encoding: chunked` with a bad chunk size."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise InvalidChunkSize(b"zz")


def test_a_malformed_chunked_body_is_a_400_and_a_warning_not_a_500(client, auth, caplog):
    with caplog.at_level(logging.WARNING, logger="xyd_gateway.proxy"):
        response = client.post("/api/v1/orders", headers=auth, environ_overrides={
            # As gunicorn passes a chunked body: no length, the stream ends where the chunks do.
            "wsgi.input": io.BufferedReader(_MalformedChunks()), "HTTP_TRANSFER_ENCODING": "chunked",
            "CONTENT_LENGTH": "", "wsgi.input_terminated": True})
    assert response.status_code == 400 and response.get_json()["code"] == "bad_request"
    assert [r for r in caplog.records if r.levelno == logging.WARNING and "unreadable request body" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_options_answers_of_the_gateway_are_not_typed_html(make_app):
    client = make_app(CORS_ALLOWED_ORIGINS="https://portal.example.cn").test_client()
    preflight = client.options("/api/v1/orders", headers={"Origin": "https://portal.example.cn",
                                                          "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and "Content-Type" not in preflight.headers
    for path in ("/health", "/api/docs", "/api/openapi.json"):
        answer = client.options(path)
        assert "html" not in answer.headers.get("Content-Type", ""), path

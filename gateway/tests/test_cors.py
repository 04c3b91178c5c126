"""Cross-origin calls from a portal on another origin (CORS_ALLOWED_ORIGINS)."""

import pytest

from .support import bearer

PORTAL = "https://portal.example.cn"


@pytest.fixture
def cors_client(make_app):
    return make_app(CORS_ALLOWED_ORIGINS=f"{PORTAL}, http://localhost:5173/").test_client()


def preflight(client, origin, method="POST", headers="authorization,content-type,idempotency-key"):
    return client.options("/api/v1/orders", headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})


def test_preflight_of_an_allowed_origin_is_answered_without_a_token(cors_client):
    response = preflight(cors_client, PORTAL)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) >= {"GET", "POST", "PATCH", "DELETE"}
    assert set(response.headers["Access-Control-Allow-Headers"].split(", ")) == {
        "Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"}
    assert "Origin" in response.headers["Vary"]
    # Tokens travel in headers: credentials mode is never allowed.
    assert "Access-Control-Allow-Credentials" not in response.headers
    # The service never saw it.
    assert "X-Upstream" not in response.headers


def test_an_origin_listed_with_a_trailing_slash_is_allowed(cors_client):
    assert preflight(cors_client, "http://localhost:5173").headers["Access-Control-Allow-Origin"] == \
        "http://localhost:5173"


def test_preflight_of_another_origin_gets_no_cors_headers(cors_client):
    response = preflight(cors_client, "https://evil.example.com")
    assert response.status_code == 204
    assert not [name for name in response.headers.keys() if name.startswith("Access-Control-")]


def test_actual_cross_origin_answer_names_the_origin_and_exposes_headers(cors_client, token):
    response = cors_client.get("/api/v1/orders", headers={"Origin": PORTAL, **bearer(token())})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL
    assert set(response.headers["Access-Control-Expose-Headers"].split(", ")) == {"Retry-After", "X-Request-ID"}
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_error_answers_carry_cors_headers_so_the_portal_can_read_them(cors_client):
    response = cors_client.get("/api/v1/orders", headers={"Origin": PORTAL})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL


def test_actual_answer_to_another_origin_has_no_cors_headers(cors_client):
    response = cors_client.get("/api/v1/market/products", headers={"Origin": "https://evil.example.com"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_allowed_origins_no_cors_headers_at_all(client):
    assert client.get("/api/v1/market/products", headers={"Origin": PORTAL}).headers.get(
        "Access-Control-Allow-Origin") is None
    response = preflight(client, PORTAL)
    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" not in response.headers


def test_any_origin_when_configured_with_a_star(make_app):
    client = make_app(CORS_ALLOWED_ORIGINS="*").test_client()
    assert preflight(client, "https://anyone.example").headers["Access-Control-Allow-Origin"] == "*"

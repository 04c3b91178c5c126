"""The browser surface (contract v4, "Safe files and pages"): every answer nosniff, every HTML answer under
the page policy (no framing, scripts only from the platform), HSTS when configured."""

import pytest

from xyd_gateway.security_headers import CONTENT_SECURITY_POLICY

from .test_web import dist  # noqa: F401  (the fixture: a small web/dist)

REQUIRED_DIRECTIVES = ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"]


def assert_page_headers(response) -> None:
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    for directive in REQUIRED_DIRECTIVES:
        assert directive in policy
    assert "'unsafe-eval'" not in policy and "script-src 'self'" in policy  # no inline or evaluated script
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_lets_the_licence_previews_show_blob_urls():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert "blob:" in directives["img-src"] and "blob:" in directives["frame-src"]


def test_every_page_answer_carries_the_page_policy(make_app, dist):  # noqa: F811
    client = make_app(WEB_DIST_DIR=str(dist)).test_client()
    for path in ("/", "/login", "/institution/orders/42", "/no-such-page", "/api/docs"):
        assert_page_headers(client.get(path))


@pytest.mark.parametrize("path", ["/api/v1/no-such-area", "/health", "/favicon.svg", "/assets/index-3f2a9c.js"])
def test_every_other_answer_is_nosniff_without_the_page_headers(make_app, dist, path):  # noqa: F811
    response = make_app(WEB_DIST_DIR=str(dist)).test_client().get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers and "X-Frame-Options" not in response.headers


def test_hsts_only_when_configured(make_app, dist):  # noqa: F811
    assert "Strict-Transport-Security" not in make_app(WEB_DIST_DIR=str(dist)).test_client().get("/").headers
    client = make_app(WEB_DIST_DIR=str(dist), GATEWAY_HSTS_SECONDS=31536000).test_client()
    for path in ("/", "/api/v1/no-such-area"):
        assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

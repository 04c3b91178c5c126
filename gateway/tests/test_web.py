"""The built web app at `/`: SPA fallback, caching, and the API never shadowed by it."""

import pytest

INDEX_HTML = '<!DOCTYPE html><html lang="zh-CN"><body><div id="app"></div></body></html>'


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    (tmp_path / "assets" / "index-3f2a9c.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    return tmp_path


@pytest.fixture
def web_client(make_app, dist):
    return make_app(WEB_DIST_DIR=str(dist)).test_client()


def test_root_serves_the_app_and_it_is_never_cached(web_client):
    response = web_client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == INDEX_HTML
    assert response.headers["Cache-Control"] == "no-store"


def test_hashed_assets_are_cached_for_a_year(web_client):
    response = web_client.get("/assets/index-3f2a9c.js")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "console.log(1)"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_other_files_of_the_build_are_served(web_client):
    response = web_client.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] != "public, max-age=31536000, immutable"


def test_unknown_page_paths_fall_back_to_the_app(web_client):
    for path in ("/login", "/institution/orders/42", "/portal/"):
        response = web_client.get(path)
        assert response.status_code == 200, path
        assert response.get_data(as_text=True) == INDEX_HTML
        assert response.headers["Cache-Control"] == "no-store"


def test_missing_files_are_a_json_404_not_the_page(web_client):
    for path in ("/assets/gone-123.js", "/logo.png"):
        response = web_client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "not_found"


def test_the_manual_address_leads_to_the_portal_home(web_client):
    for path in ("/web/", "/web"):
        response = web_client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_api_and_operations_paths_are_never_answered_by_the_app(web_client, token):
    auth = {"Authorization": f"Bearer {token()}"}
    assert web_client.get("/api/v1/orders", headers=auth).get_json()["path"] == "/api/v1/orders"  # the service
    for path in ("/api/v2/orders", "/api/unknown", "/internal/users/1", "/ready", "/metrics", "/api/v1/nowhere"):
        response = web_client.get(path)
        assert response.status_code == 404, path
        assert response.is_json and response.get_json()["code"] == "not_found", path
    assert web_client.get("/health").get_json()["status"] == "ok"


def test_paths_outside_the_build_are_refused(web_client, dist):
    (dist.parent / "secret.txt").write_text("no", encoding="utf-8")
    response = web_client.get("/../secret.txt")
    assert response.status_code == 404
    assert b"no" != response.get_data()


def test_writes_to_app_paths_are_refused_with_json(web_client):
    response = web_client.post("/login")
    assert response.status_code == 405
    assert response.get_json()["code"]


def test_unrouted_paths_are_404_for_every_method(web_client, make_app, tmp_path):
    for client in (web_client, make_app(WEB_DIST_DIR=str(tmp_path / "missing")).test_client()):
        for method in ("POST", "PUT", "DELETE", "GET"):
            response = client.open("/internal/service-tokens", method=method, json={})
            assert response.status_code == 404, method
            assert response.get_json()["code"] == "not_found"


def test_gateway_without_a_build_serves_the_api_and_says_so(make_app, tmp_path, token):
    client = make_app(WEB_DIST_DIR=str(tmp_path / "missing")).test_client()
    assert client.get("/health").get_json()["web"] == "absent"
    response = client.get("/")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert client.get("/login").status_code == 404
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token()}"}).status_code == 200


def test_health_reports_the_web_app(web_client):
    assert web_client.get("/health").get_json()["web"] == "ok"

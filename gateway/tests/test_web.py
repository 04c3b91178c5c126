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


# --- pages search engines and link previews read (seo.py) ---------------------------------------------

PRODUCT = {"id": 7, "name": "魏都科创贷", "institution_name": "许昌农商银行", "category": "loan", "status": "active",
           "amount_min": 10, "amount_max": 500, "term_min_months": 3, "term_max_months": 36, "rate_min": 3.45,
           "rate_max": 6.5, "guarantee_methods": ["credit"], "features": "纯信用、随借随还",
           "description": "面向魏都区科技型中小企业<b>的</b>信用贷款"}


POLICY = {"id": 3, "title": "许昌市首贷企业贴息政策", "issuer": "许昌市财政局", "region_name": "许昌市",
          "published_on": "2026-12-01", "valid_until": None, "status": "published",
          "body": "对首次获得贷款的企业<b>贴息</b>。\n\n按实付利息的 50% 补贴。"}


@pytest.fixture
def products():
    from xyd_testing.helpers import StubServer

    with StubServer() as stub:
        stub.routes["/api/v1/products/7"] = (200, PRODUCT)
        stub.routes["/api/v1/products/8"] = (200, {**PRODUCT, "id": 8, "status": "disabled"})
        stub.routes["/api/v1/market/products"] = (200, {"items": [PRODUCT], "total": 1, "page": 1, "per_page": 20})
        stub.routes["/api/v1/policies/3"] = (200, POLICY)
        stub.routes["/api/v1/policies/4"] = (200, {**POLICY, "id": 4, "status": "withdrawn"})
        stub.routes["/api/v1/policies"] = (200, {"items": [POLICY], "total": 1, "page": 1, "per_page": 20})
        yield stub


@pytest.fixture
def seo_client(make_app, dist, products):
    (dist / "index.html").write_text('<!DOCTYPE html><html lang="zh-CN"><head><title>信易贷</title></head>'
                                     '<body><div id="app"></div></body></html>', encoding="utf-8")
    return make_app(WEB_DIST_DIR=str(dist), PRODUCT_SERVICE_URL=products.url).test_client()


def test_a_product_page_carries_its_title_description_and_key_figures(seo_client):
    response = seo_client.get("/products/7")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "<title>魏都科创贷 - 金融超市 - 许昌市中小企业融资综合信用服务平台</title>" in html
    assert '<meta name="description" content="魏都科创贷（许昌农商银行）：产品类别贷款' in html
    assert '<meta property="og:title" content="魏都科创贷' in html
    assert "<dt>贷款额度</dt><dd>10–500 万元</dd>" in html and "<dd>3.45–6.5%</dd>" in html
    assert "&lt;b&gt;的&lt;/b&gt;" in html  # the product's own text is escaped
    assert html.count("<title>") == 1


def test_absolute_page_addresses_come_from_the_configured_base_url_never_the_host_header(make_app, dist,
                                                                                       products, seo_client):
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    for path in ("/market", "/products/7"):
        html = seo_client.get(path, headers=evil).get_data(as_text=True)
        assert "og:url" not in html and "evil.example" not in html, path  # no base URL configured: none
    configured = make_app(WEB_DIST_DIR=str(dist), PRODUCT_SERVICE_URL=products.url,
                          PUBLIC_BASE_URL="https://xyd.xuchang.example").test_client()
    for path in ("/market", "/products/7"):
        html = configured.get(path, headers=evil).get_data(as_text=True)
        assert f'<meta property="og:url" content="https://xyd.xuchang.example{path}" />' in html, path
        assert "evil.example" not in html, path


def test_the_market_page_lists_the_newest_products(seo_client):
    html = seo_client.get("/market").get_data(as_text=True)
    assert "<title>金融超市 - 许昌市中小企业融资综合信用服务平台</title>" in html
    assert '<a href="/products/7">魏都科创贷</a>' in html


def test_a_product_not_on_offer_or_a_service_that_is_down_leaves_the_plain_app(seo_client, make_app, dist):
    for path in ("/products/8", "/products/9"):
        html = seo_client.get(path).get_data(as_text=True)
        assert "<title>信易贷</title>" in html and '<div id="app"></div>' in html, path
    from .support import unreachable_url

    down = make_app(WEB_DIST_DIR=str(dist), PRODUCT_SERVICE_URL=unreachable_url()).test_client()
    response = down.get("/products/7")
    assert response.status_code == 200 and '<div id="app"></div>' in response.get_data(as_text=True)


def test_a_policy_page_carries_its_title_description_and_text(seo_client):
    html = seo_client.get("/policies/3").get_data(as_text=True)
    assert "<title>许昌市首贷企业贴息政策 - 政策资讯 - 许昌市中小企业融资综合信用服务平台</title>" in html
    assert '<meta name="description" content="许昌市财政局：许昌市首贷企业贴息政策。对首次获得贷款的企业' in html
    assert "<dt>有效期至</dt><dd>长期有效</dd>" in html and "<p>按实付利息的 50% 补贴。</p>" in html
    assert "&lt;b&gt;贴息&lt;/b&gt;" in html  # the policy's own text is escaped
    assert html.count("<title>") == 1


def test_the_policies_page_lists_the_newest_and_a_withdrawn_policy_is_the_plain_app(seo_client):
    html = seo_client.get("/policies").get_data(as_text=True)
    assert "<title>政策资讯 - 许昌市中小企业融资综合信用服务平台</title>" in html
    assert '<a href="/policies/3">许昌市首贷企业贴息政策</a>' in html
    for path in ("/policies/4", "/policies/5"):
        html = seo_client.get(path).get_data(as_text=True)
        assert "<title>信易贷</title>" in html and '<div id="app"></div>' in html, path

import pytest
from sqlalchemy import update

from product_service.models import Product, db

from .support import OTHER_BANK_ID, deliver, institution_data

MARKET = "/api/v1/market/products"


@pytest.fixture
def catalog(publish, other_bank):
    """Five products, published in this order: {short name: product}."""
    products = {
        "tax": publish(name="税易贷", guarantee_methods=["credit"], amount_min=10, amount_max=300, term_min_months=6,
                       term_max_months=36, rate_min=3.45, rate_max=6.5, region_codes=["411000"], featured=True,
                       features="纯信用、随借随还", target_customers="依法纳税的小微企业"),
        "tech": publish(name="科技贷", guarantee_methods=["credit", "pledge"], amount_min=50, amount_max=1000,
                        term_min_months=12, term_max_months=60, rate_min=3.2, rate_max=5, region_codes=["411002"],
                        features="知识产权质押", target_customers="科技型中小企业"),
        "farm": publish(name="惠农贷", guarantee_methods=["guarantee"], amount_min=1, amount_max=50,
                        term_min_months=3, term_max_months=12, rate_min=4.5, rate_max=7, region_codes=["410000"],
                        features="支农支小", target_customers="种养殖户、农民专业合作社"),
        "startup": publish(headers=other_bank, name="创业担保贷", category="guarantee",
                           guarantee_methods=["guarantee"], amount_min=5, amount_max=200, term_min_months=12,
                           term_max_months=36, rate_min=2.5, rate_max=3, region_codes=["411024"], featured=True,
                           features="财政贴息", target_customers="创业者、小微企业"),
        "lease": publish(name="设备融资租赁", category="leasing", guarantee_methods=["mortgage"], amount_min=100,
                         amount_max=5000, term_min_months=12, term_max_months=60, rate_min=5, rate_max=8,
                         region_codes=["411082"], features="以租代购", target_customers="制造业企业"),
    }
    return products


def names(client, query: str = "", catalog=None) -> list[str]:
    resp = client.get(f"{MARKET}?per_page=100&{query}")
    assert resp.status_code == 200, resp.json
    by_id = {p["id"]: key for key, p in (catalog or {}).items()}
    return [by_id.get(p["id"], p["name"]) for p in resp.json["items"]]


def test_market_shows_active_products_newest_first_with_the_list_convention(client, catalog):
    page = client.get(MARKET).json
    assert [p["id"] for p in page["items"]] == [p["id"] for p in reversed(catalog.values())]
    assert page["total"] == 5 and page["page"] == 1 and page["per_page"] == 20 and page["next_cursor"] is None
    assert page["items"][0] == catalog["lease"]


@pytest.mark.parametrize("region, expected", [
    ("411002", {"tax", "tech", "farm"}),      # its own products, 许昌市's and 河南省's
    ("411000", {"tax", "farm"}),              # not 魏都区's own
    ("411024", {"tax", "farm", "startup"}),
    ("410000", {"farm"}),
    ("500000", set()),                        # a region nobody serves
])
def test_region_filter_finds_products_serving_the_region_or_any_region_above_it(client, catalog, region,
                                                                                 expected):
    assert set(names(client, f"region_code={region}", catalog)) == expected


@pytest.mark.parametrize("query, expected", [
    ("featured=true", {"tax", "startup"}),
    ("featured=false", {"tech", "farm", "lease"}),
    ("category=guarantee", {"startup"}),
    ("category=factoring", set()),
    ("guarantee_method=credit", {"tax", "tech"}),
    ("guarantee_method=pledge", {"tech"}),
    ("guarantee_method=guarantee", {"farm", "startup"}),
    ("amount=300", {"tax", "tech", "lease"}),        # both ends of a range count
    ("amount=300.0001", {"tech", "lease"}),
    ("amount=1", {"farm"}),
    ("term_months=60", {"tech", "lease"}),
    ("term_months=3", {"farm"}),
    (f"institution_id={OTHER_BANK_ID}", {"startup"}),
    ("q=科技", {"tech"}),                             # name (and target customers)
    ("q=随借随还", {"tax"}),                           # features
    ("q=小微企业", {"tax", "startup"}),                # target customers
    ("q=100%", set()),                                # % is a character, not a wildcard
    ("q=_", set()),
    ("region_code=411002&guarantee_method=credit&amount=100&term_months=24", {"tax", "tech"}),
    ("region_code=411024&featured=true&category=guarantee", {"startup"}),
])
def test_each_filter_narrows_the_market(client, catalog, query, expected):
    assert set(names(client, query, catalog)) == expected


def test_each_sort_orders_the_market(app, client, catalog):
    with app.app_context():
        for key, orders in (("farm", 9), ("tech", 4), ("lease", 4)):
            db.session.execute(update(Product).where(Product.id == catalog[key]["id"]).values(orders_count=orders))
        db.session.commit()
    assert names(client, "sort=newest", catalog) == ["lease", "startup", "farm", "tech", "tax"]
    assert names(client, "", catalog) == names(client, "sort=newest", catalog)
    assert names(client, "sort=rate_asc", catalog) == ["startup", "tech", "tax", "farm", "lease"]
    assert names(client, "sort=amount_desc", catalog) == ["lease", "tech", "tax", "startup", "farm"]
    # Ties (equal counts) go newest first.
    assert names(client, "sort=popular", catalog) == ["farm", "lease", "tech", "startup", "tax"]


def test_popularity_is_shown_as_orders_count(app, client, catalog):
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == catalog["tech"]["id"]).values(orders_count=17))
        db.session.commit()
    assert client.get(f"/api/v1/products/{catalog['tech']['id']}").json["orders_count"] == 17


@pytest.mark.parametrize("sort", ["newest", "rate_asc", "amount_desc", "popular"])
def test_pages_through_after_cover_every_product_exactly_once(app, client, publish, sort):
    for i in range(23):
        # Few distinct values, so that most pages end inside a run of equal sort keys.
        publish(name=f"经营贷{i:02d}", amount_min=1, amount_max=100 * (1 + i % 3), rate_min=3 + i % 2,
                rate_max=6)
    with app.app_context():
        db.session.execute(update(Product).where(Product.id % 4 == 0).values(orders_count=5))
        db.session.commit()
    everything = [p["id"] for p in client.get(f"{MARKET}?sort={sort}&per_page=100").json["items"]]
    seen, cursor, pages = [], None, 0
    while True:
        resp = client.get(f"{MARKET}?sort={sort}&per_page=5" + (f"&after={cursor}" if cursor else ""))
        assert resp.status_code == 200, resp.json
        seen += [p["id"] for p in resp.json["items"]]
        assert resp.json["total"] == 23
        pages += 1
        cursor = resp.json["next_cursor"]
        if cursor is None:
            break
    assert pages == 5 and seen == everything and len(set(seen)) == 23


def test_page_numbers_work_too(client, catalog):
    page = client.get(f"{MARKET}?per_page=2&page=2").json
    assert [p["id"] for p in page["items"]] == [catalog["farm"]["id"], catalog["tech"]["id"]]
    assert page["page"] == 2 and page["total"] == 5


def test_a_cursor_from_another_sort_or_a_forged_one_is_422(client, catalog):
    cursor = client.get(f"{MARKET}?per_page=2").json["next_cursor"]
    for query in (f"sort=rate_asc&after={cursor}", "after=not-a-cursor", "after=WyJ4IiwieSJd"):
        resp = client.get(f"{MARKET}?per_page=2&{query}")
        assert resp.status_code == 422 and "after" in resp.json["errors"], query


@pytest.mark.parametrize("query, field", [
    ("sort=cheapest", "sort"), ("amount=-5", "amount"), ("amount=abc", "amount"), ("amount=1.00001", "amount"),
    ("term_months=0", "term_months"), ("term_months=361", "term_months"), ("category=casino", "category"),
    ("guarantee_method=friendship", "guarantee_method"), ("region_code=4110", "region_code"),
    ("per_page=101", "per_page"), ("featured=maybe", "featured"),
])
def test_invalid_market_arguments_are_422_field_errors(client, catalog, query, field):
    resp = client.get(f"{MARKET}?{query}")
    assert resp.status_code == 422 and field in resp.json["errors"]


def test_a_disabled_institutions_products_leave_the_market_until_it_is_enabled(client, seeded, catalog, bank):
    startup = catalog["startup"]["id"]
    deliver(seeded, "institution.disabled", institution_data(OTHER_BANK_ID, "中原银行许昌分行", "disabled"))
    assert "startup" not in names(client, "", catalog)
    assert names(client, f"institution_id={OTHER_BANK_ID}") == []
    assert client.get(f"/api/v1/products/{startup}").status_code == 404
    assert client.get(f"/api/v1/products/{startup}", headers=bank).status_code == 404
    # The product itself was not touched: enabling the institution brings it back as it was.
    deliver(seeded, "institution.enabled", institution_data(OTHER_BANK_ID, "中原银行许昌分行"))
    assert client.get(f"/api/v1/products/{startup}").json == catalog["startup"]
    assert "startup" in names(client, "", catalog)


def test_a_disabled_product_leaves_the_market(client, catalog, bank):
    client.post(f"/api/v1/products/{catalog['tax']['id']}/disable", headers=bank)
    assert "tax" not in names(client, "", catalog)
    assert "tax" not in names(client, "featured=true", catalog)


def test_an_institutions_new_name_shows_on_its_products(client, seeded, catalog):
    deliver(seeded, "institution.updated", institution_data(OTHER_BANK_ID, "中原银行股份有限公司许昌分行"))
    assert client.get(f"/api/v1/products/{catalog['startup']['id']}").json["institution_name"] == \
        "中原银行股份有限公司许昌分行"

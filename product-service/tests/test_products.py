from decimal import Decimal

import pytest
from sqlalchemy import text

from product_service.models import OutboxMessage, Product, ProductRegion, db

from .support import BANK_ID, OTHER_BANK_ID, auth, count, deliver, events, institution_data, product_body

PRODUCT_FIELDS = {"id", "institution_id", "institution_name", "name", "category", "guarantee_methods",
                  "repayment_methods", "amount_min", "amount_max", "term_min_months", "term_max_months",
                  "rate_min", "rate_max", "target_customers", "requirements", "features", "description",
                  "featured", "whitelist_only", "region_codes", "status", "orders_count", "created_at",
                  "updated_at"}


def test_institution_publishes_a_product_with_every_contract_field(client, publish):
    product = publish(guarantee_methods=["pledge", "credit"], region_codes=["411082", "411002"], featured=True)
    assert set(product) == PRODUCT_FIELDS
    assert product["institution_id"] == BANK_ID and product["institution_name"] == "许昌农商银行"
    assert product["status"] == "active" and product["orders_count"] == 0 and product["featured"] is True
    assert product["guarantee_methods"] == ["credit", "pledge"]  # the contract's order
    assert product["region_codes"] == ["411002", "411082"]
    assert (product["amount_min"], product["amount_max"], product["rate_min"], product["rate_max"]) == (10, 300, 3.45,
                                                                                                       6.5)
    assert client.get(f"/api/v1/products/{product['id']}").json == product


def test_amounts_and_rates_are_exact_json_numbers_and_never_floats_in_the_database(app, client, publish):
    product = publish(amount_min=0.0001, amount_max=12345678.9999, rate_min=0.01, rate_max=35.99)
    raw = client.get(f"/api/v1/products/{product['id']}").get_data(as_text=True)
    assert '"amount_min":0.0001' in raw.replace(" ", "") and '"amount_max":12345678.9999' in raw.replace(" ", "")
    with app.app_context():
        stored = db.session.execute(text("SELECT amount_min, amount_max, rate_min, typeof(amount_max) FROM products"))
        # SQLite: whole yuan and hundredths of a percent, as integers.
        assert stored.one() == (1, 123456789999, 1, "integer")
        assert db.session.get(Product, product["id"]).amount_max == Decimal("12345678.9999")


def test_anonymous_caller_gets_401_and_an_enterprise_403_on_publishing(client, seeded, enterprise):
    assert client.post("/api/v1/products", json=product_body()).status_code == 401
    resp = client.post("/api/v1/products", json=product_body(), headers=enterprise)
    assert resp.status_code == 403 and resp.json["code"] == "forbidden"
    # The role check comes before the body is looked at.
    assert client.post("/api/v1/products", json={"name": 1}, headers=enterprise).status_code == 403
    assert count(seeded) == 0


def test_every_invalid_field_is_a_422_field_error_and_nothing_is_written(app, client, seeded, bank):
    resp = client.post("/api/v1/products", headers=bank, json=product_body(
        name="", category="crowdfunding", guarantee_methods=[], repayment_methods=["whenever"],
        amount_min=-1, amount_max=1.23456, term_min_months=0, term_max_months=361, rate_min=-0.5,
        rate_max=3.456, featured="yes", region_codes=["41100"], colour="red"))
    assert resp.status_code == 422 and resp.json["code"] == "validation_error"
    assert set(resp.json["errors"]) == {"name", "category", "guarantee_methods", "repayment_methods.0",
                                        "amount_min", "amount_max", "term_min_months", "term_max_months",
                                        "rate_min", "rate_max", "featured", "region_codes.0", "colour"}
    assert all(isinstance(m, list) and m for m in resp.json["errors"].values())
    assert count(app) == 0 and count(app, OutboxMessage) == 0


def test_missing_required_fields_are_named(client, seeded, bank):
    resp = client.post("/api/v1/products", headers=bank, json={"name": "科技贷"})
    assert resp.status_code == 422
    assert {"category", "guarantee_methods", "repayment_methods", "amount_min", "amount_max", "term_min_months",
            "term_max_months", "rate_min", "rate_max", "region_codes"} == set(resp.json["errors"])


@pytest.mark.parametrize("values, field", [
    ({"amount_min": 500, "amount_max": 100}, "amount_max"),
    ({"term_min_months": 24, "term_max_months": 12}, "term_max_months"),
    ({"rate_min": 8, "rate_max": 4.35}, "rate_max"),
])
def test_a_minimum_above_its_maximum_is_422(app, client, seeded, bank, values, field):
    resp = client.post("/api/v1/products", headers=bank, json=product_body(**values))
    assert resp.status_code == 422 and list(resp.json["errors"]) == [field]
    assert count(app) == 0


def test_equal_minimum_and_maximum_are_allowed(publish):
    product = publish(amount_min=50, amount_max=50, term_min_months=12, term_max_months=12, rate_min=0, rate_max=0)
    assert product["amount_min"] == product["amount_max"] == 50 and product["rate_max"] == 0


def test_an_unknown_service_region_is_422_and_nothing_is_written(app, client, seeded, bank):
    resp = client.post("/api/v1/products", headers=bank, json=product_body(region_codes=["411000", "419999"]))
    assert resp.status_code == 422 and "419999" in resp.json["errors"]["region_codes"][0]
    assert count(app) == 0 and count(app, ProductRegion) == 0


def test_an_institution_this_service_has_not_heard_of_is_409(client, seeded, auth_service):
    headers = auth(auth_service.token("institution", 99))
    resp = client.post("/api/v1/products", headers=headers, json=product_body())
    assert resp.status_code == 409 and resp.json["code"] == "unknown_institution"


def test_a_disabled_institution_cannot_publish(client, seeded, bank):
    deliver(seeded, "institution.disabled", institution_data(BANK_ID, "许昌农商银行", "disabled"))
    resp = client.post("/api/v1/products", headers=bank, json=product_body())
    assert resp.status_code == 409 and resp.json["code"] == "institution_disabled"


def test_one_institution_cannot_have_two_products_of_one_name_but_another_institution_may(client, publish, bank,
                                                                                         other_bank):
    publish()
    resp = client.post("/api/v1/products", headers=bank, json=product_body())
    assert resp.status_code == 409 and resp.json["code"] == "duplicate_product"
    assert publish(headers=other_bank)["institution_id"] == OTHER_BANK_ID


def test_owner_changes_some_fields_and_the_rest_stay(client, publish, bank):
    product = publish()
    resp = client.patch(f"/api/v1/products/{product['id']}", headers=bank,
                        json={"rate_min": 3.1, "region_codes": ["411002", "411003"], "guarantee_methods": ["mortgage"],
                              "features": "利率低"})
    assert resp.status_code == 200, resp.json
    changed = resp.json
    assert (changed["rate_min"], changed["region_codes"], changed["guarantee_methods"], changed["features"]) == (
        3.1, ["411002", "411003"], ["mortgage"], "利率低")
    unchanged = {k: v for k, v in product.items() if k not in {"rate_min", "region_codes", "guarantee_methods",
                                                                "features", "updated_at"}}
    assert {k: changed[k] for k in unchanged} == unchanged
    assert changed["updated_at"] > product["updated_at"]
    assert client.get(f"/api/v1/products/{product['id']}").json == changed


def test_a_change_is_checked_against_the_stored_other_end_of_its_range(app, client, publish, bank):
    product = publish(amount_min=10, amount_max=300, term_min_months=6, term_max_months=36)
    for body, field in (({"amount_min": 301}, "amount_max"), ({"term_max_months": 5}, "term_max_months"),
                        ({"rate_max": 1}, "rate_max")):
        resp = client.patch(f"/api/v1/products/{product['id']}", headers=bank, json=body)
        assert resp.status_code == 422 and field in resp.json["errors"], body
    resp = client.patch(f"/api/v1/products/{product['id']}", headers=bank,
                        json={"amount_min": 400, "amount_max": 500, "name": ""})
    assert resp.status_code == 422 and set(resp.json["errors"]) == {"name"}
    assert client.get(f"/api/v1/products/{product['id']}").json == product
    assert len(events(app)) == 1  # the publication only


def test_patch_validates_fields_like_publishing_and_rejects_unknown_ones(client, publish, bank):
    product = publish()
    resp = client.patch(f"/api/v1/products/{product['id']}", headers=bank,
                        json={"category": "casino", "region_codes": [], "status": "disabled"})
    assert resp.status_code == 422 and set(resp.json["errors"]) == {"category", "region_codes", "status"}


def test_renaming_onto_another_own_product_is_409(client, publish, bank):
    publish(name="科技贷")
    product = publish(name="惠农贷")
    resp = client.patch(f"/api/v1/products/{product['id']}", headers=bank, json={"name": "科技贷"})
    assert resp.status_code == 409 and resp.json["code"] == "duplicate_product"


def test_another_institution_cannot_change_disable_or_enable_the_product(client, publish, other_bank):
    product = publish()
    pid = product["id"]
    assert client.patch(f"/api/v1/products/{pid}", headers=other_bank, json={"name": "抢来的贷"}).status_code == 404
    assert client.post(f"/api/v1/products/{pid}/disable", headers=other_bank).status_code == 404
    assert client.post(f"/api/v1/products/{pid}/enable", headers=other_bank).status_code == 404
    assert client.get(f"/api/v1/products/{pid}").json == product


def test_changing_needs_an_institution_token(client, publish, enterprise):
    pid = publish()["id"]
    assert client.patch(f"/api/v1/products/{pid}", json={"name": "x"}).status_code == 401
    assert client.patch(f"/api/v1/products/{pid}", headers=enterprise, json={"name": "x"}).status_code == 403
    assert client.post(f"/api/v1/products/{pid}/disable", headers=enterprise).status_code == 403


def test_a_product_that_does_not_exist_is_404(client, seeded, bank):
    assert client.get("/api/v1/products/424242").status_code == 404
    assert client.patch("/api/v1/products/424242", headers=bank, json={"name": "无此产品"}).status_code == 404
    assert client.post("/api/v1/products/424242/disable", headers=bank).status_code == 404


def test_a_disabled_product_is_hidden_from_everyone_but_its_own_institution(client, publish, bank, other_bank,
                                                                            enterprise):
    pid = publish()["id"]
    resp = client.post(f"/api/v1/products/{pid}/disable", headers=bank)
    assert resp.status_code == 200 and resp.json["status"] == "disabled" and resp.json["id"] == pid
    for headers in ({}, enterprise, other_bank):
        assert client.get(f"/api/v1/products/{pid}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/products/{pid}", headers=bank).json["status"] == "disabled"
    assert client.get("/api/v1/market/products").json["items"] == []

    resp = client.post(f"/api/v1/products/{pid}/enable", headers=bank)
    assert resp.status_code == 200 and resp.json["status"] == "active"
    assert client.get(f"/api/v1/products/{pid}").status_code == 200
    assert [p["id"] for p in client.get("/api/v1/market/products").json["items"]] == [pid]


def test_a_bad_token_on_the_public_product_page_is_401(client, publish):
    pid = publish()["id"]
    assert client.get(f"/api/v1/products/{pid}", headers=auth("not-a-token")).status_code == 401


def test_every_change_records_its_event_with_the_whole_product(app, client, publish, bank):
    product = publish()
    changed = client.patch(f"/api/v1/products/{product['id']}", headers=bank, json={"featured": True}).json
    disabled = client.post(f"/api/v1/products/{product['id']}/disable", headers=bank).json
    enabled = client.post(f"/api/v1/products/{product['id']}/enable", headers=bank).json
    recorded = events(app)
    assert [e["event_type"] for e in recorded] == ["product.published", "product.updated", "product.disabled",
                                                   "product.enabled"]
    assert [e["data"] for e in recorded] == [product, changed, disabled, enabled]
    assert all(e["source"] == "product-service" and e["version"] == 1 for e in recorded)


def test_unchanged_product_records_no_event_and_repeated_disable_is_a_no_op(app, client, publish, bank):
    product = publish()
    resp = client.patch(f"/api/v1/products/{product['id']}", headers=bank, json={"name": product["name"]})
    assert resp.status_code == 200 and resp.json == product
    client.post(f"/api/v1/products/{product['id']}/disable", headers=bank)
    assert client.post(f"/api/v1/products/{product['id']}/disable", headers=bank).status_code == 200
    assert [e["event_type"] for e in events(app)] == ["product.published", "product.disabled"]


def test_my_products_are_my_institutions_in_every_state_newest_first(client, publish, bank, other_bank):
    first = publish(name="科技贷", features="专精特新")
    second = publish(name="惠农贷", category="guarantee")
    publish(headers=other_bank, name="别家的贷")
    client.post(f"/api/v1/products/{first['id']}/disable", headers=bank)

    page = client.get("/api/v1/products/mine", headers=bank).json
    assert [p["id"] for p in page["items"]] == [second["id"], first["id"]] and page["total"] == 2
    assert [p["id"] for p in client.get("/api/v1/products/mine?status=disabled", headers=bank).json["items"]] == [
        first["id"]]
    assert [p["id"] for p in client.get("/api/v1/products/mine?q=专精", headers=bank).json["items"]] == [first["id"]]
    assert [p["id"] for p in client.get("/api/v1/products/mine?category=guarantee",
                                        headers=bank).json["items"]] == [second["id"]]


def test_my_products_needs_an_institution_token(client, seeded, enterprise):
    assert client.get("/api/v1/products/mine").status_code == 401
    assert client.get("/api/v1/products/mine", headers=enterprise).status_code == 403


def test_a_user_who_must_change_the_password_is_refused(client, seeded, auth_service):
    headers = auth(auth_service.token("institution", BANK_ID, mcp=True))
    resp = client.post("/api/v1/products", headers=headers, json=product_body())
    assert resp.status_code == 403 and resp.json["code"] == "password_change_required"


def test_a_whitelist_only_product_is_marked_in_the_market_and_in_its_events(app, client, publish, bank):
    special = publish(name="白名单专享贷", whitelist_only=True)
    plain = publish(name="普通贷")
    assert special["whitelist_only"] is True and plain["whitelist_only"] is False
    only = client.get("/api/v1/market/products?whitelist_only=true").json["items"]
    assert [p["id"] for p in only] == [special["id"]]
    assert events(app, "product.published")[-2]["data"]["whitelist_only"] is True
    changed = client.patch(f"/api/v1/products/{plain['id']}", json={"whitelist_only": True}, headers=bank)
    assert changed.status_code == 200 and changed.json["whitelist_only"] is True
    assert client.post("/api/v1/products", json=product_body(name="x贷", whitelist_only="yes"),
                       headers=bank).status_code == 422

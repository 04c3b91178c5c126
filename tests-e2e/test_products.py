"""Products and the financial supermarket end to end, through the gateway."""

import pytest
from api_client import Api
from scenario import EventSubscriber, admin_with_xuchang, institution_user, new_institution, random_uscc, unique_phone

from xyd_testing.helpers import wait_until

PRODUCT = {
    "name": "税易贷", "category": "loan", "guarantee_methods": ["credit"],
    "repayment_methods": ["equal_installment", "interest_first"], "amount_min": 10, "amount_max": 300.5,
    "term_min_months": 6, "term_max_months": 36, "rate_min": 3.65, "rate_max": 6.5,
    "target_customers": "纳税信用A、B级小微企业", "requirements": "正常经营满2年", "features": "纯信用，随借随还",
    "description": "依据企业纳税信用发放的信用贷款", "featured": True, "region_codes": ["411000"],
}


def create_product(bank: Api, body: dict) -> dict:
    """POST /products, waiting while product-service has not yet heard of the new institution."""

    def attempt():
        resp = bank.post("/products", json=body)
        assert resp.status_code in (201, 409), resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(attempt, timeout=20, interval=0.3, message="product-service to know the institution")


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, "许昌农商银行"))
    other = institution_user(platform, admin, new_institution(admin, "中原银行许昌分行"))
    return admin, bank, other


def market_ids(api: Api, **params) -> list[int]:
    resp = api.get("/market/products", params=params, token="")
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_a_featured_product_reaches_the_market_and_leaves_it_when_disabled(world, api):
    _, bank, _ = world
    product = create_product(bank, PRODUCT)
    assert product["status"] == "active" and product["amount_max"] == 300.5
    pid = product["id"]

    # Serving 许昌市 covers 魏都区 below it.
    assert pid in market_ids(api, region_code="411002", featured="true", per_page=100)
    assert api.get(f"/products/{pid}", token="").status_code == 200

    disabled = bank.post(f"/products/{pid}/disable")
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    # Public pages are the gateway's to remember until the product's event drops them: within a second.
    wait_until(lambda: pid not in market_ids(api, region_code="411002", featured="true", per_page=100),
               timeout=1, interval=0.05, message="the disabled product to leave the market")
    wait_until(lambda: api.get(f"/products/{pid}", token="").status_code == 404, timeout=1, interval=0.05)
    assert bank.get(f"/products/{pid}").status_code == 200
    mine = bank.get("/products/mine", params={"status": "disabled"}).json()["items"]
    assert pid in [p["id"] for p in mine]

    assert bank.post(f"/products/{pid}/enable").status_code == 200
    wait_until(lambda: pid in market_ids(api, region_code="411002", featured="true", per_page=100),
               timeout=1, interval=0.05, message="the enabled product back on the market")


def test_another_institution_cannot_touch_the_product(world):
    _, bank, other = world
    pid = create_product(bank, {**PRODUCT, "name": "科技贷"})["id"]
    assert other.patch(f"/products/{pid}", json={"rate_min": 1}).status_code == 404
    assert other.post(f"/products/{pid}/disable").status_code == 404
    assert bank.patch(f"/products/{pid}", json={"rate_min": 4}).json()["rate_min"] == 4


def test_only_institution_users_publish_products(world, api):
    admin, _, _ = world
    assert api.post("/products", json=PRODUCT, token="").status_code == 401
    assert admin.post("/products", json=PRODUCT).status_code == 403
    enterprise = Api(api.base)
    phone = unique_phone("139")
    code = enterprise.request_code(phone, "register")
    registered = enterprise.post("/auth/register", token="", json={
        "phone": phone, "sms_code": code, "password": "Qiye2026ab", "contact_name": "刘总",
        "enterprise_name": "许昌瑞祥机械有限公司", "uscc": random_uscc(), "region_code": "411002"})
    assert registered.status_code == 201, registered.text
    enterprise.login(phone, "Qiye2026ab")
    assert enterprise.post("/products", json=PRODUCT).status_code == 403


def test_bad_products_are_refused_with_field_errors(world):
    _, bank, _ = world
    resp = bank.post("/products", json={**PRODUCT, "name": "坏产品", "amount_min": 500, "term_max_months": 400,
                                        "rate_max": 40, "region_codes": ["999999"]})
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "validation_error"
    assert {"term_max_months", "rate_max"} <= set(resp.json()["errors"])
    assert "坏产品" not in [p["name"] for p in bank.get("/products/mine", params={"per_page": 100}).json()["items"]]


def test_a_subscriber_sees_product_published_with_the_product_data(platform, world):
    _, bank, _ = world
    subscriber = EventSubscriber(platform, "product.#")
    try:
        product = create_product(bank, {**PRODUCT, "name": "创业担保贷", "featured": False})
        event = subscriber.wait_for(lambda e: e["event_type"] == "product.published"
                                    and e["data"]["id"] == product["id"], message="product.published")
        assert event["source"] == "product-service" and event["version"] == 1
        assert {k: event["data"][k] for k in ("name", "amount_min", "amount_max", "region_codes", "institution_id")} \
            == {k: product[k] for k in ("name", "amount_min", "amount_max", "region_codes", "institution_id")}
    finally:
        subscriber.close()

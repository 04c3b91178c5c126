"""The gateway's memory of public pages on the real platform (gateway/xyd_gateway/page_cache.py): an
anonymous market page or product detail asked again is answered by the gateway alone; every product
and institution event drops what it remembered within a second; a token's answer is never anyone
else's; ETags answer 304."""

import time

from api_client import Api
from scenario import admin_with_xuchang, institution_user, new_institution, published_product
from test_operations import scrape

from xyd_testing.helpers import wait_until

WITHIN = 1.0  # seconds from the change's answer to the page showing it


def page_hits(platform) -> float:
    return sum(s.value for s in scrape(f"http://127.0.0.1:{platform.env['GATEWAY_METRICS_PORT']}/metrics")
               if s.name == "xyd_gateway_page_cache_total" and s.labels.get("result") == "hit")


def market(api: Api, **params) -> dict:
    answer = api.get("/market/products", params={"per_page": 100, **params}, token="")
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


def shows_within(check, what: str) -> float:
    """Seconds until `check()` holds, failing past WITHIN."""
    started = time.monotonic()
    wait_until(check, timeout=WITHIN, interval=0.02, message=what)
    return time.monotonic() - started


def test_an_anonymous_page_asked_again_is_answered_by_the_gateway_with_an_etag(platform):
    admin = admin_with_xuchang(platform)
    institution = new_institution(admin)
    product = published_product(institution_user(platform, admin, institution))
    api = Api(platform.gateway, token="")
    path = f"/products/{product['id']}"
    wait_until(lambda: api.get(path, token="").status_code == 200, message="the product public")
    first = api.get(path, token="")

    def answered_by_the_gateway():
        hits = page_hits(platform)
        again = api.get(path, token="")
        return again if page_hits(platform) > hits else None

    # Within a moment of an event (another test's institution) nothing is kept; then it is.
    again = wait_until(answered_by_the_gateway, timeout=10, interval=0.2, message="a remembered page")
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"] and "no-cache" in again.headers["Cache-Control"]
    assert "Authorization" in again.headers["Vary"]
    unchanged = api.get(path, token="", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""


def test_each_product_and_institution_change_shows_within_a_second(platform):
    admin = admin_with_xuchang(platform)
    institution = new_institution(admin)
    bank = institution_user(platform, admin, institution)
    api = Api(platform.gateway, token="")
    mine = {"institution_id": institution["id"]}
    assert market(api, **mine) == {}  # remembered: the institution has nothing yet

    product = published_product(bank)
    pid, detail = product["id"], f"/products/{product['id']}"
    # published_product waits for product-service to know the bank; the page shows it within a second after.
    shows_within(lambda: pid in market(api, **mine), "product.published")
    assert api.get(detail, token="").json()["name"] == product["name"]

    assert bank.patch(detail, json={"name": "税易贷（新版）"}).status_code == 200
    shows_within(lambda: market(api, **mine)[pid]["name"] == "税易贷（新版）"
                 and api.get(detail, token="").json()["name"] == "税易贷（新版）", "product.updated")

    assert bank.post(f"{detail}/disable").status_code == 200
    shows_within(lambda: pid not in market(api, **mine) and api.get(detail, token="").status_code == 404,
                 "product.disabled")
    assert bank.post(f"{detail}/enable").status_code == 200
    shows_within(lambda: pid in market(api, **mine), "product.enabled")

    # An institution event reaches product-service and the gateway together: what product-service answers
    # before it applied the event is not remembered, so the page follows product-service's copy.
    assert admin.post(f"/admin/institutions/{institution['id']}/disable").status_code == 200
    wait_until(lambda: pid not in market(api, **mine), timeout=10, message="institution.disabled applied")
    time.sleep(0.5)
    assert pid not in market(api, **mine) and pid not in market(api, **mine)


def test_a_token_answer_is_never_anyone_elses(platform):
    admin = admin_with_xuchang(platform)
    institution = new_institution(admin)
    bank = institution_user(platform, admin, institution)
    product = published_product(bank)
    detail = f"/products/{product['id']}"
    api = Api(platform.gateway, token="")
    wait_until(lambda: api.get(detail, token="").status_code == 200, message="the product public")
    api.get(detail, token="")  # remembered for anonymous callers
    assert bank.post(f"{detail}/disable").status_code == 200
    # The owner still sees its disabled product, at once: a request with a token always reaches the service.
    owner = bank.get(detail)
    assert owner.status_code == 200 and owner.json()["status"] == "disabled"
    # And what the owner saw is not shown to anyone else.
    wait_until(lambda: api.get(detail, token="").status_code == 404, timeout=WITHIN, interval=0.02)
    for _ in range(3):
        assert bank.get(detail).json()["status"] == "disabled"
        assert api.get(detail, token="").status_code == 404

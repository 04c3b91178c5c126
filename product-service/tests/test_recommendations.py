"""智能匹配: products for an enterprise's region, amount and term, whitelist-only ones first for a
whitelisted enterprise, each with its reasons; the institutions' acceptance from order events."""

from datetime import UTC, datetime, timedelta

from product_service.models import InstitutionPerformance, db

from .support import BANK_ID, OTHER_BANK_ID, auth, deliver

USCC = "91350100M000100Y43"
RECOMMEND = "/api/v1/market/recommendations"


def enterprise(auth_service, region="411002"):
    return auth(auth_service.token("enterprise", sub="31", enterprise_uscc=USCC, region_code=region, evs="verified"))


def whitelist(app, listed: bool):
    deliver(app, "credit.whitelist_changed", {"uscc": USCC, "whitelisted": listed, "batch": None, "valid_until": None},
            source="credit-service")


def order(app, event_type, order_id, at, institution_id=BANK_ID, product_id=1):
    deliver(app, event_type, {"order_id": order_id, "product_id": product_id, "institution_id": institution_id,
                              "status": event_type.split(".")[1]}, source="order-service",
            occurred_at=at.isoformat())


def test_a_whitelisted_enterprise_sees_whitelist_only_products_first_with_reasons(client, app, publish,
                                                                                  auth_service):
    plain = publish(name="税易贷", featured=True, rate_min=3.1)
    special = publish(name="白名单专享贷", whitelist_only=True, rate_min=4.5)
    publish(name="大额贷", amount_min=500, amount_max=1000)  # does not fit 100 万元
    whitelist(app, True)
    page = client.get(RECOMMEND, query_string={"amount": 100, "term_months": 12},
                      headers=enterprise(auth_service)).json
    assert [i["product"]["id"] for i in page["items"]] == [special["id"], plain["id"]]
    assert page["total"] == 2
    reasons = page["items"][0]["reasons"]
    assert "白名单企业专享" in reasons and "额度覆盖 100 万元" in reasons and "服务魏都区" in reasons
    assert "特色产品" in page["items"][1]["reasons"]

    # Not whitelisted: the whitelist-only product is not offered at all.
    whitelist(app, False)
    page = client.get(RECOMMEND, query_string={"amount": 100}, headers=enterprise(auth_service)).json
    assert [i["product"]["id"] for i in page["items"]] == [plain["id"]]


def test_the_institutions_acceptance_counts_and_shows(client, app, publish, auth_service, other_bank):
    fast = publish(name="快审贷", rate_min=5)
    slow = publish(headers=other_bank, name="慢审贷", rate_min=5)
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    for n in range(6):
        order(app, "order.submitted", 100 + n, start, BANK_ID, fast["id"])
        order(app, "order.accepted", 100 + n, start + timedelta(hours=6), BANK_ID, fast["id"])
        order(app, "order.submitted", 200 + n, start, OTHER_BANK_ID, slow["id"])
    order(app, "order.accepted", 105, start + timedelta(hours=9))  # a redelivered acceptance counts once
    with app.app_context():
        row = db.session.get(InstitutionPerformance, BANK_ID)
        assert (row.received, row.accepted, row.accept_seconds) == (6, 6, 6 * 6 * 3600)
    items = client.get(RECOMMEND, headers=enterprise(auth_service)).json["items"]
    assert [i["product"]["id"] for i in items] == [fast["id"], slow["id"]]
    assert "平均 6 小时受理" in items[0]["reasons"]


def test_products_not_serving_the_region_are_not_recommended_and_only_enterprises_ask(client, publish, auth_service,
                                                                                       bank):
    publish(name="禹州贷", region_codes=["411081"])
    assert client.get(RECOMMEND, headers=enterprise(auth_service)).json["items"] == []
    assert client.get(RECOMMEND, headers=bank).status_code == 403
    assert client.get(RECOMMEND).status_code == 401
    assert client.get(RECOMMEND, query_string={"term_months": 0}, headers=enterprise(auth_service)).status_code == 422

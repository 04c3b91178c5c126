"""Order lists in each role's scope, their filters and pages; the government's statistics."""

from datetime import UTC, datetime, timedelta

import pytest

from order_service import enterprise_credit, services
from order_service.models import db
from order_service.workdays import china_date
from xyd_common import pagination

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, YANLING_CO

ORDERS = "/api/v1/orders"


@pytest.fixture
def three_orders(apply, client, tokens):
    """魏都 → bank (product 1) and other bank (3); 鄢陵 → bank (1, then accepted)."""
    weidu_bank = apply()
    weidu_other = apply(product_id=3, amount=200)
    yanling_bank = apply(as_="yanling", amount=50)
    assert client.post(f"{ORDERS}/{yanling_bank['id']}/accept", headers=tokens["bank"]).status_code == 200
    return {"weidu_bank": weidu_bank, "weidu_other": weidu_other, "yanling_bank": yanling_bank}


def ids(client, headers, query="") -> list[int]:
    resp = client.get(f"{ORDERS}?{query}", headers=headers)
    assert resp.status_code == 200, resp.json
    return [o["id"] for o in resp.json["items"]]


def test_each_role_sees_its_own_scope_newest_first(client, tokens, three_orders):
    o = {k: v["id"] for k, v in three_orders.items()}
    assert ids(client, tokens["weidu"]) == [o["weidu_other"], o["weidu_bank"]]
    assert ids(client, tokens["yanling"]) == [o["yanling_bank"]]
    assert ids(client, tokens["bank"]) == [o["yanling_bank"], o["weidu_bank"]]
    assert ids(client, tokens["other_bank"]) == [o["weidu_other"]]
    assert ids(client, tokens["xuchang"]) == [o["yanling_bank"], o["weidu_other"], o["weidu_bank"]]
    assert ids(client, tokens["yuzhou"]) == []
    assert ids(client, tokens["admin"]) == [o["yanling_bank"], o["weidu_other"], o["weidu_bank"]]


def test_someone_elses_order_is_404(client, tokens, three_orders):
    order_id = three_orders["weidu_bank"]["id"]
    for role, status in (("weidu", 200), ("bank", 200), ("xuchang", 200), ("admin", 200),
                         ("yanling", 404), ("other_bank", 404), ("yuzhou", 404)):
        assert client.get(f"{ORDERS}/{order_id}", headers=tokens[role]).status_code == status, role


def test_list_items_carry_risk_whitelist_and_overdue(client, tokens, three_orders):
    item = client.get(ORDERS, headers=tokens["bank"]).json["items"][0]
    assert item["risk"] == {"level": "unknown", "tags": []}
    assert item["whitelisted"] is False and item["accept_overdue"] is False


@pytest.mark.parametrize("query, expected", [
    ("status=accepted", ["yanling_bank"]),
    ("status=submitted", ["weidu_other", "weidu_bank"]),
    ("risk_level=unknown", ["yanling_bank", "weidu_other", "weidu_bank"]),
    ("risk_level=high", []),
    ("accept_overdue=false", ["yanling_bank", "weidu_other", "weidu_bank"]),
    ("accept_overdue=true", []),
    ("product_id=3", ["weidu_other"]),
    (f"q={WEIDU_CO[1]}", ["weidu_other", "weidu_bank"]),
    (f"q={YANLING_CO[1].lower()}", ["yanling_bank"]),
    ("q=花木", ["yanling_bank"]),
    ("q=魏都制造", ["weidu_other", "weidu_bank"]),
    ("q=%", []),
    ("region_code=411024", ["yanling_bank"]),
    ("region_code=411000", ["yanling_bank", "weidu_other", "weidu_bank"]),
])
def test_filters(client, tokens, three_orders, query, expected):
    assert ids(client, tokens["admin"], query) == [three_orders[k]["id"] for k in expected]


@pytest.mark.parametrize("role, query, expected", [
    ("xuchang", "status=submitted", ["weidu_other", "weidu_bank"]),
    ("xuchang", "q=花木", ["yanling_bank"]),
    ("xuchang", "region_code=411002&product_id=1", ["weidu_bank"]),
    ("yuzhou", "status=submitted", []),
    ("bank", "region_code=411002", ["weidu_bank"]),
    ("weidu", "region_code=411024", []),
])
def test_filters_within_each_scope(client, tokens, three_orders, role, query, expected):
    assert ids(client, tokens[role], query) == [three_orders[k]["id"] for k in expected]


def test_search_by_order_number_or_its_beginning(client, tokens, three_orders):
    number = three_orders["weidu_bank"]["order_no"]
    assert ids(client, tokens["admin"], f"q={number}") == [three_orders["weidu_bank"]["id"]]
    assert len(ids(client, tokens["admin"], f"q={number[:10]}")) == 3


def test_date_range_is_in_china_days(client, tokens, three_orders):
    day = china_date(datetime.now(UTC))
    assert len(ids(client, tokens["admin"], f"from={day}&to={day}")) == 3
    assert ids(client, tokens["admin"], f"from={day + timedelta(days=1)}") == []
    assert ids(client, tokens["admin"], f"to={day - timedelta(days=1)}") == []
    resp = client.get(f"{ORDERS}?from={day}&to={day - timedelta(days=1)}", headers=tokens["admin"])
    assert resp.status_code == 422


def test_a_government_user_may_narrow_to_a_region_below_but_not_look_elsewhere(client, tokens, three_orders):
    assert ids(client, tokens["xuchang"], "region_code=411002") == [three_orders["weidu_other"]["id"],
                                                                    three_orders["weidu_bank"]["id"]]
    assert client.get(f"{ORDERS}?region_code=411081", headers=tokens["xuchang"]).status_code == 200
    assert client.get(f"{ORDERS}?region_code=411002", headers=tokens["yuzhou"]).status_code == 403


@pytest.mark.parametrize("role, query", [("admin", ""), ("xuchang", ""), ("bank", ""), ("admin", "status=submitted")])
def test_cursor_pages_cover_every_order_once_in_order(client, tokens, apply, role, query, seeded):
    for product_id in (1, 3):
        for who in ("weidu", "yanling"):
            apply(as_=who, product_id=product_id)
    everything = ids(client, tokens[role], query)
    seen, cursor = [], None
    while True:
        page = client.get(f"{ORDERS}?per_page=1&{query}" + (f"&after={cursor}" if cursor else ""),
                          headers=tokens[role]).json
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything and len(seen) >= 2
    page2 = client.get(f"{ORDERS}?per_page=1&page=2&{query}", headers=tokens[role]).json
    assert page2["items"][0]["id"] == everything[1] and page2["total"] == len(everything)


@pytest.mark.parametrize("role, query", [("admin", ""), ("xuchang", ""), ("bank", ""), ("admin", "status=submitted")])
def test_deep_page_numbers_found_by_their_ids_first_are_the_same_pages(client, tokens, apply, role, query, seeded,
                                                                       monkeypatch):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 1)  # every page after the first: deferred join
    for product_id in (1, 3):
        for who in ("weidu", "yanling"):
            apply(as_=who, product_id=product_id)
    everything = ids(client, tokens[role], query)
    pages = [ids(client, tokens[role], f"per_page=1&page={n}&{query}") for n in range(1, len(everything) + 2)]
    assert pages == [[order_id] for order_id in everything] + [[]] and len(everything) >= 2
    assert ids(client, tokens[role], f"per_page=2&page=2&{query}") == everything[2:4]


def test_a_forged_cursor_is_422(client, tokens, three_orders):
    for cursor in ("not-a-cursor", "WyJ4IiwieSJd"):
        resp = client.get(f"{ORDERS}?after={cursor}", headers=tokens["admin"])
        assert resp.status_code == 422 and "after" in resp.json["errors"], cursor


# --- statistics ------------------------------------------------------------------------------------

def test_statistics_add_up(client, tokens, three_orders):
    o = three_orders
    for action, body in (("grant", {"amount": 40, "rate": 4.2, "term_months": 12}),
                         ("disburse", {"amount": 30.5, "disbursed_on": china_date(datetime.now(UTC)).isoformat()})):
        assert client.post(f"{ORDERS}/{o['yanling_bank']['id']}/{action}", json=body,
                           headers=tokens["bank"]).status_code == 200
    stats = client.get(f"{ORDERS}/stats", headers=tokens["xuchang"]).json
    assert stats["region_code"] == "411000"
    assert stats["total"] == 3 == sum(stats["by_status"].values())
    assert stats["by_status"] == {"submitted": 2, "accepted": 0, "credit_granted": 0, "disbursed": 1,
                                  "terminated": 0, "withdrawn": 0, "returned": 0}
    assert (stats["requested_amount"], stats["granted_amount"], stats["disbursed_amount"]) == (350, 40, 30.5)
    assert stats["overdue"] == 0
    by_bank = {i["institution_id"]: i for i in stats["institutions"]}
    assert by_bank[BANK_ID]["orders"] == 2 and by_bank[BANK_ID]["accepted"] == 1
    assert by_bank[BANK_ID]["requested_amount"] == 150 and by_bank[BANK_ID]["disbursed_amount"] == 30.5
    assert by_bank[BANK_ID]["average_hours_to_accept"] >= 0
    assert by_bank[OTHER_BANK_ID] == {
        "institution_id": OTHER_BANK_ID, "institution_name": "中原银行许昌分行", "orders": 1, "accepted": 0,
        "overdue": 0, "requested_amount": 200, "granted_amount": 0, "disbursed_amount": 0,
        "average_hours_to_accept": None}
    assert sum(i["orders"] for i in stats["institutions"]) == stats["total"]


def test_statistics_are_scoped_and_ranged(client, tokens, three_orders):
    day = china_date(datetime.now(UTC))
    assert client.get(f"{ORDERS}/stats?region_code=411024", headers=tokens["xuchang"]).json["total"] == 1
    assert client.get(f"{ORDERS}/stats", headers=tokens["yuzhou"]).json["total"] == 0
    assert client.get(f"{ORDERS}/stats?region_code=411000", headers=tokens["yuzhou"]).status_code == 403
    assert client.get(f"{ORDERS}/stats", headers=tokens["admin"]).json["total"] == 3
    assert client.get(f"{ORDERS}/stats?from={day + timedelta(days=1)}", headers=tokens["admin"]).json["total"] == 0
    assert client.get(f"{ORDERS}/stats", headers=tokens["bank"]).status_code == 403
    assert client.get(f"{ORDERS}/stats", headers=tokens["weidu"]).status_code == 403


def test_average_hours_to_accept(client, tokens, apply, monkeypatch):
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    monkeypatch.setattr(services, "utcnow", lambda: start)
    first, second = apply(), apply(as_="yanling")
    for order, hours in ((first, 2), (second, 5)):
        monkeypatch.setattr(services, "utcnow", lambda hours=hours: start + timedelta(hours=hours))
        assert client.post(f"{ORDERS}/{order['id']}/accept", headers=tokens["bank"]).status_code == 200
    [bank] = client.get(f"{ORDERS}/stats", headers=tokens["admin"]).json["institutions"]
    assert bank["average_hours_to_accept"] == 3.5


def test_whitelist_and_overdue_filters(app, client, tokens, three_orders):
    weidu_uscc = three_orders["weidu_bank"]["enterprise_uscc"]
    with app.app_context():
        enterprise_credit.record_whitelist(weidu_uscc, True, datetime.now(UTC))
        db.session.commit()
    o = {k: v["id"] for k, v in three_orders.items()}
    assert ids(client, tokens["admin"], "whitelisted=true") == [o["weidu_other"], o["weidu_bank"]]
    assert ids(client, tokens["admin"], "whitelisted=false") == [o["yanling_bank"]]
    assert ids(client, tokens["bank"], "whitelisted=true&status=submitted") == [o["weidu_bank"]]
    assert ids(client, tokens["admin"], "overdue=true") == []
    assert ids(client, tokens["admin"], "overdue=false") == [o["yanling_bank"], o["weidu_other"], o["weidu_bank"]]
    assert client.get(f"{ORDERS}?whitelisted=maybe", headers=tokens["admin"]).status_code == 422

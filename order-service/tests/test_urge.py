"""督办: a government user of the order's region, or the admin, urges the institution on an open order,
at most once a day; it is recorded in the history and announced as order.urged."""

from datetime import timedelta

from order_service.models import Order, db
from xyd_common.events.outbox import utcnow

from .support import outbox

ORDERS = "/api/v1/orders"


def urge(client, headers, order_id, message="请尽快受理该企业的申请"):
    return client.post(f"{ORDERS}/{order_id}/urge", json={"message": message}, headers=headers)


def test_the_regions_government_urges_an_open_order_once_a_day(client, seeded, tokens, apply):
    order = apply()
    resp = urge(client, tokens["xuchang"], order["id"])
    assert resp.status_code == 200 and resp.json["status"] == "submitted"
    details = client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json
    last = details["history"][-1]
    assert (last["actor_role"], last["remark"], last["from_status"], last["to_status"]) == (
        "government", "请尽快受理该企业的申请", "submitted", "submitted")
    [event] = outbox(seeded, "order.urged")
    assert event["data"]["message"] == "请尽快受理该企业的申请" and event["data"]["institution_id"] == order[
        "institution_id"]
    again = urge(client, tokens["admin"], order["id"])
    assert again.status_code == 409 and again.json["code"] == "already_urged"
    with seeded.app_context():
        db.session.get(Order, order["id"]).last_urged_at = utcnow() - timedelta(hours=24, seconds=1)
        db.session.commit()
    assert urge(client, tokens["admin"], order["id"]).status_code == 200
    with seeded.app_context():
        assert db.session.get(Order, order["id"]).urged_count == 2


def test_only_government_of_the_region_and_the_admin_urge(client, seeded, tokens, apply):
    order = apply()
    assert urge(client, tokens["yuzhou"], order["id"]).status_code == 404  # another region's order
    for role in ("bank", "weidu"):
        assert urge(client, tokens[role], order["id"]).status_code == 403
    assert client.post(f"{ORDERS}/{order['id']}/urge", json={"message": ""}, headers=tokens["xuchang"]).status_code \
        == 422
    assert outbox(seeded, "order.urged") == []


def test_a_final_order_is_not_urged(client, seeded, tokens, apply):
    order = apply()
    client.post(f"{ORDERS}/{order['id']}/withdraw", headers=tokens["weidu"])
    resp = urge(client, tokens["xuchang"], order["id"])
    assert resp.status_code == 409 and resp.json["code"] == "invalid_transition"

import json
from datetime import UTC, datetime, timedelta

from product_service.handlers import HANDLERS
from product_service.models import Institution, ProcessedEvent, Region, db
from xyd_common.events.consumer import EventConsumer
from xyd_common.events.envelope import new_envelope
from xyd_common.events.topology import QUEUES

from .support import BANK_ID, count, deliver, events, institution_data


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_handlers_cover_exactly_the_queue_bindings():
    assert set(HANDLERS) == set(QUEUES["product-service"].bindings)


def test_a_region_is_kept_with_its_path_from_the_root(app):
    deliver(app, "region.created", {"code": "411002", "name": "魏都区", "parent_code": "411000",
                                    "path": ["410000", "411000", "411002"]})
    with app.app_context():
        region = db.session.get(Region, "411002")
        assert (region.name, region.parent_code, region.path) == ("魏都区", "411000", ["410000", "411000", "411002"])


def test_a_region_event_without_a_path_gets_one_from_its_known_parent(app):
    deliver(app, "region.created", {"code": "411000", "name": "许昌市", "parent_code": "410000",
                                    "path": ["410000", "411000"]})
    deliver(app, "region.created", {"code": "411003", "name": "建安区", "parent_code": "411000"})
    with app.app_context():
        assert db.session.get(Region, "411003").path == ["410000", "411000", "411003"]


def test_a_redelivered_event_is_handled_once(app):
    event = new_envelope("institution.created", institution_data(BANK_ID, "许昌农商银行"), "auth-service")
    consumer = EventConsumer(app, db, ProcessedEvent, HANDLERS)
    assert consumer.handle(json.dumps(event).encode()) == "ack"
    assert consumer.handle(json.dumps(event).encode()) == "ack"
    assert count(app, ProcessedEvent) == 1 and count(app, Institution) == 1


def test_institution_events_keep_name_and_status(app):
    deliver(app, "institution.created", institution_data(BANK_ID, "许昌农商银行"))
    deliver(app, "institution.updated", institution_data(BANK_ID, "许昌农村商业银行"))
    deliver(app, "institution.disabled", institution_data(BANK_ID, "许昌农村商业银行", "disabled"))
    with app.app_context():
        institution = db.session.get(Institution, BANK_ID)
        assert (institution.name, institution.status, institution.type) == ("许昌农村商业银行", "disabled", "bank")


def test_an_older_institution_event_arriving_late_does_not_undo_a_newer_one(app):
    now = datetime.now(UTC)
    deliver(app, "institution.disabled", institution_data(BANK_ID, "许昌农商银行", "disabled"), occurred_at=iso(now))
    # Redelivery after a failure puts an event behind later ones.
    assert deliver(app, "institution.created", institution_data(BANK_ID, "许昌农商银行"),
                   occurred_at=iso(now - timedelta(seconds=5))) == "ack"
    with app.app_context():
        assert db.session.get(Institution, BANK_ID).status == "disabled"
    deliver(app, "institution.enabled", institution_data(BANK_ID, "许昌农商银行"),
            occurred_at=iso(now + timedelta(seconds=5)))
    with app.app_context():
        assert db.session.get(Institution, BANK_ID).status == "active"


def test_an_event_of_an_unexpected_shape_is_retried_not_half_applied(app):
    assert deliver(app, "institution.created", {"name": "没有编号的机构"}) == "requeue"
    assert count(app, Institution) == 0 and count(app, ProcessedEvent) == 0


def test_each_submitted_order_makes_its_product_more_popular_once(app, client, publish):
    product = publish()
    event = new_envelope("order.submitted", {"order_id": 1, "order_no": "XYD20261127000001", "status": "submitted",
                                             "product_id": product["id"], "institution_id": 7}, "order-service")
    consumer = EventConsumer(app, db, ProcessedEvent, HANDLERS)
    for body in (event, event, new_envelope("order.submitted", {**event["data"], "order_id": 2}, "order-service")):
        assert consumer.handle(json.dumps(body).encode()) == "ack"
    assert client.get(f"/api/v1/products/{product['id']}").json["orders_count"] == 2
    # The popularity is not an edit: no product.updated, no new updated_at.
    assert client.get(f"/api/v1/products/{product['id']}").json["updated_at"] == product["updated_at"]
    assert [e["event_type"] for e in events(app)] == ["product.published"]


def test_an_order_for_a_product_this_service_does_not_know_is_acknowledged(app):
    assert deliver(app, "order.submitted", {"order_id": 3, "product_id": 999, "institution_id": 7},
                   source="order-service") == "ack"

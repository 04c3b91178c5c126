"""The events credit-service consumes: the region tree and the orders that carry an authorization."""

import json
from datetime import UTC, datetime, timedelta

from credit_service.handlers import HANDLERS
from credit_service.models import OrderAuthorization, ProcessedEvent, Region, RegionAncestor, db
from xyd_common.events.consumer import EventConsumer
from xyd_common.events.envelope import new_envelope
from xyd_common.events.topology import QUEUES

from .support import BANK_ID, deliver, order_data


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def relations(app) -> list[tuple]:
    with app.app_context():
        return [(r.order_id, r.institution_id, r.enterprise_uscc, r.status)
                for r in db.session.scalars(db.select(OrderAuthorization).order_by(OrderAuthorization.order_id))]


def test_handlers_cover_exactly_the_queue_bindings():
    assert set(HANDLERS) == set(QUEUES["credit-service"].bindings)


def test_a_submitted_order_records_the_institution_the_enterprise_authorized(app):
    data = order_data("91350100M000100Y43", order_id=501)
    assert deliver(app, "order.submitted", data) == "ack"
    assert relations(app) == [("501", BANK_ID, "91350100M000100Y43", "submitted")]


def test_a_redelivered_order_event_is_handled_once(app):
    event = new_envelope("order.submitted", order_data("91350100M000100Y43", order_id=502), "order-service")
    consumer = EventConsumer(app, db, ProcessedEvent, HANDLERS)
    assert consumer.handle(json.dumps(event).encode()) == "ack"
    assert consumer.handle(json.dumps(event).encode()) == "ack"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ProcessedEvent)) == 1
    assert len(relations(app)) == 1


def test_later_order_events_keep_the_status_and_an_older_one_arriving_late_changes_nothing(app):
    now = datetime.now(UTC)
    uscc = "91350100M000100Y43"
    deliver(app, "order.submitted", order_data(uscc, order_id=503), occurred_at=iso(now))
    deliver(app, "order.accepted", order_data(uscc, order_id=503, status="accepted"),
            occurred_at=iso(now + timedelta(seconds=5)))
    deliver(app, "order.submitted", order_data(uscc, order_id=503), occurred_at=iso(now - timedelta(seconds=5)))
    assert relations(app) == [("503", BANK_ID, uscc, "accepted")]


def test_any_order_event_establishes_the_relation_when_it_comes_first(app):
    # A redelivery can put order.accepted before order.submitted; the order exists all the same.
    deliver(app, "order.accepted", order_data("91350100M000100Y43", order_id=504, status="accepted"))
    assert relations(app) == [("504", BANK_ID, "91350100M000100Y43", "accepted")]


def test_an_order_event_without_the_fields_the_relation_needs_is_retried(app):
    assert deliver(app, "order.submitted", {"order_id": 505, "status": "submitted"}) == "requeue"
    assert relations(app) == []


def test_a_region_is_kept_with_every_region_above_it(app):
    for code, name, parent, path in (("411000", "许昌市", "410000", ["410000", "411000"]),
                                     ("411082", "长葛市", "411000", ["410000", "411000", "411082"])):
        assert deliver(app, "region.created", {"code": code, "name": name, "parent_code": parent, "path": path},
                       source="auth-service") == "ack"
    # Without a path, it is built from the parent we know.
    deliver(app, "region.created", {"code": "411081", "name": "禹州市", "parent_code": "411000"}, source="auth-service")
    with app.app_context():
        assert db.session.get(Region, "411081").path == ["410000", "411000", "411081"]
        below_xuchang = set(db.session.scalars(db.select(RegionAncestor.region_code)
                                               .where(RegionAncestor.ancestor_code == "411000")))
        assert below_xuchang == {"411000", "411081", "411082"}

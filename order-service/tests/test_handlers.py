"""The read model: what other services announce, kept for applying while they are down."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from order_service.handlers import HANDLERS
from order_service.models import Institution, Order, OrderRegion, Product, Region, User, db
from xyd_common.events.topology import QUEUES
from xyd_testing.helpers import loan_data

from .support import (
    BANK_ID,
    WEIDU_CO,
    deliver,
    institution_data,
    iso,
    order_body,
    product_data,
    text_published,
    user_data,
    verified_data,
)

ORDERS = "/api/v1/orders"


def test_every_handler_has_a_binding_in_the_topology():
    assert set(HANDLERS) <= set(QUEUES["order-service"].bindings)


def test_products_are_kept_exactly(app):
    deliver(app, "product.published", product_data(5, amount_min=0.5, amount_max=1000.1234, rate_min=3.45),
            source="product-service")
    with app.app_context():
        product = db.session.get(Product, 5)
        assert (product.amount_min, product.amount_max, product.rate_min) == (
            Decimal("0.5"), Decimal("1000.1234"), Decimal("3.45"))
        assert product.region_codes == ["411000"] and product.institution_name == "许昌农商银行"
        assert product.repayment_methods == ["equal_installment"]  # what a disbursement chooses from


def test_a_loan_event_of_an_order_not_held_here_is_acknowledged_and_changes_nothing(app):
    assert deliver(app, "loan.non_performing", loan_data(424242, WEIDU_CO[1], BANK_ID, "non_performing", 10,
                                                         days_past_due=95)) == "ack"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


def test_an_older_event_arriving_late_does_not_undo_a_newer_one(app):
    now = datetime.now(UTC)
    deliver(app, "product.disabled", product_data(5, status="disabled"), source="product-service", occurred_at=iso(now))
    deliver(app, "product.published", product_data(5), source="product-service",
            occurred_at=iso(now - timedelta(seconds=5)))
    deliver(app, "institution.disabled", institution_data(BANK_ID, "许昌农商银行", "disabled"), occurred_at=iso(now))
    deliver(app, "institution.created", institution_data(BANK_ID, "许昌农商银行"),
            occurred_at=iso(now - timedelta(seconds=5)))
    deliver(app, "auth.user_updated", user_data(31, WEIDU_CO[1], "新名称", "411002"), occurred_at=iso(now))
    deliver(app, "auth.user_created", user_data(31, WEIDU_CO[1], "旧名称", "411002"),
            occurred_at=iso(now - timedelta(seconds=5)))
    with app.app_context():
        assert db.session.get(Product, 5).status == "disabled"
        assert db.session.get(Institution, BANK_ID).status == "disabled"
        assert db.session.get(User, 31).enterprise_name == "新名称"


def test_a_region_without_a_path_gets_one_from_its_parent(app):
    deliver(app, "region.created", {"code": "411000", "name": "许昌市", "parent_code": "410000",
                                    "path": ["410000", "411000"]})
    deliver(app, "region.created", {"code": "411003", "name": "建安区", "parent_code": "411000"})
    with app.app_context():
        assert db.session.get(Region, "411003").path == ["410000", "411000", "411003"]


def test_orders_made_before_their_region_was_known_are_filed_under_it_later(app, client, auth_service):
    from .support import auth

    deliver(app, "product.published", product_data(1, region_codes=["411025"]), source="product-service")
    deliver(app, "auth.user_created", user_data(31, WEIDU_CO[1], WEIDU_CO[2], "411025"))
    deliver(app, "auth.enterprise_verified", verified_data(31, WEIDU_CO[1], WEIDU_CO[2], "411025"))
    deliver(app, "credit.authorization_text_published", text_published(1), source="credit-service")
    token = auth_service.token("enterprise", sub="31", enterprise_uscc=WEIDU_CO[1], region_code="411025",
                               evs="verified")
    order = client.post(ORDERS, json=order_body(), headers=auth(token))
    assert order.status_code == 201, order.json
    deliver(app, "region.created", {"code": "411025", "name": "襄城县", "parent_code": "411000",
                                    "path": ["410000", "411000", "411025"]})
    with app.app_context():
        codes = set(db.session.scalars(db.select(OrderRegion.region_code)
                                       .where(OrderRegion.order_id == order.json["id"])))
    assert codes == {"410000", "411000", "411025"}


def test_a_revoked_authorization_withdraws_an_order_not_yet_disbursed(client, seeded, tokens):
    from order_service.models import Order, OrderHistory

    from .support import order_body as body
    from .support import outbox

    orders = {}
    for product_id in (1, 3):
        orders[product_id] = client.post(ORDERS, json=body(product_id=product_id), headers=tokens["weidu"]).json
    # Product 1's order reaches credit_granted; revoking it withdraws it even from there.
    bank = tokens["bank"]
    client.post(f"{ORDERS}/{orders[1]['id']}/accept", headers=bank)
    client.post(f"{ORDERS}/{orders[1]['id']}/grant", headers=bank, json={"amount": 50, "rate": 4.35, "term_months": 12})
    revoked = {"order_id": str(orders[1]["id"]), "uscc": WEIDU_CO[1], "institution_id": BANK_ID, "revoked_by": 31,
               "revoked_at": "2026-11-29T08:00:00+00:00"}
    assert deliver(seeded, "credit.authorization_revoked", revoked, source="credit-service") == "ack"
    details = client.get(f"{ORDERS}/{orders[1]['id']}", headers=tokens["weidu"]).json
    assert details["status"] == "withdrawn" and details["history"][-1]["remark"] == "授权撤回"
    assert details["history"][-1]["from_status"] == "credit_granted"
    assert details["credit_access_until"] is not None
    assert outbox(seeded, "order.withdrawn")[-1]["data"]["previous_status"] == "credit_granted"
    # A redelivery changes nothing; the other order is untouched.
    deliver(seeded, "credit.authorization_revoked", revoked, source="credit-service")
    with seeded.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OrderHistory)
                                 .where(OrderHistory.remark == "授权撤回")) == 1
        assert db.session.get(Order, orders[3]["id"]).status == "submitted"

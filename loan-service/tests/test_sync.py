"""`flask sync-reference-data`: a loan-service deployed after loans were disbursed opens them from
order-service's listing, oldest first, and takes regions, institutions and products from their owners."""

from datetime import timedelta

from loan_service import create_app
from loan_service.business_date import beijing_today
from loan_service.models import Loan, LoanRegion, db
from xyd_testing.helpers import StubServer, deliver

from .conftest import app_config
from .support import BANK_ID, WEIDU_CO, disbursed_data, institution_data


def test_a_late_loan_service_opens_the_loans_of_orders_disbursed_before_it_ran(auth_service):
    today = beijing_today()
    earlier = disbursed_data(order_id=1, disbursed_on=(today - timedelta(days=5)).isoformat())
    later = disbursed_data(order_id=2, disbursed_on=today.isoformat(), repayment_method="bullet")
    auth_service.routes["/api/v1/regions"] = (200, {"items": [
        {"code": "411000", "name": "许昌市", "parent_code": None},
        {"code": "411002", "name": "魏都区", "parent_code": "411000"}]})
    auth_service.routes["/internal/institutions"] = (200, {"items": [institution_data(BANK_ID, "许昌农商银行")],
                                                           "next_cursor": None})
    with StubServer() as orders, StubServer() as products:
        orders.routes["/internal/orders/disbursed"] = (200, {"items": [earlier, later], "next_cursor": None})
        products.routes["/internal/products"] = (200, {"items": [{"id": 1, "repayment_methods": ["equal_principal"]}],
                                                       "next_cursor": None})
        app = create_app(app_config(auth_service, ORDER_SERVICE_URL=orders.url,
                                                               PRODUCT_SERVICE_URL=products.url))
        with app.app_context():
            db.create_all()
        result = app.test_cli_runner().invoke(args=["sync-reference-data"])
        assert result.exit_code == 0, result.output
        assert "2 loans loaded" in result.output
        # Run again: nothing new, and the order.disbursed events that come later open nothing twice.
        assert app.test_cli_runner().invoke(args=["sync-reference-data"]).exit_code == 0
        assert deliver(app, "order.disbursed", later) == "ack"
        assert orders.requests[0][1]["Authorization"].startswith("Bearer ")
    with app.app_context():
        loans = db.session.scalars(db.select(Loan).order_by(Loan.order_id)).all()
        assert [(loan.order_id, loan.first_loan) for loan in loans] == [(1, True), (2, False)]
        assert [loan.repayment_method for loan in loans] == ["equal_principal", "bullet"]
        assert loans[0].institution_type == "bank" and loans[0].enterprise_uscc == WEIDU_CO[1]
        assert set(db.session.scalars(db.select(LoanRegion.region_code).where(LoanRegion.loan_id == loans[0].id))) \
            == {"411000", "411002"}

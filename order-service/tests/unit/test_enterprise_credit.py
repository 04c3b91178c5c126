"""Enterprises' risk and whitelist state on their orders: kept from credit-service's events (a late,
older event never undoes a newer one), taken by new orders from the local copy or from credit-service,
"unknown" when neither can be had, and corrected by the reconciliation without anyone's help."""

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from order_service.enterprise_credit import reconcile_unknown_risk
from order_service.models import EnterpriseCredit, Order, db

from ..support import WEIDU_CO, YANLING_CO, FakeCreditService, deliver, iso

ORDERS = "/api/v1/orders"
WEIDU, YANLING = WEIDU_CO[1], YANLING_CO[1]


@pytest.fixture
def credit_service(app):
    fake = FakeCreditService()
    app.config["CREDIT_SERVICE_URL"] = fake.url
    yield fake
    fake.close()


def risk_changed(app, uscc, level, tags=(), at=None):
    data = {"uscc": uscc, "level": level, "tags": list(tags), "previous_level": "none"}
    extra = {"occurred_at": iso(at)} if at else {}
    assert deliver(app, "credit.risk_changed", data, source="credit-service", **extra) == "ack"


def whitelist_changed(app, uscc, whitelisted, at=None):
    data = {"uscc": uscc, "whitelisted": whitelisted, "batch": "2026年第一批" if whitelisted else None,
            "valid_until": "2027-03-19" if whitelisted else None}
    extra = {"occurred_at": iso(at)} if at else {}
    assert deliver(app, "credit.whitelist_changed", data, source="credit-service", **extra) == "ack"


def shown(client, tokens, order, as_="bank"):
    item = client.get(f"{ORDERS}/{order['id']}", headers=tokens[as_]).json
    return item["risk"]["level"], item["risk"]["tags"], item["whitelisted"]


def test_credit_events_update_every_order_of_that_enterprise_only(app, client, apply, tokens):
    first, second, other = apply(), apply(product_id=3), apply(as_="yanling")
    risk_changed(app, WEIDU, "medium", ["administrative_penalty"])
    whitelist_changed(app, WEIDU, True)
    for order, as_ in ((first, "bank"), (second, "other_bank")):
        assert shown(client, tokens, order, as_) == ("medium", ["administrative_penalty"], True)
    assert shown(client, tokens, other) == ("unknown", [], False)

    risk_changed(app, WEIDU, "high", ["administrative_penalty", "dishonest_debtor"])
    whitelist_changed(app, WEIDU, False)
    assert shown(client, tokens, first) == ("high", ["administrative_penalty", "dishonest_debtor"], False)


def test_an_older_credit_event_arriving_late_does_not_undo_a_newer_one(app, client, apply, tokens):
    order = apply()
    now = datetime.now(UTC)
    risk_changed(app, WEIDU, "high", ["dishonest_debtor"], at=now)
    risk_changed(app, WEIDU, "medium", ["administrative_penalty"], at=now - timedelta(seconds=5))
    whitelist_changed(app, WEIDU, False, at=now)
    whitelist_changed(app, WEIDU, True, at=now - timedelta(seconds=5))
    assert shown(client, tokens, order) == ("high", ["dishonest_debtor"], False)
    with app.app_context():
        row = db.session.get(EnterpriseCredit, WEIDU)
        assert (row.risk_level, row.whitelisted, row.risk_source_at) == ("high", False, now)


def test_a_new_order_starts_with_the_state_the_events_announced(app, client, apply, tokens, credit_service):
    risk_changed(app, WEIDU, "low", ["litigation"])
    whitelist_changed(app, WEIDU, True)
    order = apply()
    assert (order["risk"], order["whitelisted"]) == ({"level": "low", "tags": ["litigation"]}, True)
    assert credit_service.asked == []  # the local copy was enough


def test_without_a_local_copy_a_new_order_asks_credit_service_and_keeps_the_answer(app, apply, credit_service):
    credit_service.states[WEIDU] = ("high", ["dishonest_debtor"], True)
    order = apply()
    assert (order["risk"], order["whitelisted"]) == ({"level": "high", "tags": ["dishonest_debtor"]}, True)
    assert credit_service.asked == [[WEIDU]] and credit_service.tokens[0].startswith("Bearer ")
    again = apply(product_id=3)
    assert again["risk"]["level"] == "high" and credit_service.asked == [[WEIDU]]
    with app.app_context():
        assert db.session.get(EnterpriseCredit, WEIDU).risk_level == "high"


def test_an_enterprise_credit_service_has_no_data_on_has_no_risk(apply, credit_service):
    order = apply()
    assert (order["risk"], order["whitelisted"]) == ({"level": "none", "tags": []}, False)


def test_with_only_the_whitelist_known_the_risk_is_asked_for(app, apply, credit_service):
    whitelist_changed(app, WEIDU, True)
    credit_service.states[WEIDU] = ("medium", ["abnormal_operation"], False)  # answer's whitelist is older news
    order = apply()
    assert (order["risk"]["level"], order["whitelisted"]) == ("medium", True)


def test_with_credit_service_down_the_order_is_accepted_as_unknown(app, apply):
    order = apply()  # nothing listens at CREDIT_SERVICE_URL
    assert (order["risk"], order["whitelisted"]) == ({"level": "unknown", "tags": []}, False)
    with app.app_context():
        row = db.session.get(EnterpriseCredit, WEIDU)  # a row to lock, knowing nothing yet
        assert (row.risk_level, row.whitelisted) == (None, None)


def test_a_credit_service_that_never_answers_delays_applying_by_about_the_timeout(app, apply):
    app.config["CREDIT_RISK_TIMEOUT_SECONDS"] = 0.3
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        app.config["CREDIT_SERVICE_URL"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        order = apply()
        assert time.monotonic() - started < 1.5
    assert order["risk"]["level"] == "unknown"


def test_the_reconciliation_corrects_orders_of_unknown_risk(app, client, runner, apply, tokens, credit_service):
    app.config["CREDIT_SERVICE_URL"] = "http://127.0.0.1:9"
    weidu, yanling = apply(), apply(as_="yanling")
    with app.app_context():
        assert reconcile_unknown_risk() is None  # still down: nothing changes
    assert shown(client, tokens, weidu)[0] == "unknown"

    app.config["CREDIT_SERVICE_URL"] = credit_service.url
    credit_service.states[WEIDU] = ("medium", ["administrative_penalty"], True)
    result = runner.invoke(args=["reconcile-credit", "--once"])
    assert result.exit_code == 0, result.output
    assert credit_service.asked == [sorted([WEIDU, YANLING])]
    assert shown(client, tokens, weidu) == ("medium", ["administrative_penalty"], True)
    assert shown(client, tokens, yanling) == ("none", [], False)
    with app.app_context():
        assert reconcile_unknown_risk() == 0  # nothing unknown is left
    assert len(credit_service.asked) == 1


def test_the_reconciliation_goes_through_every_batch(app, apply, credit_service):
    app.config["CREDIT_SERVICE_URL"] = "http://127.0.0.1:9"
    apply(), apply(as_="yanling")
    app.config["CREDIT_SERVICE_URL"] = credit_service.url
    with app.app_context():
        assert reconcile_unknown_risk(batch_size=1) == 2
        assert db.session.scalar(db.select(db.func.count()).where(Order.risk_level == "unknown")) == 0
    assert credit_service.asked == [[u] for u in sorted([WEIDU, YANLING])]


def test_an_answer_never_overrides_what_an_event_said(app, client, apply, tokens, credit_service):
    app.config["CREDIT_SERVICE_URL"] = "http://127.0.0.1:9"
    order = apply()
    whitelist_changed(app, WEIDU, True)  # the risk half is still unknown
    credit_service.states[WEIDU] = ("low", ["litigation"], False)
    app.config["CREDIT_SERVICE_URL"] = credit_service.url
    with app.app_context():
        assert reconcile_unknown_risk() == 1
    assert shown(client, tokens, order) == ("low", ["litigation"], True)


def test_the_list_filters_by_the_real_risk_levels(app, client, apply, tokens):
    weidu, yanling = apply(), apply(as_="yanling")
    risk_changed(app, WEIDU, "high", ["dishonest_debtor"])

    def ids(level):
        resp = client.get(f"{ORDERS}?risk_level={level}", headers=tokens["admin"])
        assert resp.status_code == 200, resp.json
        return [o["id"] for o in resp.json["items"]]

    assert ids("high") == [weidu["id"]] and ids("unknown") == [yanling["id"]]
    assert ids("medium") == [] and ids("none") == [] and ids("low") == []
    assert client.get(f"{ORDERS}?risk_level=severe", headers=tokens["admin"]).status_code == 422


def test_a_risk_event_with_a_level_nobody_knows_is_ignored(app, client, apply, tokens):
    order = apply()
    risk_changed(app, WEIDU, "severe", ["dishonest_debtor"])
    assert shown(client, tokens, order) == ("unknown", [], False)

"""order-service on PostgreSQL, built by its migrations: concurrent moves and applications through a
real threaded HTTP server, the deadline job in two processes' worth of sessions at once, exact
NUMERIC money, and the lists' pages and estimates."""

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text, update

from order_service import create_app, figures, services
from order_service.enterprise_credit import reconcile_unknown_risk
from order_service.models import EnterpriseCredit, Order, OrderHistory, OutboxMessage, db
from order_service.pushes import mark_overdue_pushes
from order_service.services import mark_overdue_orders
from xyd_common import pagination
from xyd_testing.helpers import WsgiServer, migrated_postgres_app

from .conftest import app_config
from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, FakeCreditService, deliver, order_body, seed_reference_data

ORDERS = "/api/v1/orders"


@pytest.fixture(scope="module")
def pg_app(auth_service):
    config = app_config(auth_service, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10})
    with migrated_postgres_app(create_app, config, "xyd_order_test") as app:
        seed_reference_data(app)
        yield app


@pytest.fixture(scope="module")
def pg_url(pg_app):
    return pg_app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture(scope="module")
def server(pg_app):
    """The app served for real, with a thread per request: parallel requests really overlap."""
    with WsgiServer(pg_app) as served:
        yield served.url


@pytest.fixture(autouse=True)
def clean_orders(pg_app):
    yield
    with pg_app.app_context():
        # Whatever the test did (concurrent moves, the deadline job in parallel sessions), the
        # pre-aggregated figures still equal a recount from the orders.
        assert figures.stored(db.session) == figures.recount(db.session)
        db.session.execute(text("TRUNCATE orders, order_regions, order_history, outbox, order_number_counters, "
                                "enterprise_credit, order_figures"))
        db.session.commit()


def at_once(calls):
    """Run the callables in parallel, released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def post(url, headers, body=None):
    return lambda: requests.post(url, json=body, headers=headers, timeout=30)


def count(app, stmt) -> int:
    with app.app_context():
        return db.session.scalar(stmt)


def apply(server, tokens, **overrides) -> dict:
    resp = requests.post(server + ORDERS, json=order_body(**overrides), headers=tokens["weidu"], timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_migrations_match_the_models_on_postgresql(pg_app, pg_url, tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "XYD_VAR_DIR": str(tmp_path), "ORDER_DATABASE_URL": pg_url}
    result = subprocess.run([flask, "--app", "order_service", "db", "check"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with pg_app.app_context():
        indexes = set(db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'")))
    assert {"ix_orders_enterprise_name_trgm", "ix_orders_institution_newest", "uq_orders_one_open_per_product",
            "ix_orders_awaiting_acceptance"} <= indexes


def moves_and_events(app, order_id) -> tuple[int, int]:
    moves = count(app, select(func.count()).select_from(OrderHistory)
                  .where(OrderHistory.order_id == order_id, OrderHistory.from_status.is_not(None)))
    events = count(app, select(func.count()).select_from(OutboxMessage)
                   .where(OutboxMessage.payload.contains(f'"order_id": {order_id},'),
                          OutboxMessage.event_type != "order.submitted"))
    return moves, events


def test_accept_and_terminate_racing_on_a_submitted_order_one_wins(pg_app, server, tokens, monkeypatch):
    # Serially, accept then terminate would both succeed; the race is when both have read "submitted".
    # Hold each request right after it loaded the order until the other has too.
    loaded = threading.Barrier(2, timeout=10)
    original = services.target_of

    def both_loaded_first(action, current):
        loaded.wait()
        return original(action, current)

    monkeypatch.setattr(services, "target_of", both_loaded_first)
    order = apply(server, tokens)
    url = f"{server}{ORDERS}/{order['id']}"
    results = at_once([post(f"{url}/accept", tokens["bank"]),
                       post(f"{url}/terminate", tokens["bank"], {"reason": "资料不全"})])
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    assert [r.json()["code"] for r in results if r.status_code == 409] == ["invalid_transition"]
    assert moves_and_events(pg_app, order["id"]) == (1, 1)


@pytest.mark.parametrize("first, second", [
    (("accept", "bank", None), ("accept", "bank", None)),
    (("terminate", "bank", {"reason": "资料不全"}), ("withdraw", "weidu", None)),
])
def test_of_two_concurrent_conflicting_moves_exactly_one_wins(pg_app, server, tokens, first, second):
    order = apply(server, tokens)
    url = f"{server}{ORDERS}/{order['id']}"
    results = at_once([post(f"{url}/{action}", tokens[who], body) for action, who, body in (first, second)])
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    assert moves_and_events(pg_app, order["id"]) == (1, 1)


def test_the_same_idempotency_key_posted_concurrently_makes_one_order(pg_app, server, tokens):
    headers = {**tokens["weidu"], "Idempotency-Key": "concurrent-apply-1"}
    results = at_once([post(server + ORDERS, headers, order_body()) for _ in range(4)])
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert count(pg_app, select(func.count()).select_from(Order)) == 1
    assert count(pg_app, select(func.count()).select_from(OutboxMessage)) == 1


def test_concurrent_applications_for_one_product_leave_one_open_order(pg_app, server, tokens):
    results = at_once([post(server + ORDERS, tokens["weidu"], order_body()) for _ in range(3)])
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"duplicate_open_order"}


def test_order_numbers_stay_unique_under_concurrent_applications(pg_app, server, tokens):
    bodies = [("weidu", 1), ("weidu", 3), ("yanling", 1), ("yanling", 3)]
    results = at_once([post(server + ORDERS, tokens[who], order_body(product_id=p)) for who, p in bodies])
    assert [r.status_code for r in results] == [201] * 4
    numbers = sorted(int(r.json()["order_no"][-6:]) for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + 4))


def test_two_deadline_jobs_at_once_mark_and_announce_each_order_once(pg_app, server, tokens):
    orders = [apply(server, tokens, product_id=1), apply(server, tokens, product_id=3)]
    orders += [requests.post(server + ORDERS, json=order_body(product_id=p), headers=tokens["yanling"],
                             timeout=30).json() for p in (1, 3)]
    with pg_app.app_context():
        db.session.execute(update(Order).values(accept_deadline=datetime(2026, 1, 5).date()))
        db.session.commit()

    def job():
        with pg_app.app_context():
            return mark_overdue_orders(now=datetime(2026, 1, 7, tzinfo=UTC), batch_size=1)

    assert sum(at_once([job, job, job])) == len(orders)
    assert count(pg_app, select(func.count()).select_from(OutboxMessage)
                 .where(OutboxMessage.event_type == "order.accept_overdue")) == len(orders)
    # An overdue order can still be accepted: marking does not bump the version the move checks.
    resp = requests.post(f"{server}{ORDERS}/{orders[0]['id']}/accept", headers=tokens["bank"], timeout=30)
    assert resp.status_code == 200, resp.text


def test_returned_orders_are_never_counted_overdue_and_stay_the_one_open_order(pg_app, server, tokens):
    returned = apply(server, tokens, product_id=1)
    resp = requests.post(f"{server}{ORDERS}/{returned['id']}/return", headers=tokens["bank"], timeout=30,
                         json={"reason": "材料不全", "items": ["营业执照副本"]})
    assert resp.status_code == 200, resp.text
    with pg_app.app_context():
        db.session.execute(update(Order).where(Order.id == returned["id"])
                           .values(accept_deadline=datetime(2026, 1, 5).date()))
        db.session.commit()
        mark_overdue_orders(now=datetime(2026, 1, 7, tzinfo=UTC))
        assert db.session.get(Order, returned["id"]).accept_overdue is False
    # The migration's partial unique index counts `returned` as open.
    again = requests.post(server + ORDERS, json=order_body(product_id=1), headers=tokens["weidu"], timeout=30)
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_open_order")
    resp = requests.post(f"{server}{ORDERS}/{returned['id']}/withdraw", headers=tokens["weidu"], timeout=30)
    assert resp.status_code == 200, resp.text


def test_money_is_numeric_and_exact(pg_app, server, tokens):
    order = apply(server, tokens, amount=123.4567)
    with pg_app.app_context():
        kind, value = db.session.execute(text("SELECT pg_typeof(amount)::text, amount FROM orders WHERE id = :id"),
                                         {"id": order["id"]}).one()
    assert kind == "numeric" and str(value) == "123.4567" and order["amount"] == 123.4567
    event = json.loads(count(pg_app, select(OutboxMessage.payload)))
    assert event["data"]["amount"] == 123.4567


@pytest.mark.parametrize("role, query", [("admin", ""), ("xuchang", ""), ("bank", "status=submitted"),
                                         ("xuchang", "q=魏都制造"), ("xuchang", "status=submitted")])
def test_pages_and_estimates_on_postgresql(pg_app, server, tokens, monkeypatch, role, query):
    for who in ("weidu", "yanling"):
        for product_id in (1, 3):
            requests.post(server + ORDERS, json=order_body(product_id=product_id), headers=tokens[who], timeout=30)
    everything = [o["id"] for o in requests.get(f"{server}{ORDERS}?{query}", headers=tokens[role], timeout=30)
                  .json()["items"]]
    assert everything == sorted(everything, reverse=True) and everything
    seen, cursor = [], ""
    while cursor is not None:
        page = requests.get(f"{server}{ORDERS}?per_page=1&{query}" + (f"&after={cursor}" if cursor else ""),
                            headers=tokens[role], timeout=30).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
    assert seen == everything
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 0)
    page = pg_app.test_client().get(f"{ORDERS}?{query}", headers=tokens[role]).json
    assert page["total_is_estimate"] is True and page["total"] >= 1


def test_statistics_on_postgresql(pg_app, server, tokens):
    order = apply(server, tokens, amount=100)
    url = f"{server}{ORDERS}/{order['id']}"
    requests.post(f"{url}/accept", headers=tokens["bank"], timeout=30)
    requests.post(f"{url}/grant", json={"amount": 88.8, "rate": 4.1, "term_months": 12}, headers=tokens["bank"],
                  timeout=30)
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    stats = requests.get(f"{server}{ORDERS}/stats?from={today}&to={today}", headers=tokens["xuchang"],
                         timeout=30).json()
    assert (stats["total"], stats["by_status"]["credit_granted"], stats["requested_amount"],
            stats["granted_amount"]) == (1, 1, 100, 88.8)
    assert stats["institutions"][0]["accepted"] == 1 and stats["institutions"][0]["average_hours_to_accept"] >= 0


def weidu_risk(pg_app) -> set:
    with pg_app.app_context():
        return set(db.session.execute(select(Order.risk_level, Order.whitelisted)
                                      .where(Order.enterprise_uscc == WEIDU_CO[1])).all())


def test_a_credit_event_handled_while_applying_reaches_the_new_orders(pg_app, server, tokens):
    event = {"uscc": WEIDU_CO[1], "level": "high", "tags": ["dishonest_debtor"], "previous_level": "none"}
    results = at_once([post(server + ORDERS, tokens["weidu"], order_body(product_id=1)),
                       post(server + ORDERS, tokens["weidu"], order_body(product_id=3)),
                       lambda: deliver(pg_app, "credit.risk_changed", event, source="credit-service")])
    assert [r.status_code for r in results[:2]] == [201, 201] and results[2] == "ack"
    assert weidu_risk(pg_app) == {("high", False)}


def test_reconciliations_running_at_once_agree(pg_app, server, tokens):
    apply(server, tokens, product_id=1)
    apply(server, tokens, product_id=3)
    fake = FakeCreditService()
    fake.states[WEIDU_CO[1]] = ("medium", ["administrative_penalty"], True)
    pg_app.config["CREDIT_SERVICE_URL"] = fake.url
    try:
        def reconcile():
            with pg_app.app_context():
                return reconcile_unknown_risk()

        results = at_once([reconcile] * 3)
    finally:
        pg_app.config["CREDIT_SERVICE_URL"] = "http://127.0.0.1:9"
        fake.close()
    assert all(r is not None for r in results)
    assert weidu_risk(pg_app) == {("medium", True)}
    with pg_app.app_context():
        row = db.session.get(EnterpriseCredit, WEIDU_CO[1])
        assert (row.risk_level, row.risk_tags, row.whitelisted) == ("medium", ["administrative_penalty"], True)


def test_the_sql_rebuild_of_the_figures_equals_the_recount(pg_app, server, tokens):
    orders = [apply(server, tokens, product_id=pid) for pid in (1, 3)]
    with pg_app.app_context():
        for seconds, order in zip((1800, 90000), orders, strict=True):
            row = db.session.get(Order, order["id"])
            row.accepted_at, row.accept_seconds, row.status = row.created_at, seconds, "accepted"
            row.urged_count, row.accept_overdue = 2, seconds > 3600
        # The second one disbursed, its loan non-performing: the loan balances and the rate's numerator.
        row.status, row.granted_amount, row.granted_rate, row.disbursed_amount = "disbursed", 80, Decimal("4.35"), 75
        row.loan_status, row.loan_outstanding = "non_performing", Decimal("60.1234")
        db.session.commit()
        kept = figures.stored(db.session)
        assert any(f.get("npl_outstanding") == Decimal("60.1234") and f.get("rate_principal") == Decimal("326.25")
                   for f in kept.values())
        assert figures.rebuild(db.session) == 4  # two orders: a day row and a month row each
        db.session.commit()
        assert figures.stored(db.session) == kept == figures.recount(db.session)


def test_scorecards_on_postgresql_give_hours_to_accept_from_the_figures(pg_app, server, tokens):
    orders = [apply(server, tokens, product_id=pid) for pid in (1, 3)]
    with pg_app.app_context():
        for seconds, order in zip((3600, 36000), orders, strict=True):
            row = db.session.get(Order, order["id"])
            row.accepted_at, row.accept_seconds, row.status = row.created_at, seconds, "accepted"
        db.session.commit()
    page = requests.get(server + "/api/v1/orders/scorecards", headers=tokens["admin"], timeout=30).json()
    hours = sorted((row["avg_hours_to_accept"], row["p90_hours_to_accept"]) for row in page["items"])
    # The average is exact; the 90th percentile lies in the histogram bucket of the hours: (0, 1], (8, 12].
    assert [avg for avg, _ in hours] == [1.0, 10.0]
    assert 0 < hours[0][1] <= 1 and 8 < hours[1][1] <= 12


def test_financing_needs_are_claimed_once_when_two_banks_claim_at_once(pg_app, server, tokens):
    need = requests.post(server + "/api/v1/needs", headers=tokens["weidu"], timeout=30, json={
        "amount": 100, "term_months": 12, "purpose": "扩大生产", "credit_authorization": {"version": 1}}).json()
    url = server + f"/api/v1/needs/{need['id']}/claim"
    answers = at_once([post(url, tokens["bank"], {"product_id": 1}),
                       post(url, tokens["other_bank"], {"product_id": 3})])
    assert sorted(a.status_code for a in answers) == [201, 409]
    with pg_app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM orders WHERE need_id = :id"), {"id": need["id"]}) == 1
        db.session.execute(text("TRUNCATE needs, need_regions, need_pushes"))
        db.session.commit()


def _pushed_need(server, tokens, institution_ids) -> tuple[dict, list[dict]]:
    need = requests.post(server + "/api/v1/needs", headers=tokens["weidu"], timeout=30, json={
        "amount": 100, "term_months": 12, "purpose": "扩大生产", "credit_authorization": {"version": 1}}).json()
    resp = requests.post(server + f"/api/v1/needs/{need['id']}/pushes", headers=tokens["xuchang"], timeout=30,
                         json={"institution_ids": institution_ids})
    assert resp.status_code == 201, resp.text
    return need, resp.json()["items"]


def test_a_push_accepted_while_another_bank_claims_the_need_makes_exactly_one_order(pg_app, server, tokens):
    for _ in range(3):
        need, [pushed] = _pushed_need(server, tokens, [OTHER_BANK_ID])
        answers = at_once([post(server + f"/api/v1/needs/pushes/{pushed['id']}/accept", tokens["other_bank"],
                                {"product_id": 3}),
                           post(server + f"/api/v1/needs/{need['id']}/claim", tokens["bank"], {"product_id": 1})])
        assert sorted(a.status_code for a in answers) in ([200, 409], [201, 409]), [a.text for a in answers]
        with pg_app.app_context():
            orders = db.session.execute(text("SELECT source, institution_id FROM orders WHERE need_id = :id"),
                                        {"id": need["id"]}).all()
            push_status = db.session.scalar(text("SELECT status FROM need_pushes WHERE id = :id"),
                                            {"id": pushed["id"]})
        assert len(orders) == 1
        # The push is accepted exactly when its order is the one.
        assert (push_status == "accepted") == (orders[0].source == "push")
        requests.post(server + f"/api/v1/orders/{answers[0].json().get('order_id') or answers[1].json()['id']}"
                      "/withdraw", headers=tokens["weidu"], timeout=30)  # the enterprise may post again
    with pg_app.app_context():
        db.session.execute(text("TRUNCATE needs, need_regions, need_pushes"))
        db.session.commit()


def test_the_deadline_job_marks_pushes_overdue_once_also_when_run_at_once(pg_app, server, tokens):
    _need, pushes = _pushed_need(server, tokens, [BANK_ID, OTHER_BANK_ID])
    with pg_app.app_context():
        db.session.execute(text("UPDATE need_pushes SET due_on = :day"), {"day": datetime(2026, 1, 5).date()})
        db.session.commit()

    def job():
        with pg_app.app_context():
            return mark_overdue_pushes(now=datetime(2026, 1, 7, tzinfo=UTC), batch_size=1)

    assert sum(at_once([job, job, job])) == 2
    assert job() == 0
    assert count(pg_app, select(func.count()).select_from(OutboxMessage)
                 .where(OutboxMessage.event_type == "need.push_overdue")) == 2
    # Still answerable once overdue, and not in time.
    resp = requests.post(f"{server}/api/v1/needs/pushes/{pushes[0]['id']}/decline", headers=tokens["bank"],
                         timeout=30, json={"reason": "授信额度已满"})
    assert resp.status_code == 200 and resp.json()["answered_in_time"] is False
    with pg_app.app_context():
        db.session.execute(text("TRUNCATE needs, need_regions, need_pushes"))
        db.session.commit()

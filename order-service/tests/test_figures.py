"""The pre-aggregated figures: kept equal to a recount from the orders whatever happens to them, and
read back by `/orders/stats` (whole range, any date range, per day/week/month/district) exactly as the
orders say."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from order_service import figures
from order_service.figures import p90_hours, whole_months
from order_service.models import Order, db
from order_service.services import mark_overdue_orders
from order_service.workdays import china_date
from xyd_testing.helpers import loan_data

from .support import deliver, iso

ORDERS = "/api/v1/orders"
LOAN_STEPS = (("loan.opened", "repaying"), ("loan.repayment_recorded", "repaying"), ("loan.overdue", "overdue"),
              ("loan.non_performing", "non_performing"), ("loan.recovered", "repaying"),
              ("loan.settled", "settled"), ("loan.written_off", "written_off"))
START = datetime(2026, 8, 20, 1, 0, tzinfo=UTC)


def random_workload(client, tokens, app, rng: random.Random, steps: int) -> list[int]:
    """Applications, every move, urging, the deadline job and orders dated over four months, at random."""
    ids: list[int] = []
    banks = {1: "bank", 3: "other_bank"}
    for _ in range(steps):
        action = rng.choice(["apply", "apply", "accept", "grant", "disburse", "terminate", "withdraw", "urge",
                             "overdue", "redate", "need", "loan", "loan", "loan"])
        if action == "loan":  # a step of a disbursed order's loan, as loan-service announces it
            with app.app_context():
                disbursed = list(db.session.execute(db.select(Order.id, Order.enterprise_uscc, Order.institution_id)
                                                    .where(Order.status == "disbursed")))
            if disbursed:
                order_id, uscc, institution_id = rng.choice(disbursed)
                event_type, status = rng.choice(LOAN_STEPS)
                outstanding = 0 if status == "settled" else rng.randint(1, 100000) / 10000  # JSON: a float
                assert deliver(app, event_type, loan_data(order_id, uscc, institution_id, status, outstanding),
                               occurred_at=iso(datetime.now(UTC) - timedelta(seconds=rng.randint(0, 3)))) == "ack"
            continue
        if action == "need":  # a financing need, claimed by a bank: an order made and accepted at once
            need = client.post("/api/v1/needs", headers=tokens[rng.choice(["weidu", "yanling"])], json={
                "amount": rng.randint(10, 300), "term_months": 12, "purpose": "扩大生产",
                "credit_authorization": {"version": 1}})
            if need.status_code == 201:
                product = rng.choice([1, 3])
                claim = client.post(f"/api/v1/needs/{need.json['id']}/claim", headers=tokens[banks[product]],
                                    json={"product_id": product})
                if claim.status_code == 201:
                    ids.append(claim.json["id"])
            continue
        if action == "apply" or not ids:
            product = rng.choice([1, 3])
            resp = client.post(ORDERS, headers=tokens[rng.choice(["weidu", "yanling"])], json={
                "product_id": product, "amount": rng.randint(10, 300), "term_months": 12, "purpose": "采购原材料",
                "credit_authorized": True})
            assert resp.status_code in (201, 409), resp.json  # 409: already an open order for the product
            if resp.status_code == 201:
                ids.append(resp.json["id"])
            continue
        with app.app_context():
            open_ids = list(db.session.scalars(db.select(Order.id).where(
                Order.status.in_(["submitted", "accepted", "credit_granted"]))))
            # Mostly an order still in progress, so that the moves get somewhere.
            order_id = rng.choice(open_ids if open_ids and rng.random() < 0.8 else ids)
            order = db.session.get(Order, order_id)
            bank = tokens[banks[order.product_id]]
            owner = tokens["weidu" if order.enterprise_name.startswith("许昌魏都") else "yanling"]
            if action == "redate":  # an order of another day (and month) of the period
                order.created_at = START + timedelta(days=rng.randint(0, 110), hours=rng.randint(0, 23))
                db.session.commit()
                continue
        if action == "accept":
            client.post(f"{ORDERS}/{order_id}/accept", headers=bank)
        elif action == "grant":
            client.post(f"{ORDERS}/{order_id}/grant", headers=bank,
                        json={"amount": rng.randint(10, 100), "rate": rng.choice([3.45, 4.35, 5.2]),
                              "term_months": 12})
        elif action == "disburse":
            client.post(f"{ORDERS}/{order_id}/disburse", headers=bank,
                        json={"amount": 10, "disbursed_on": china_date(datetime.now(UTC)).isoformat()})
        elif action == "terminate":
            client.post(f"{ORDERS}/{order_id}/terminate", headers=bank, json={"reason": "材料不全"})
        elif action == "withdraw":
            client.post(f"{ORDERS}/{order_id}/withdraw", headers=owner, json={})
        elif action == "urge":
            client.post(f"{ORDERS}/{order_id}/urge", headers=tokens["xuchang"], json={"message": "请尽快办理"})
        elif action == "overdue":
            with app.app_context():
                mark_overdue_orders(now=datetime.now(UTC) + timedelta(days=rng.randint(0, 20)))
    return ids


def test_the_figures_equal_a_recount_after_a_random_workload(app, client, seeded, tokens):
    rng = random.Random(20261129)
    ids = random_workload(client, tokens, app, rng, 160)
    with app.app_context():
        statuses = Counter(db.session.scalars(db.select(Order.status)))
        assert len(ids) >= 10 and len(statuses) >= 4  # the workload reached most states
        assert db.session.scalar(db.select(db.func.count()).where(Order.source == "need")) > 0
        loans = set(db.session.scalars(db.select(Order.loan_status).where(Order.loan_status.is_not(None))))
        assert len(loans) >= 2  # loans went through steps
        assert figures.stored(db.session) == figures.recount(db.session)


def test_a_rebuild_restores_figures_lost_or_damaged(app, client, seeded, tokens, runner):
    random_workload(client, tokens, app, random.Random(7), 40)
    with app.app_context():
        expected = figures.stored(db.session)
        db.session.execute(db.update(figures.OrderFigures).values(orders=99))
        db.session.commit()
    result = runner.invoke(args=["rebuild-figures"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert figures.stored(db.session) == expected


def _expected(app, date_from: date | None, date_to: date | None, region_codes=None) -> dict:
    """The statistics' headline figures as the orders themselves say them."""
    with app.app_context():
        orders = [o for o in db.session.scalars(db.select(Order))
                  if (date_from is None or china_date(o.created_at) >= date_from)
                  and (date_to is None or china_date(o.created_at) <= date_to)
                  and (region_codes is None or o.region_code in region_codes)]
    return {
        "total": len(orders),
        "by_status": Counter(o.status for o in orders),
        "requested_amount": sum((o.amount for o in orders), Decimal(0)),
        "granted_amount": sum((o.granted_amount for o in orders if o.status in ("credit_granted", "disbursed")),
                              Decimal(0)),
        "disbursed_amount": sum((o.disbursed_amount for o in orders if o.status == "disbursed"), Decimal(0)),
        "overdue": sum(1 for o in orders if o.accept_overdue),
    }


def _headline(answer: dict) -> dict:
    return {"total": answer["total"], "by_status": Counter({k: v for k, v in answer["by_status"].items() if v}),
            "requested_amount": Decimal(str(answer["requested_amount"])),
            "granted_amount": Decimal(str(answer["granted_amount"])),
            "disbursed_amount": Decimal(str(answer["disbursed_amount"])), "overdue": answer["overdue"]}


def test_statistics_for_any_date_range_and_grouping_equal_the_orders(app, client, seeded, tokens):
    rng = random.Random(42)
    random_workload(client, tokens, app, rng, 120)
    city = tokens["xuchang"]
    ranges = [(None, None), (date(2026, 9, 1), date(2026, 10, 31)), (date(2026, 8, 25), date(2026, 10, 3)),
              (date(2026, 9, 5), date(2026, 9, 20)), (date(2026, 10, 1), None), (None, date(2026, 9, 30))]
    for _ in range(6):
        first = START.date() + timedelta(days=rng.randint(0, 110))
        ranges.append((first, first + timedelta(days=rng.randint(0, 60))))
    for date_from, date_to in ranges:
        query = {k: v.isoformat() for k, v in (("from", date_from), ("to", date_to)) if v}
        answer = client.get(f"{ORDERS}/stats", headers=city, query_string=query).json
        assert _headline(answer) == _expected(app, date_from, date_to), query
        for grouping in ("day", "week", "month", "region"):
            grouped = client.get(f"{ORDERS}/stats", headers=city, query_string={**query, "group_by": grouping}).json
            assert grouped["group_by"] == grouping
            summed = Counter()
            for group in grouped["groups"]:
                summed.update({"total": group["total"], "overdue": group["overdue"]})
            assert (summed["total"], summed["overdue"]) == (answer["total"], answer["overdue"]), (query, grouping)

    # Per district: each group is what that district's orders say; the keys are the city's districts.
    groups = client.get(f"{ORDERS}/stats?group_by=region", headers=city).json["groups"]
    assert {g["key"] for g in groups} <= {"411002", "411003", "411024", "411081"}
    for group in groups:
        assert _headline(group) == _expected(app, None, None, {group["key"]})
    assert {g["name"] for g in groups} <= {"魏都区", "建安区", "鄢陵县", "禹州市"}

    # Per month: keys in order, each equal to its month's orders.
    months = client.get(f"{ORDERS}/stats?group_by=month", headers=city).json["groups"]
    assert [g["key"] for g in months] == sorted(g["key"] for g in months)
    for group in months:
        first = date.fromisoformat(group["key"] + "-01")
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        assert _headline(group) == _expected(app, first, last)
        assert group["name"] == f"{first.year}年{first.month}月"

    weeks = client.get(f"{ORDERS}/stats?group_by=week", headers=city).json["groups"]
    for group in weeks:
        monday = date.fromisoformat(group["key"])
        assert monday.weekday() == 0
        assert _headline(group) == _expected(app, monday, monday + timedelta(days=6))


def test_group_by_is_checked(client, seeded, tokens):
    resp = client.get(f"{ORDERS}/stats?group_by=year", headers=tokens["xuchang"])
    assert resp.status_code == 422 and "group_by" in resp.json["errors"]


@pytest.mark.parametrize(("date_from", "date_to", "expected"), [
    (None, None, (None, None, True)),
    (date(2026, 9, 1), date(2026, 10, 31), (date(2026, 9, 1), date(2026, 10, 1), True)),
    (date(2026, 9, 2), date(2026, 10, 30), (date(2026, 10, 1), date(2026, 9, 1), False)),
    (date(2026, 9, 2), None, (date(2026, 10, 1), None, True)),
    (None, date(2026, 2, 28), (None, date(2026, 2, 1), True)),
    (date(2026, 9, 15), date(2026, 9, 20), (date(2026, 10, 1), date(2026, 8, 1), False)),
])
def test_whole_months_of_a_range(date_from, date_to, expected):
    assert whole_months(date_from, date_to) == expected


def test_the_90th_percentile_from_the_histogram():
    assert p90_hours({}) is None
    # 10 orders: 9 within an hour, 1 between 24 and 48 hours: the 9th of 10 is in the first bucket.
    assert 0 < p90_hours({"accepted_within_1h": 9, "accepted_within_48h": 1}) <= 1
    # 10 orders: 8 within an hour, 2 in (24, 48]: the 9th lies in (24, 48].
    assert 24 < p90_hours({"accepted_within_1h": 8, "accepted_within_48h": 2}) <= 48
    assert p90_hours({"accepted_after_336h": 3}) == 336.0

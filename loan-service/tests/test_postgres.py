"""loan-service on PostgreSQL, built by its migrations: concurrent repayments of one loan through a real
threaded HTTP server (each applied once, none against stale balances), the aging job run from several
sessions at once (each move announced once), exact NUMERIC money."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from loan_service import create_app, figures, services
from loan_service.business_date import beijing_today
from loan_service.instrument_models import Claim
from loan_service.models import LIVE_STATUSES, Instalment, Loan, OutboxMessage, Repayment, db
from xyd_testing.helpers import WsgiServer, deliver, migrated_postgres_app

from .conftest import app_config
from .instruments import PDF, fund_body, program_body
from .support import disbursed_data, seed_reference_data

TODAY = beijing_today()


@pytest.fixture(scope="module")
def pg_app(auth_service):
    config = app_config(auth_service, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10})
    with migrated_postgres_app(create_app, config, "xyd_loan_test") as app:
        seed_reference_data(app)
        yield app


@pytest.fixture(scope="module")
def server(pg_app):
    with WsgiServer(pg_app) as served:
        yield served.url


def open_loans(app, count: int, **data) -> list[int]:
    ids = []
    for _ in range(count):
        body = disbursed_data(disbursed_on=TODAY.isoformat(), **data)
        assert deliver(app, "order.disbursed", body) == "ack"
        with app.app_context():
            ids.append(db.session.scalar(select(Loan.id).where(Loan.order_id == body["order_id"])))
    return ids


def repay_over_http(server, tokens, loan_id: int, principal, reference: str):
    return requests.post(f"{server}/api/v1/loans/{loan_id}/repayments", headers=tokens["bank"], timeout=60,
                         json={"paid_on": TODAY.isoformat(), "principal": principal, "interest": 0,
                               "reference": reference})


def events(app, event_type: str, loan_id: int) -> int:
    with app.app_context():
        return sum(1 for payload in db.session.scalars(select(OutboxMessage.payload)
                                                       .where(OutboxMessage.event_type == event_type))
                   if f'"loan_id": {loan_id},' in payload)


def test_concurrent_repayments_of_one_loan_are_each_applied_once(pg_app, server, tokens):
    (loan_id,) = open_loans(pg_app, 1, amount=12, term=12, repayment_method="equal_principal")

    def repay(n: int):
        return repay_over_http(server, tokens, loan_id, 0.5, f"PG-{loan_id}-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(repay, range(16)))
    assert [a.status_code for a in answers] == [201] * 16, [a.text for a in answers if a.status_code != 201]
    with pg_app.app_context():
        loan = db.session.get(Loan, loan_id)
        assert loan.outstanding_principal == Decimal("4.0000")
        paid = [i.paid_principal for i in loan.schedule]
        # 8 万元 went to the oldest instalments in order: the first eight paid, nothing beyond.
        assert paid == [Decimal(1)] * 8 + [Decimal(0)] * 4
        assert db.session.scalar(select(db.func.count()).select_from(Repayment).where(
            Repayment.loan_id == loan_id)) == 16
    assert events(pg_app, "loan.repayment_recorded", loan_id) == 16


def test_the_same_reference_sent_at_once_is_counted_once(pg_app, server, tokens):
    (loan_id,) = open_loans(pg_app, 1, amount=12, term=12)

    def repay(_):
        return repay_over_http(server, tokens, loan_id, 1, f"PG-SAME-{loan_id}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(a.status_code for a in pool.map(repay, range(6)))
    assert statuses == [200] * 5 + [201]
    with pg_app.app_context():
        assert db.session.get(Loan, loan_id).outstanding_principal == Decimal(11)


def test_the_aging_job_run_at_once_by_several_workers_announces_each_move_once(pg_app):
    loan_ids = open_loans(pg_app, 5, amount=12, term=12)
    with pg_app.app_context():
        first_due = db.session.scalar(select(Instalment.due_on).where(Instalment.loan_id == loan_ids[0],
                                                                      Instalment.no == 1))
    on = first_due + timedelta(days=95)

    def age(_):
        with pg_app.app_context():
            return services.age_loans(on)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(age, range(4)))
    with pg_app.app_context():
        for loan_id in loan_ids:
            loan = db.session.get(Loan, loan_id)
            assert (loan.status, loan.days_past_due, loan.overdue_bucket) == ("non_performing", 95, "91+")
            assert loan.aged_on == on
    for loan_id in loan_ids:
        assert events(pg_app, "loan.overdue", loan_id) == 1
        assert events(pg_app, "loan.non_performing", loan_id) == 1
        assert events(pg_app, "loan.instalment_due_soon", loan_id) == 0  # past due, not due soon


# --- the loan figures under concurrency ----------------------------------------------------------------

def assert_figures_equal_a_recount(app) -> None:
    with app.app_context():
        assert figures.stored(db.session) == figures.recount(db.session)


def test_concurrent_repayments_of_loans_in_one_figures_row_keep_it_equal_to_a_recount(pg_app, server, tokens):
    # Same day, district and bank: every repayment changes the same two rows (the day's and the month's).
    loan_ids = open_loans(pg_app, 12, amount=24, term=12, repayment_method="equal_principal")

    def repay(n: int):
        loan_id = loan_ids[n % len(loan_ids)]
        return repay_over_http(server, tokens, loan_id, 1, f"PG-FIG-{loan_id}-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(repay, range(36)))
    assert [a.status_code for a in answers] == [201] * 36, [a.text for a in answers if a.status_code != 201]
    assert_figures_equal_a_recount(pg_app)
    with pg_app.app_context():
        day = db.session.get(figures.LoanFigures, ("d", TODAY, "411002", 7))
        assert day.outstanding == sum(db.session.get(Loan, i).outstanding_principal for i in day_loans(TODAY))


def day_loans(on):
    return db.session.scalars(select(Loan.id).where(Loan.disbursed_on == on, Loan.region_code == "411002",
                                                    Loan.institution_id == 7, Loan.status.in_(LIVE_STATUSES)))


def test_the_aging_job_beside_repayments_neither_deadlocks_nor_miscounts(pg_app, server, tokens):
    """The aging job locks loan after loan in one transaction while repayments lock single loans: the
    figures rows are written last in each transaction, so no lock cycle forms (PostgreSQL would abort one
    side with a deadlock)."""
    disbursed_on = TODAY - timedelta(days=200)
    loan_ids = open_loans_on(pg_app, 20, disbursed_on)
    with pg_app.app_context():
        due = db.session.scalar(select(Instalment.due_on).where(Instalment.loan_id == loan_ids[0], Instalment.no == 1))
        db.session.execute(db.update(Loan).where(Loan.id.in_(loan_ids)).values(status="repaying", days_past_due=0,
                                                                              overdue_bucket="none"))
        db.session.commit()
        figures.rebuild(db.session)
        db.session.commit()
    on = due + timedelta(days=40)

    def age(_):
        with pg_app.app_context():
            return services.age_loans(on)

    def repay(n: int):
        loan_id = loan_ids[-1 - n % len(loan_ids)]  # from the other end: against the job's order
        return repay_over_http(server, tokens, loan_id, 0.5, f"PG-AGE-{loan_id}-{n}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        jobs = [pool.submit(age, n) for n in range(2)]
        answers = list(pool.map(repay, range(30)))
        for job in jobs:
            job.result()
    assert [a.status_code for a in answers] == [201] * 30, [a.text for a in answers if a.status_code != 201]
    assert_figures_equal_a_recount(pg_app)


def open_loans_on(app, count: int, disbursed_on) -> list[int]:
    ids = []
    for _ in range(count):
        body = disbursed_data(disbursed_on=disbursed_on.isoformat(), amount=12, term=24)
        assert deliver(app, "order.disbursed", body) == "ack"
        with app.app_context():
            ids.append(db.session.scalar(select(Loan.id).where(Loan.order_id == body["order_id"])))
    return ids


def test_the_sql_rebuild_of_the_figures_equals_the_recount(pg_app, server, tokens):
    open_loans(pg_app, 2, amount=30, submitted_at=f"{TODAY - timedelta(days=3)}T20:00:00Z")
    open_loans_on(pg_app, 2, TODAY - timedelta(days=150))
    with pg_app.app_context():
        kept = figures.stored(db.session)
        db.session.execute(db.delete(figures.LoanFigures))
        db.session.commit()
        assert figures.rebuild(db.session) > 0
        db.session.commit()
        assert figures.stored(db.session) == kept == figures.recount(db.session)


def test_the_migration_creates_the_figures_and_counts_the_loans_opened_before_it(pg_app):
    open_loans_on(pg_app, 3, TODAY - timedelta(days=100))
    runner = pg_app.test_cli_runner()
    result = runner.invoke(args=["db", "downgrade", "c1c96d1e4620"])
    assert result.exit_code == 0, result.output
    with pg_app.app_context():
        assert not db.inspect(db.engine).has_table("loan_figures")
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with pg_app.app_context():
        assert figures.stored(db.session) == figures.recount(db.session)
        assert db.session.scalar(select(db.func.sum(figures.LoanFigures.loans)).where(
            figures.LoanFigures.grain == "m")) == db.session.scalar(select(db.func.count()).select_from(Loan))


# --- government instruments: concurrent approvals ------------------------------------------------------

def _bad_loans(app, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        body = disbursed_data(disbursed_on="2025-01-15")
        assert deliver(app, "order.disbursed", body) == "ack"
        with app.app_context():
            ids.append(db.session.scalar(select(Loan.id).where(Loan.order_id == body["order_id"])))
    return ids


def _claims(server, tokens, fund_id: int, loan_ids: list[int], loss) -> list[int]:
    made = []
    for loan_id in loan_ids:
        resp = requests.post(f"{server}/api/v1/funds/{fund_id}/claims", headers=tokens["bank"], timeout=30,
                             data={"loan_id": loan_id, "loss_principal": loss}, files={"evidence": ("a.pdf", PDF)})
        assert resp.status_code == 201, resp.text
        made.append(resp.json()["id"])
    return made


def test_two_officers_approving_at_once_never_take_the_fund_past_its_budget(pg_app, server, tokens):
    fund = requests.post(f"{server}/api/v1/funds", headers=tokens["xuchang"], timeout=30,
                         json=fund_body(budget=50, share_percent=50, cap_per_loan=20)).json()
    claim_ids = _claims(server, tokens, fund["id"], _bad_loans(pg_app, 8), loss=40)  # 20 each; 2.5 fit

    def approve(n: int):
        officer = tokens["xuchang"] if n % 2 else tokens["admin"]
        return requests.post(f"{server}/api/v1/claims/{claim_ids[n]}/approve", headers=officer, timeout=30,
                             json={"amount": 20})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(approve, range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 200] + [422] * 6, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 422} == {"over_fund_limit"}
    now = requests.get(f"{server}/api/v1/funds/{fund['id']}", headers=tokens["admin"], timeout=30).json()
    assert (now["approved"], now["available"]) == (40, 10)
    with pg_app.app_context():
        assert db.session.scalar(select(db.func.sum(Claim.approved_amount)).where(
            Claim.fund_id == fund["id"])) == Decimal(40)


def test_the_same_claim_approved_twice_at_once_is_approved_once(pg_app, server, tokens):
    fund = requests.post(f"{server}/api/v1/funds", headers=tokens["xuchang"], timeout=30, json=fund_body()).json()
    (claim_id,) = _claims(server, tokens, fund["id"], _bad_loans(pg_app, 1), loss=10)

    def approve(n: int):
        return requests.post(f"{server}/api/v1/claims/{claim_id}/approve", timeout=30, json={"amount": 4},
                             headers=tokens["xuchang"] if n % 2 else tokens["admin"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(a.status_code for a in pool.map(approve, range(4)))
    assert statuses == [200, 409, 409, 409]
    now = requests.get(f"{server}/api/v1/funds/{fund['id']}", headers=tokens["admin"], timeout=30).json()
    assert now["approved"] == 4


def test_concurrent_subsidy_approvals_never_pass_the_programmes_budget(pg_app, server, tokens):
    program = requests.post(f"{server}/api/v1/subsidy-programs", headers=tokens["xuchang"], timeout=30,
                            json=program_body(budget=1, share_percent=100, cap_per_enterprise=100)).json()
    application_ids = []
    for loan_id in open_loans(pg_app, 6):
        requests.post(f"{server}/api/v1/loans/{loan_id}/repayments", headers=tokens["bank"], timeout=30, json={
            "paid_on": TODAY.isoformat(), "principal": 0, "interest": 0.3, "reference": f"PG-LX-{loan_id}"})
        resp = requests.post(f"{server}/api/v1/subsidy-programs/{program['id']}/applications", timeout=30,
                             headers=tokens["weidu"], json={"loan_id": loan_id})
        assert resp.status_code == 201, resp.text
        application_ids.append(resp.json()["id"])

    def approve(n: int):
        return requests.post(f"{server}/api/v1/subsidy-applications/{application_ids[n]}/approve", timeout=30,
                             json={}, headers=tokens["xuchang"] if n % 2 else tokens["admin"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(approve, range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 3 + [422] * 3
    assert {a.json()["code"] for a in answers if a.status_code == 422} == {"over_budget"}
    now = requests.get(f"{server}/api/v1/subsidy-programs/{program['id']}", headers=tokens["admin"], timeout=30).json()
    assert (now["approved"], now["available"]) == (0.9, 0.1)


def test_the_instrument_figures_group_and_sum_exactly_on_postgresql(pg_app, server, tokens):
    fund = requests.post(f"{server}/api/v1/funds", headers=tokens["xuchang"], timeout=30, json=fund_body()).json()
    approved, rejected = _claims(server, tokens, fund["id"], _bad_loans(pg_app, 2), loss="33.3333")
    assert requests.post(f"{server}/api/v1/claims/{approved}/approve", headers=tokens["xuchang"], timeout=30,
                         json={"amount": 13.3333}).status_code == 200
    assert requests.post(f"{server}/api/v1/claims/{rejected}/reject", headers=tokens["xuchang"], timeout=30,
                         json={"reason": "材料不全"}).status_code == 200
    answer = requests.get(f"{server}/api/v1/instruments/figures", headers=tokens["admin"], timeout=30).json()
    (row,) = [f for f in answer["funds"] if f["id"] == fund["id"]]
    assert (row["approved"], row["available"]) == (13.3333, 86.6667)
    assert row["claims"] == {"submitted": 0, "approved": 1, "rejected": 1, "paid": 0, "withdrawn": 0}
    # Every claim of this module is the bank's: its sums are the funds' own, to the yuan.
    (bank,) = answer["claims_by_institution"]
    for mine, funds in (("approved_amount", "approved"), ("paid_amount", "paid")):
        assert Decimal(str(bank[mine])) == sum(Decimal(str(f[funds])) for f in answer["funds"]), mine

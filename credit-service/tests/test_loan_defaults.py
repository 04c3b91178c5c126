"""Non-performing loans in the credit record (loan_default): added from loan-service's events, seen by
the next bank, raising the risk level, disputable, kept on write-off, hidden once every defaulted loan is
settled."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from credit_service.handlers import HANDLERS
from credit_service.models import CreditRecord, LoanDefault, ProcessedEvent, db
from xyd_common.events.consumer import EventConsumer
from xyd_common.events.envelope import new_envelope
from xyd_testing.helpers import loan_data

from .support import BANK_ID, OTHER_BANK_ID, auth, deliver, enterprise_row, events, new_uscc, order_data

RECORD = "/api/v1/credit/enterprises/{}"
T0 = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # event times before the tests run: settled records are hidden today


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def step(app, event_type: str, order_id: int, uscc: str, status: str, at: datetime, outstanding=80,
         days_past_due=91) -> str:
    data = loan_data(order_id, uscc, BANK_ID, status, outstanding, days_past_due)
    return deliver(app, event_type, data, source="loan-service", occurred_at=iso(at))


@pytest.fixture
def borrower(app, seeded, import_batch, auth_service):
    """An enterprise with a clean record that borrowed from the bank (order 701) and asked the other bank
    (order 702): (uscc, its own headers)."""
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)])
    deliver(app, "order.disbursed", order_data(uscc, order_id=701, status="disbursed"))
    deliver(app, "order.submitted", order_data(uscc, OTHER_BANK_ID, order_id=702))
    return uscc, auth(auth_service.token("enterprise", sub="31", enterprise_uscc=uscc, evs="verified"))


def loan_records(client, headers, uscc: str) -> list[dict]:
    return [r for r in client.get(RECORD.format(uscc), headers=headers).json["records"]
            if r["category"] == "loan_default"]


def test_a_non_performing_loan_is_a_high_risk_record_the_next_bank_sees(app, client, bank, other_bank, borrower):
    uscc, own = borrower
    assert client.get(RECORD.format(uscc), headers=other_bank).json["risk"]["level"] == "none"
    assert step(app, "loan.non_performing", 701, uscc, "non_performing", T0) == "ack"

    [record] = loan_records(client, other_bank, uscc)  # the next bank, through its own order
    assert (record["authority"], record["decided_on"], record["visible_to_institutions"]) == (
        "信易贷平台", "2026-09-01", True)
    assert "XC20261201000701" in record["title"] and "逾期 91 天" in record["content"]
    assert "许昌农商银行" in record["content"] and "80 万元" in record["content"]
    seen = client.get(RECORD.format(uscc), headers=other_bank).json["risk"]
    assert (seen["level"], seen["tags"]) == ("high", ["loan_default"])
    risk = events(app, "credit.risk_changed")[-1]["data"]
    assert (risk["uscc"], risk["level"], risk["previous_level"]) == (uscc, "high", "none")
    assert loan_records(client, bank, uscc) == [record] and loan_records(client, own, uscc) == [record]


def test_each_loan_adds_its_record_once_also_when_events_are_redelivered(app, client, other_bank, borrower):
    uscc, _own = borrower
    envelope = new_envelope("loan.non_performing", loan_data(701, uscc, BANK_ID, "non_performing", 80, 91),
                            "loan-service")
    consumer = EventConsumer(app, db, ProcessedEvent, HANDLERS)
    assert consumer.handle(json.dumps(envelope).encode()) == "ack"
    assert consumer.handle(json.dumps(envelope).encode()) == "ack"
    # Non-performing again after a recovery: still the one record of this loan.
    assert step(app, "loan.non_performing", 701, uscc, "non_performing", datetime.now(UTC) + timedelta(days=1),
                days_past_due=120) == "ack"
    assert len(loan_records(client, other_bank, uscc)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CreditRecord)
                                 .where(CreditRecord.category == "loan_default")) == 1


def test_the_record_stays_after_a_write_off_and_is_hidden_when_every_defaulted_loan_is_settled(
        app, client, other_bank, borrower):
    uscc, own = borrower
    step(app, "loan.non_performing", 701, uscc, "non_performing", T0)
    step(app, "loan.non_performing", 703, uscc, "non_performing", T0 + timedelta(days=3), outstanding=20)
    step(app, "loan.written_off", 701, uscc, "written_off", T0 + timedelta(days=10))
    assert len(loan_records(client, other_bank, uscc)) == 2
    step(app, "loan.settled", 703, uscc, "settled", T0 + timedelta(days=20), outstanding=0, days_past_due=0)
    # 701 was written off, not settled: both records stay, and so does the risk.
    assert len(loan_records(client, other_bank, uscc)) == 2
    assert client.get(RECORD.format(uscc), headers=other_bank).json["risk"]["level"] == "high"

    # Another enterprise settles its only defaulted loan: hidden as repaired, the risk falls.
    second = new_uscc()
    deliver(app, "order.submitted", order_data(second, OTHER_BANK_ID, order_id=801))
    assert deliver(app, "loan.non_performing", {**loan_data(802, second, OTHER_BANK_ID, "non_performing", 50, 95),
                                                "enterprise_name": "许昌新建材有限公司",
                                                "institution_name": "中原银行许昌分行"},
                   source="loan-service", occurred_at=iso(T0)) == "ack"
    [record] = loan_records(client, other_bank, second)
    assert "中原银行许昌分行发放的贷款" in record["content"]  # the lender as the event names it
    assert client.get(RECORD.format(second), headers=other_bank).json["enterprise"]["name"] == "许昌新建材有限公司"
    step(app, "loan.non_performing", 803, second, "non_performing", T0 + timedelta(days=1))
    step(app, "loan.settled", 802, second, "settled", T0 + timedelta(days=30), outstanding=0, days_past_due=0)
    assert len(loan_records(client, other_bank, second)) == 2  # 803 is not settled yet
    step(app, "loan.settled", 803, second, "settled", T0 + timedelta(days=40), outstanding=0, days_past_due=0)
    seen = client.get(RECORD.format(second), headers=other_bank).json
    assert [r for r in seen["records"] if r["category"] == "loan_default"] == []
    assert seen["risk"]["level"] == "none"
    risk = events(app, "credit.risk_changed")[-1]["data"]
    assert (risk["uscc"], risk["level"], risk["previous_level"]) == (second, "none", "high")
    with app.app_context():
        hidden = db.session.scalars(db.select(CreditRecord).where(CreditRecord.uscc == second)).all()
        # Repaired on the China date of the last settlement.
        assert {(r.category, r.repaired_on) for r in hidden} == {("loan_default", date(2026, 10, 11))}


def test_a_settlement_older_than_the_default_held_changes_nothing_and_a_late_default_of_a_settled_loan_adds_none(
        app, client, other_bank, borrower):
    uscc, _own = borrower
    step(app, "loan.non_performing", 701, uscc, "non_performing", T0 + timedelta(days=5))
    step(app, "loan.settled", 701, uscc, "settled", T0, outstanding=0)  # overtaken: older than the default
    assert len(loan_records(client, other_bank, uscc)) == 1
    step(app, "loan.settled", 704, uscc, "settled", T0 + timedelta(days=9), outstanding=0)
    step(app, "loan.non_performing", 704, uscc, "non_performing", T0 + timedelta(days=1))  # arrived late
    assert len(loan_records(client, other_bank, uscc)) == 1
    with app.app_context():
        assert db.session.get(LoanDefault, 1704).record_id is None


def test_the_enterprise_disputes_a_loan_default_record_like_any_other(app, client, other_bank, admin, borrower):
    uscc, own = borrower
    step(app, "loan.non_performing", 701, uscc, "non_performing", T0)
    [record] = [r for r in client.get("/api/v1/credit/me", headers=own).json["records"]
                if r["category"] == "loan_default"]
    opened = client.post("/api/v1/credit/me/disputes", headers=own,
                         json={"record_id": record["id"], "reason": "该笔贷款已展期，不应列为不良",
                               "contact": "刘建国"})
    assert opened.status_code == 201
    assert events(app, "credit.dispute_opened")[-1]["data"]["category"] == "loan_default"
    decided = client.post(f"/api/v1/credit/disputes/{opened.json['id']}/decide", headers=admin,
                          json={"decision": "uphold", "note": "经核实已展期，记录不再公示"})
    assert decided.status_code == 200
    seen = client.get(RECORD.format(uscc), headers=other_bank).json
    assert loan_records(client, other_bank, uscc) == [] and seen["risk"]["level"] == "none"


def test_loan_default_records_and_flags_are_not_imported(import_batch):
    uscc = new_uscc()
    answer = import_batch(enterprises=[enterprise_row(uscc)],
                          records=[{"uscc": uscc, "category": "loan_default", "title": "不良",
                                    "decided_on": "2026-01-01"}],
                          risk_flags=[{"uscc": uscc, "indicator": "loan_default", "source": "某银行",
                                       "detected_on": "2026-01-01", "active": True}])
    assert [e["kind"] for e in answer["errors"]] == ["records", "risk_flags"]

"""Loan reminders: the enterprise hears of an instalment due in three days and of an overdue one, in the
app and by SMS; the institution's users hear of a loan that became non-performing."""

import json

import pytest

from xyd_common.events.envelope import new_envelope
from xyd_testing.helpers import loan_data

from .support import BANK_ID, USCC, order_event
from .test_notifications import notifications, recipients, sms


def loan_event(event_type: str, status: str = "repaying", **step) -> dict:
    return new_envelope(event_type, loan_data(501, USCC, BANK_ID, status, 60.5, **step), "loan-service")


def test_an_instalment_due_soon_is_told_to_the_verified_enterprise_in_the_app_and_by_sms(seeded, deliver):
    deliver(seeded, order_event("order.disbursed"))  # the order's product name, as order events gave it
    assert deliver(seeded, loan_event("loan.instalment_due_soon", instalment_no=3, due_on="2026-12-20",
                                      amount=8.6053)) == "ack"
    # Only the verified owner (32) hears of the loan; 34 merely claims the USCC.
    [notice] = [n for n in notifications(seeded, 32) if n.kind == "loan_instalment_due_soon"]
    assert notice.title == "还款提醒"
    assert "“税易贷”贷款（订单号XC20261201000501）第3期将于2026-12-20到期，应还8.6053万元" in notice.body
    assert notice.data["loan_id"] == 1501 and notice.data["due_on"] == "2026-12-20"
    assert not [n for n in notifications(seeded, 34) if n.kind.startswith("loan_")]
    [text] = [m for m in sms(seeded) if m.template_id == "loan_instalment_due_soon"]
    assert text.phone == "13900000032" and json.loads(text.params) == {
        "order_no": "XC20261201000501", "product_name": "税易贷", "due_on": "2026-12-20", "amount": "8.6053"}
    assert "2026-12-20到期应还8.6053万元" in text.text


def test_an_overdue_instalment_is_told_to_the_enterprise_once_also_when_redelivered(seeded, deliver):
    event = loan_event("loan.overdue", "overdue", days_past_due=3)
    assert [deliver(seeded, event), deliver(seeded, event)] == ["ack", "ack"]
    [notice] = notifications(seeded, 32)
    assert notice.title == "贷款已逾期" and "已逾期3天，未还本金60.5万元" in notice.body
    assert "您的贷款（订单号XC20261201000501）" in notice.body  # no order event seen: no product name
    [text] = sms(seeded)
    assert (text.phone, text.template_id, json.loads(text.params)["days_past_due"]) == (
        "13900000032", "loan_overdue", "3")
    assert recipients(seeded) == [32]


def test_a_non_performing_loan_is_told_to_the_institutions_users_in_the_app(seeded, deliver):
    deliver(seeded, order_event("order.disbursed"))
    before = len(sms(seeded))
    assert deliver(seeded, loan_event("loan.non_performing", "non_performing", days_past_due=91)) == "ack"
    told = [n for n in notifications(seeded) if n.kind == "loan_non_performing"]
    assert sorted(n.user_id for n in told) == [21, 22]  # the bank's active users
    assert told[0].title == "贷款转为不良"
    assert "许昌瑞祥机械有限公司的贷款（订单号XC20261201000501）已逾期91天" in told[0].body
    assert len(sms(seeded)) == before  # in the app only


@pytest.mark.parametrize("event_type", ["loan.opened", "loan.repayment_recorded", "loan.recovered", "loan.settled",
                                        "loan.written_off"])
def test_other_loan_steps_tell_nobody(seeded, deliver, event_type):
    assert deliver(seeded, loan_event(event_type)) == "ack"
    assert notifications(seeded) == [] and sms(seeded) == []

"""The state table on its own: every action from every status either leads where the issue says or is
a 409 invalid_transition."""

import pytest

from order_service import states
from order_service.states import MOVES, STATUSES, InvalidTransition, target_of

ALLOWED = {
    ("accept", "submitted"): "accepted",
    ("grant", "accepted"): "credit_granted",
    ("disburse", "credit_granted"): "disbursed",
    ("terminate", "submitted"): "terminated",
    ("terminate", "accepted"): "terminated",
    ("terminate", "credit_granted"): "terminated",
    ("withdraw", "submitted"): "withdrawn",
    ("withdraw", "accepted"): "withdrawn",
    ("withdraw", "returned"): "withdrawn",
    ("return", "submitted"): "returned",
    ("return", "accepted"): "returned",
    ("terminate", "returned"): "terminated",
    ("resubmit", "returned"): "submitted",
}


@pytest.mark.parametrize("action", sorted(MOVES))
@pytest.mark.parametrize("status", STATUSES)
def test_only_the_listed_moves_are_allowed(action, status):
    if (action, status) in ALLOWED:
        assert target_of(action, status) == ALLOWED[action, status]
    else:
        with pytest.raises(InvalidTransition) as err:
            target_of(action, status)
        assert err.value.status == 409 and err.value.code == "invalid_transition"


def test_final_statuses_have_no_way_out():
    for status in states.FINAL_STATUSES:
        assert not any(status in move.sources for move in MOVES.values())


def test_institutions_move_orders_and_enterprises_only_withdraw_or_resubmit():
    assert {a for a, m in MOVES.items() if m.role == "enterprise"} == {"withdraw", "resubmit"}
    assert {a for a, m in MOVES.items() if m.role == "institution"} == {
        "accept", "grant", "disburse", "terminate", "return"}


def test_every_move_publishes_its_own_event_type():
    assert {states.event_type(m.target, action) for action, m in MOVES.items()} == {
        "order.accepted", "order.credit_granted", "order.disbursed", "order.terminated", "order.withdrawn",
        "order.returned", "order.resubmitted"}

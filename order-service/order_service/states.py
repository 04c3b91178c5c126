"""The order state machine: the one table of allowed moves.

    submitted → accepted → credit_granted → disbursed
    submitted | accepted → returned → submitted          (退回补正: institution returns with a reason and
                                                          the missing items; the enterprise resubmits)
    submitted | accepted | returned | credit_granted → terminated   (institution, reason required)
    submitted | accepted | returned → withdrawn           (enterprise)

Everything else is a 409 `invalid_transition`. Each move publishes `order.<new status>`, except the
resubmission, which publishes `order.resubmitted` (EVENTS_OF_MOVES).
"""

from dataclasses import dataclass

from xyd_common.errors import Conflict

SUBMITTED = "submitted"
ACCEPTED = "accepted"
CREDIT_GRANTED = "credit_granted"
DISBURSED = "disbursed"
TERMINATED = "terminated"
WITHDRAWN = "withdrawn"
RETURNED = "returned"  # 退回补正: waiting for the enterprise's documents; never overdue meanwhile

STATUSES = (SUBMITTED, ACCEPTED, CREDIT_GRANTED, DISBURSED, TERMINATED, WITHDRAWN, RETURNED)
# Still being handled: an enterprise may hold one such order per product.
OPEN_STATUSES = (SUBMITTED, ACCEPTED, CREDIT_GRANTED, RETURNED)
FINAL_STATUSES = (DISBURSED, TERMINATED, WITHDRAWN)

STATUS_LABELS = {SUBMITTED: "待受理", ACCEPTED: "已受理", CREDIT_GRANTED: "已授信", DISBURSED: "已放款",
                 TERMINATED: "已终止", WITHDRAWN: "已撤回", RETURNED: "待补正"}


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    role: str  # who makes it: the owning institution's users, or the applicant enterprise


MOVES = {
    "accept": Move((SUBMITTED,), ACCEPTED, "institution"),
    "grant": Move((ACCEPTED,), CREDIT_GRANTED, "institution"),
    "disburse": Move((CREDIT_GRANTED,), DISBURSED, "institution"),
    "terminate": Move((SUBMITTED, ACCEPTED, RETURNED, CREDIT_GRANTED), TERMINATED, "institution"),
    "withdraw": Move((SUBMITTED, ACCEPTED, RETURNED), WITHDRAWN, "enterprise"),
    "return": Move((SUBMITTED, ACCEPTED), RETURNED, "institution"),
    "resubmit": Move((RETURNED,), SUBMITTED, "enterprise"),
}


class InvalidTransition(Conflict):
    def __init__(self, message: str):
        super().__init__("invalid_transition", message)


def target_of(action: str, current: str) -> str:
    """The status `action` leads to from `current`; InvalidTransition (409) when the table has no
    such move."""
    move = MOVES[action]
    if current not in move.sources:
        allowed = "、".join(STATUS_LABELS[s] for s in move.sources)
        raise InvalidTransition(f"订单当前为「{STATUS_LABELS[current]}」，不能执行该操作（仅限{allowed}的订单）")
    return move.target


# Moves whose event is not named after the status they lead to.
EVENTS_OF_MOVES = {"resubmit": "order.resubmitted"}


def event_type(status: str, action: str | None = None) -> str:
    """The event a move (`action`) into `status` publishes."""
    return EVENTS_OF_MOVES.get(action, f"order.{status}")

"""The order state machine: the one table of allowed moves.

    submitted → accepted → credit_granted → disbursed
    submitted | accepted | credit_granted → terminated   (institution, reason required)
    submitted | accepted → withdrawn                      (enterprise)

Everything else is a 409 `invalid_transition`. Each move publishes `order.<new status>`.
"""

from dataclasses import dataclass

from xyd_common.errors import Conflict

SUBMITTED = "submitted"
ACCEPTED = "accepted"
CREDIT_GRANTED = "credit_granted"
DISBURSED = "disbursed"
TERMINATED = "terminated"
WITHDRAWN = "withdrawn"

STATUSES = (SUBMITTED, ACCEPTED, CREDIT_GRANTED, DISBURSED, TERMINATED, WITHDRAWN)
# Still being handled: an enterprise may hold one such order per product.
OPEN_STATUSES = (SUBMITTED, ACCEPTED, CREDIT_GRANTED)
FINAL_STATUSES = (DISBURSED, TERMINATED, WITHDRAWN)

STATUS_LABELS = {SUBMITTED: "待受理", ACCEPTED: "已受理", CREDIT_GRANTED: "已授信", DISBURSED: "已放款",
                 TERMINATED: "已终止", WITHDRAWN: "已撤回"}


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    role: str  # who makes it: the owning institution's users, or the applicant enterprise


MOVES = {
    "accept": Move((SUBMITTED,), ACCEPTED, "institution"),
    "grant": Move((ACCEPTED,), CREDIT_GRANTED, "institution"),
    "disburse": Move((CREDIT_GRANTED,), DISBURSED, "institution"),
    "terminate": Move((SUBMITTED, ACCEPTED, CREDIT_GRANTED), TERMINATED, "institution"),
    "withdraw": Move((SUBMITTED, ACCEPTED), WITHDRAWN, "enterprise"),
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


def event_type(status: str) -> str:
    """The event a move into `status` publishes."""
    return f"order.{status}"

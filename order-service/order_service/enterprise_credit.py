"""Enterprises' credit state (risk level and tags, whitelist) as order-service knows it, and on the orders.

Where it comes from:
- `credit.risk_changed` / `credit.whitelist_changed` decide. Each half keeps the `occurred_at` of the
  event that set it; an older event arriving late (a redelivery) is ignored.
- credit-service's answer to `/internal/credit/risk` only fills a half that no event has set yet (when
  an application finds nothing here, and in the reconciliation). An answer carries no time of its own,
  and credit-service announces every change, so the events alone settle any disagreement.

Every change of an enterprise's state is copied onto all of its orders in the same transaction. The
enterprise's row is locked (FOR UPDATE / FOR SHARE on PostgreSQL) while that happens and while a new
order takes its state, so an event handled at the same moment as an application still reaches the
new order.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from . import credit_client
from .models import EnterpriseCredit, Order, db

log = logging.getLogger(__name__)

UNKNOWN = "unknown"


@dataclass(frozen=True)
class CreditState:
    """What an order shows of its enterprise's credit."""

    risk_level: str
    risk_tags: list
    whitelisted: bool


def _locked_row(uscc: str, read: bool = False) -> EnterpriseCredit | None:
    stmt = select(EnterpriseCredit).where(EnterpriseCredit.uscc == uscc).with_for_update(read=read)
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def _ensure_row(uscc: str) -> None:
    """Create the enterprise's row if missing, also under concurrent inserts. A row to lock is what
    orders a new order and a concurrent event: without one, the event's UPDATE of the orders could
    miss the order being made."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(EnterpriseCredit).values(uscc=uscc).on_conflict_do_nothing(
        index_elements=[EnterpriseCredit.uscc]))


def _row_for_update(uscc: str) -> EnterpriseCredit:
    _ensure_row(uscc)
    return _locked_row(uscc)


def _copy_to_orders(row: EnterpriseCredit) -> None:
    values = {}
    if row.risk_level is not None:
        values.update(risk_level=row.risk_level, risk_tags=list(row.risk_tags or []))
    if row.whitelisted is not None:
        values["whitelisted"] = row.whitelisted
    if values:
        # A bulk UPDATE leaves the orders' version alone: an institution's concurrent move of one of
        # them still succeeds, and it writes only the columns it changed.
        db.session.execute(update(Order).where(Order.enterprise_uscc == row.uscc).values(**values),
                           execution_options={"synchronize_session": False})


def record_risk(uscc: str, level: str, tags: list, occurred_at: datetime) -> bool:
    """credit.risk_changed: keep the newer state and copy it onto the orders; False if older."""
    row = _row_for_update(uscc)
    if row.risk_source_at is not None and row.risk_source_at > occurred_at:
        log.info("credit.risk_changed for %s is older than what we hold; ignored", uscc)
        return False
    row.risk_level, row.risk_tags, row.risk_source_at = level, list(tags), occurred_at
    db.session.flush()
    _copy_to_orders(row)
    return True


def record_whitelist(uscc: str, whitelisted: bool, occurred_at: datetime) -> bool:
    """credit.whitelist_changed: keep the newer state and copy it onto the orders; False if older."""
    row = _row_for_update(uscc)
    if row.whitelist_source_at is not None and row.whitelist_source_at > occurred_at:
        log.info("credit.whitelist_changed for %s is older than what we hold; ignored", uscc)
        return False
    row.whitelisted, row.whitelist_source_at = whitelisted, occurred_at
    db.session.flush()
    _copy_to_orders(row)
    return True


def _fill_gaps(uscc: str, answer: dict) -> None:
    """credit-service's answer, for the halves no event has set; the orders follow the row."""
    row = _row_for_update(uscc)
    if row.risk_level is None:
        row.risk_level, row.risk_tags = answer["level"], list(answer["tags"])
    if row.whitelisted is None:
        row.whitelisted = answer["whitelisted"]
    db.session.flush()
    _copy_to_orders(row)


def _complete(row: EnterpriseCredit | None) -> bool:
    return row is not None and row.risk_level is not None and row.whitelisted is not None


def state_for_new_order(uscc: str) -> CreditState:
    """The state a new order of `uscc` starts with: the local copy, else credit-service's answer
    (kept here too), else "unknown" — corrected later by an event or `reconcile_unknown_risk`.

    Call it before the order is added, in the application's transaction; the row stays locked until
    that commits."""
    if not _complete(db.session.get(EnterpriseCredit, uscc)):
        answer = (credit_client.risk_states([uscc]) or {}).get(uscc)
        if answer is not None:
            _fill_gaps(uscc, answer)
    _ensure_row(uscc)
    row = _locked_row(uscc, read=True)
    return CreditState(row.risk_level or UNKNOWN, list(row.risk_tags or []) if row.risk_level else [],
                       bool(row.whitelisted))


def reconcile_unknown_risk(batch_size: int = credit_client.RISK_BATCH) -> int | None:
    """Ask credit-service about every enterprise with orders whose risk is "unknown", `batch_size`
    enterprises per request, and correct them; returns how many enterprises were asked about, or None
    if credit-service could not be reached (then nothing more is tried until the next round).

    Any number of these may run at once: what they write is the same, and the row lock orders them."""
    unknown = literal(UNKNOWN, literal_execute=True)  # rendered inline: matches ix_orders_risk_unknown
    after, asked = "", 0
    while True:
        usccs = list(db.session.scalars(
            select(Order.enterprise_uscc).distinct()
            .where(Order.risk_level == unknown, Order.enterprise_uscc > after)
            .order_by(Order.enterprise_uscc).limit(batch_size)))
        db.session.commit()  # no transaction stays open while credit-service answers
        if not usccs:
            return asked
        answers = credit_client.risk_states(usccs)
        if answers is None:
            return None if not asked else asked
        for uscc in usccs:
            if uscc in answers:
                _fill_gaps(uscc, answers[uscc])
        db.session.commit()
        asked += len(usccs)
        if len(usccs) < batch_size:
            return asked
        after = usccs[-1]

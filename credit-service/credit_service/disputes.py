"""Disputes (异议): an enterprise objects to one of its records; the admin, or a government user of the
enterprise's region, decides. While a dispute is open institutions see the record marked `disputed`;
an upheld dispute hides the record from them (and may lower the risk level: disclosure.py), a rejected
one keeps it, with a note saying why. Both outcomes are announced, and the enterprise is told."""

from sqlalchemy import select

from xyd_common.errors import ApiError, NotFound
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity, require_verified_enterprise

from .models import CreditRecord, Dispute, Enterprise, OutboxMessage, db
from .monitoring import SOURCE, china_today, refresh_enterprise
from .reference import within

OPEN, UPHELD, REJECTED = "open", "upheld", "rejected"


def dispute_event_data(dispute: Dispute) -> dict:
    return {"dispute_id": dispute.id, "record_id": dispute.record_id, "uscc": dispute.uscc,
            "category": dispute.record.category, "title": dispute.record.title, "status": dispute.status,
            "note": dispute.note}


def open_dispute(identity: Identity, body: dict) -> Dispute:
    uscc = require_verified_enterprise(identity)
    record = db.session.get(CreditRecord, body["record_id"])
    if record is None or record.uscc != uscc:
        raise NotFound("信用记录不存在")
    if any(d.status == OPEN for d in record.disputes):
        raise ApiError(409, "dispute_open", "该记录已有待处理的异议")
    dispute = Dispute(record_id=record.id, uscc=uscc, user_id=identity.user_id, reason=body["reason"],
                      contact=body["contact"], status=OPEN)
    db.session.add(dispute)
    db.session.flush()
    record_event(db.session, OutboxMessage, "credit.dispute_opened", dispute_event_data(dispute), SOURCE)
    db.session.commit()
    return dispute


def _scoped(stmt, identity: Identity):
    if identity.role == "admin":
        return stmt
    # Government users decide for enterprises of their region and below.
    return (stmt.join(Enterprise, Enterprise.uscc == Dispute.uscc)
            .where(within(Enterprise.region_code, identity.region_code or "-")))


def list_disputes(identity: Identity, args: dict) -> dict:
    stmt = _scoped(select(Dispute), identity)
    if args.get("status"):
        stmt = stmt.where(Dispute.status == args["status"])
    return paginate(db.session, stmt, [SortKey(Dispute.id, descending=True)], args)


def own_disputes(identity: Identity, args: dict) -> dict:
    uscc = require_verified_enterprise(identity)
    return paginate(db.session, select(Dispute).where(Dispute.uscc == uscc), [SortKey(Dispute.id, descending=True)],
                    args)


def decide(identity: Identity, dispute_id: int, body: dict) -> Dispute:
    dispute = db.session.scalar(_scoped(select(Dispute), identity).where(Dispute.id == dispute_id))
    if dispute is None:
        raise NotFound("异议不存在")
    if dispute.status != OPEN:
        raise ApiError(409, "invalid_transition", "该异议已处理")
    decision = body["decision"]
    dispute.status = UPHELD if decision == "uphold" else REJECTED
    dispute.note = body.get("note")
    dispute.decided_by, dispute.decided_role, dispute.decided_at = identity.subject, identity.role, utcnow()
    if dispute.status == UPHELD:
        record = dispute.record
        record.dispute_upheld, record.dispute_note, record.updated_at = True, dispute.note, utcnow()
        db.session.flush()
        enterprise = db.session.get(Enterprise, dispute.uscc)
        db.session.expire(enterprise, ["records"])
        refresh_enterprise(enterprise, china_today())  # credit.risk_changed when the level moves
    record_event(db.session, OutboxMessage, "credit.dispute_resolved", dispute_event_data(dispute), SOURCE)
    db.session.commit()
    return dispute

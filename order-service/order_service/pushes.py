"""推荐清单 (小微企业融资协调工作机制): a government user pushes an open financing need of its region (or
below) to chosen institutions; each answers by `due_on` (RECOMMENDATION_DECISION_DAYS calendar days,
China time) — accepting it with one of its products, which makes a `submitted` order (source `push`)
with the need's consent and closes the need for everyone (needs.take_need, the same path as a claim,
so of a concurrent accept and claim exactly one wins), or declining it with a reason. A push past its
date becomes `overdue` once (the deadline job, with `mark-overdue`) and can still be answered.

Who sees what: the institution its own pushes, with the need and, from the push on, the enterprise's
credit record under the need's authorization; government users the pushes of needs in their region and
below; the admin all. Someone else's push or need is a 404.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import ApiError, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.schemas import json_number
from xyd_common.tokens import Identity

from .access import forbidden
from .credit_client import credit_record
from .models import (
    PUSH_ACCEPTED,
    PUSH_DECLINED,
    PUSH_OVERDUE,
    PUSH_PENDING,
    EnterpriseCredit,
    Institution,
    Need,
    NeedPush,
    NeedRegion,
    OutboxMessage,
    Product,
    db,
)
from .needs import OPEN, need_view, take_need
from .services import SOURCE
from .states import InvalidTransition
from .workdays import china_date

PENDING, ACCEPTED, DECLINED, OVERDUE = PUSH_PENDING, PUSH_ACCEPTED, PUSH_DECLINED, PUSH_OVERDUE
ANSWERABLE = (PENDING, OVERDUE)
NEWEST = [SortKey(NeedPush.id, descending=True)]
# The credit record is shown to the institution from the push on, not after it declined.
CREDIT_VISIBLE = (PENDING, OVERDUE, ACCEPTED)
FROM_PUSH_REMARK = "融资需求经政府推荐（推荐清单），机构接受后提交"


def push_event_data(push: NeedPush, need: Need) -> dict:
    """The data of every need.push* event (docs/events.md)."""
    return {"push_id": push.id, "need_id": need.id, "institution_id": push.institution_id,
            "institution_name": push.institution_name, "region_code": need.region_code,
            "enterprise_uscc": need.enterprise_uscc, "enterprise_name": need.enterprise_name,
            "amount": json_number(need.amount), "term_months": need.term_months, "status": push.status,
            "due_on": push.due_on.isoformat(), "note": push.note, "reason": push.reason,
            "order_id": push.order_id, "pushed_by": push.pushed_by,
            "decided_at": push.decided_at.isoformat() if push.decided_at else None,
            "credit_authorization": {"version": need.credit_authorization_version,
                                     "accepted_at": need.credit_authorized_at.isoformat()}}


def _record(push: NeedPush, need: Need, event_type: str) -> None:
    record_event(db.session, OutboxMessage, event_type, push_event_data(push, need), SOURCE)


# --- pushing -------------------------------------------------------------------------------------------

def _need_in_region(identity: Identity, need_id: int) -> Need:
    """The need, if the caller governs its region (or is the admin); else 404."""
    stmt = select(Need).where(Need.id == need_id)
    if identity.role == "government":
        stmt = stmt.where(Need.id.in_(select(NeedRegion.need_id).where(
            NeedRegion.region_code == (identity.region_code or "-"))))
    elif identity.role != "admin":
        raise forbidden("只有政府部门可以推送融资需求")
    need = db.session.scalar(stmt)
    if need is None:
        raise NotFound("融资需求不存在")
    return need


def _serving_institutions(need: Need, institution_ids: list[int]) -> list[Institution]:
    """The institutions named, each existing, active and with an active product serving the need's
    region; else 422 `institution_unavailable` naming the others."""
    path = set(db.session.scalars(select(NeedRegion.region_code).where(NeedRegion.need_id == need.id)))
    institutions = {i.id: i for i in db.session.scalars(select(Institution).where(
        Institution.id.in_(institution_ids)))}
    serving = {iid for iid, codes in db.session.execute(
        select(Product.institution_id, Product.region_codes).where(
            Product.institution_id.in_(institution_ids), Product.status == "active")) if set(codes or []) & path}
    unavailable = [iid for iid in institution_ids
                   if iid not in institutions or institutions[iid].status != "active" or iid not in serving]
    if unavailable:
        raise ValidationFailed({"institution_ids": [f"机构 {iid} 不存在、已停用或没有服务该企业所在地区的在售产品"
                                                    for iid in unavailable]},
                               code="institution_unavailable", message="所选机构不能受理该需求")
    return [institutions[iid] for iid in institution_ids]


def push_need(identity: Identity, need_id: int, body: dict) -> list[NeedPush]:
    """Push an open need to institutions: one `pending` push each, announced as need.pushed (the
    institution is told in the app and by SMS)."""
    need = _need_in_region(identity, need_id)
    if need.status != OPEN or need.expires_at <= utcnow():
        raise InvalidTransition("该需求已办结或已失效，不能推送")
    ids = list(dict.fromkeys(body["institution_ids"]))
    institutions = _serving_institutions(need, ids)
    already = set(db.session.scalars(select(NeedPush.institution_id).where(
        NeedPush.need_id == need.id, NeedPush.institution_id.in_(ids))))
    if already:
        raise ApiError(409, "already_pushed", "该需求已推送给所选的部分机构",
                       errors={"institution_ids": [f"已推送给机构 {iid}" for iid in sorted(already)]})
    now = utcnow()
    due_on = china_date(now) + timedelta(days=current_app.config["RECOMMENDATION_DECISION_DAYS"])
    pushes = [NeedPush(need_id=need.id, institution_id=i.id, institution_name=i.name, region_code=need.region_code,
                       status=PENDING, due_on=due_on, note=body.get("note"), pushed_by=identity.user_id,
                       pushed_at=now) for i in institutions]
    db.session.add_all(pushes)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent push to the same institution won
        db.session.rollback()
        raise ApiError(409, "already_pushed", "该需求已推送给所选的部分机构") from None
    for push in pushes:
        _record(push, need, "need.pushed")
    db.session.commit()
    return pushes


# --- reading -------------------------------------------------------------------------------------------

def _scope(stmt, identity: Identity):
    if identity.role == "institution":
        if identity.institution_id is None:
            raise forbidden("账号未绑定金融机构")
        return stmt.where(NeedPush.institution_id == identity.institution_id)
    if identity.role == "government":
        return stmt.where(NeedPush.need_id.in_(select(NeedRegion.need_id).where(
            NeedRegion.region_code == (identity.region_code or "-"))))
    if identity.role == "admin":
        return stmt
    raise forbidden("没有权限")


def _with_needs(identity: Identity, pushes: list[NeedPush]) -> list[NeedPush]:
    """Each push with its need (risk and whitelist state as the needs list shows them); for the
    institution also the enterprise's credit record under the need's authorization."""
    needs = {n.id: n for n in db.session.scalars(select(Need).where(Need.id.in_({p.need_id for p in pushes})))}
    credit = {row.uscc: row for row in db.session.scalars(select(EnterpriseCredit).where(
        EnterpriseCredit.uscc.in_({n.enterprise_uscc for n in needs.values()})))}
    for push in pushes:
        push.need = need_view(needs[push.need_id], credit.get(needs[push.need_id].enterprise_uscc))
        push.credit_record = push.credit_record_error = None
        if identity.role == "institution" and push.status in CREDIT_VISIBLE:
            push.credit_record, push.credit_record_error = credit_record(push.need.enterprise_uscc, identity,
                                                                         push.order_id)
    return pushes


def list_pushes(identity: Identity, args: dict, need_id: int | None = None) -> dict:
    """`GET /needs/pushes` (the caller's scope) and `GET /needs/{id}/pushes` (one need's, for the
    government that manages it), newest first."""
    if need_id is not None:
        if identity.role not in ("government", "admin"):
            raise forbidden("没有权限")
        _need_in_region(identity, need_id)
    stmt = _scope(select(NeedPush), identity)
    if need_id is not None:
        stmt = stmt.where(NeedPush.need_id == need_id)
    if args.get("status"):
        stmt = stmt.where(NeedPush.status == args["status"])
    page = paginate(db.session, stmt, NEWEST, args)
    page["items"] = _with_needs(identity, page["items"])
    return page


# --- answering -----------------------------------------------------------------------------------------

def _own_push(identity: Identity, push_id: int) -> tuple[NeedPush, Need]:
    push = db.session.get(NeedPush, push_id)
    if push is None or identity.role != "institution" or push.institution_id != identity.institution_id:
        raise NotFound("推送记录不存在")
    if push.status not in ANSWERABLE:
        raise InvalidTransition("该推送已答复")
    return push, db.session.get(Need, push.need_id)


def _answered(push: NeedPush, identity: Identity, status: str, now: datetime) -> None:
    """The conditional UPDATE that answers the push once (a second, concurrent answer gets a 409)."""
    won = db.session.execute(update(NeedPush).where(NeedPush.id == push.id, NeedPush.status.in_(ANSWERABLE))
                             .values(status=status, decided_at=now, decided_by=identity.user_id,
                                     answered_in_time=china_date(now) <= push.due_on)).rowcount == 1
    if not won:
        db.session.rollback()
        raise InvalidTransition("该推送已答复")
    db.session.refresh(push)


def accept_push(identity: Identity, push_id: int, product_id: int) -> NeedPush:
    """The institution accepts with one of its products: the need becomes its `submitted` order (source
    `push`, the need's consent) and is closed for everyone; need.push_accepted."""
    push, need = _own_push(identity, push_id)
    if need.status != OPEN or need.expires_at <= utcnow():
        raise InvalidTransition("该需求已被受理、撤销或已失效")
    now = utcnow()
    order = take_need(identity, need, product_id, "push", InvalidTransition("该需求已被其他机构受理"),
                      submitted_at=now, remark=FROM_PUSH_REMARK)
    _answered(push, identity, ACCEPTED, now)
    push.product_id, push.order_id = product_id, order.id
    _record(push, need, "need.push_accepted")
    db.session.commit()
    return push


def decline_push(identity: Identity, push_id: int, reason: str) -> NeedPush:
    push, need = _own_push(identity, push_id)
    now = utcnow()
    _answered(push, identity, DECLINED, now)
    push.reason = reason
    _record(push, need, "need.push_declined")
    db.session.commit()
    return push


def mark_overdue_pushes(now: datetime | None = None, batch_size: int = 500) -> int:
    """Pending pushes of still open needs past their `due_on` become `overdue`, once each, with
    need.push_overdue (the institution and the government user who pushed are told); returns how
    many. Safe in several processes at once: rows are claimed FOR UPDATE SKIP LOCKED and the UPDATE
    re-checks `pending`."""
    now = now or utcnow()
    today = china_date(now)
    marked = 0
    while True:
        due = (select(NeedPush.id).join(Need, Need.id == NeedPush.need_id)
               .where(NeedPush.status == PENDING, NeedPush.due_on < today, Need.status == OPEN)
               .order_by(NeedPush.due_on).limit(batch_size).with_for_update(skip_locked=True, of=NeedPush))
        pushes = db.session.scalars(
            update(NeedPush).where(NeedPush.id.in_(due.scalar_subquery()), NeedPush.status == PENDING)
            .values(status=OVERDUE, overdue_at=now).returning(NeedPush),
            execution_options={"synchronize_session": False}).all()
        needs = {n.id: n for n in db.session.scalars(select(Need).where(Need.id.in_({p.need_id for p in pushes})))}
        for push in pushes:
            _record(push, needs[push.need_id], "need.push_overdue")
        db.session.commit()
        marked += len(pushes)
        if len(pushes) < batch_size:
            return marked

"""Use cases of order-service that change orders: applying for a loan, the state moves, and the
acceptance-deadline job. Each commits once, with its history row and its order.* event in the outbox.

Who may see an order is access.py's (someone else's order is a 404, never a 403).
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import literal, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from xyd_common.errors import ApiError, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.labels import REPAYMENT_METHOD_NAMES
from xyd_common.schemas import json_number
from xyd_common.tokens import Identity, require_verified_enterprise

from . import consent, enterprise_credit, figures, states
from .access import region_path, visible_order
from .models import (
    EnterpriseOwner,
    Institution,
    Order,
    OrderHistory,
    OrderNumberCounter,
    OrderRegion,
    OutboxMessage,
    Product,
    db,
)
from .states import MOVES, SUBMITTED, InvalidTransition, target_of
from .workdays import china_date

log = logging.getLogger(__name__)

SOURCE = "order-service"
ORDER_NO_PREFIX = "XC"


# --- events ----------------------------------------------------------------------------------------

def event_data(order: Order, previous_status: str | None) -> dict:
    """The data of every order.* event (docs/events.md)."""
    data = {
        "order_id": order.id, "order_no": order.order_no, "status": order.status,
        "previous_status": previous_status, "product_id": order.product_id, "product_name": order.product_name,
        "institution_id": order.institution_id, "institution_name": order.institution_name,
        "enterprise_uscc": order.enterprise_uscc, "enterprise_name": order.enterprise_name,
        "region_code": order.region_code, "amount": json_number(order.amount), "term_months": order.term_months,
        "applicant_user_id": order.applicant_user_id, "source": order.source,
        # The consent every event stands for (never the applicant's address).
        "credit_authorization": {"version": order.credit_authorization_version,
                                 "accepted_at": order.credit_authorized_at.isoformat()},
    }
    if order.status == states.SUBMITTED:
        data["accept_deadline"] = order.accept_deadline.isoformat()
        data["accept_overdue"] = order.accept_overdue
    if order.status == states.TERMINATED:
        data["reason"] = order.reason
    if order.status == states.RETURNED:
        data.update(reason=order.return_reason, items=list(order.return_items or []))
    if order.status in (states.CREDIT_GRANTED, states.DISBURSED):
        data.update(granted_amount=json_number(order.granted_amount), granted_rate=json_number(order.granted_rate),
                    granted_term_months=order.granted_term_months)
    if order.status == states.DISBURSED:
        # What loan-service opens the loan with (CONTRACT v4, "Loans after disbursement").
        data.update(disbursed_amount=json_number(order.disbursed_amount),
                    disbursed_on=order.disbursed_on.isoformat(), repayment_method=order.repayment_method,
                    renewal=bool(order.renewal), whitelisted=bool(order.disbursed_whitelisted),
                    submitted_at=order.created_at.isoformat())
    return data


def _record(order: Order, previous_status: str | None, actor_id: int | None, actor_role: str,
            remark: str | None, at: datetime, event_type: str | None = None, action: str | None = None,
            **extra) -> None:
    db.session.add(OrderHistory(order_id=order.id, from_status=previous_status, to_status=order.status,
                                actor_id=actor_id, actor_role=actor_role, remark=remark, at=at))
    record_event(db.session, OutboxMessage, event_type or states.event_type(order.status, action),
                 {**event_data(order, previous_status), **extra}, SOURCE)


# --- for loan-service ---

INTERNAL_PAGE = 500
CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{1,18})$")


def disbursed_after(after: str | None) -> dict:
    """A page of every disbursed order as `order.disbursed` carries it, oldest disbursement first (then
    by id): for loan-service opening the loans of orders disbursed before it ran, in the platform's
    order, so that its first loans are decided as they happened."""
    stmt = (select(Order).where(Order.status == states.DISBURSED)
            .order_by(Order.disbursed_on, Order.id).limit(INTERNAL_PAGE))
    if after:
        match = CURSOR.match(after)
        if match is None:
            raise ValidationFailed({"after": ["翻页游标无效"]})
        stmt = stmt.where(tuple_(Order.disbursed_on, Order.id) > (date.fromisoformat(match[1]), int(match[2])))
    orders = db.session.scalars(stmt).all()
    cursor = f"{orders[-1].disbursed_on.isoformat()}_{orders[-1].id}" if len(orders) == INTERNAL_PAGE else None
    return {"items": [event_data(order, states.CREDIT_GRANTED) for order in orders], "next_cursor": cursor}


# --- applying --------------------------------------------------------------------------------------

def _fingerprint(body: dict) -> str:
    """What makes two requests "the same body" for Idempotency-Key: the loaded values, so 100 and
    100.0 or a phone with +86 count as the same."""
    canonical = {k: (str(v.normalize()) if isinstance(v, Decimal) else v) for k, v in sorted(body.items())}
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _earlier_request(user_id: int, key: str, fingerprint: str) -> Order | None:
    order = db.session.scalar(select(Order).where(Order.applicant_user_id == user_id,
                                                  Order.idempotency_key == key))
    if order is not None and order.request_fingerprint != fingerprint:
        # draft-ietf-httpapi-idempotency-key-header: a key reused for another payload is a 422.
        raise ValidationFailed({"Idempotency-Key": ["该幂等键已用于另一份申请"]}, code="idempotency_key_reused",
                               message="幂等键已用于内容不同的申请，请换一个新的幂等键")
    return order


def _available_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    institution = db.session.get(Institution, product.institution_id) if product else None
    # No institution row yet (its event not received) leaves the product's own status to decide:
    # product-service publishes products of active institutions only.
    if product is None or product.status != "active" or (institution is not None and institution.status != "active"):
        raise ValidationFailed({"product_id": ["产品不存在或已下架"]}, code="product_unavailable",
                               message="该产品暂不可申请（不存在、已下架或机构已停用）")
    return product


def _check_fit(product: Product, body: dict, path: list[str]) -> None:
    if not product.amount_min <= body["amount"] <= product.amount_max:
        low, high = json_number(product.amount_min), json_number(product.amount_max)
        raise ValidationFailed({"amount": [f"申请金额应在 {low} 到 {high} 万元之间"]}, code="amount_out_of_range",
                               message="申请金额超出产品额度范围")
    if not product.term_min_months <= body["term_months"] <= product.term_max_months:
        raise ValidationFailed(
            {"term_months": [f"申请期限应在 {product.term_min_months} 到 {product.term_max_months} 个月之间"]},
            code="term_out_of_range", message="申请期限超出产品期限范围")
    if not set(product.region_codes) & set(path):
        raise ValidationFailed({"product_id": ["该产品不服务贵企业所在地区"]}, code="region_not_served",
                               message="该产品不服务贵企业所在地区")


def _open_order_conflict() -> ApiError:
    return ApiError(409, "duplicate_open_order", "您已有该产品正在办理中的申请，请勿重复申请")


def _verified_enterprise(identity: Identity) -> EnterpriseOwner:
    """The applicant's enterprise as auth-service announced it on approving the verification
    (`auth.enterprise_verified`): its name and its registered region, never what a registration claimed."""
    uscc = require_verified_enterprise(identity)
    owner = db.session.get(EnterpriseOwner, uscc)
    if owner is None or owner.user_id != identity.user_id:
        # auth.enterprise_verified has not reached this service yet (a second or so after approval).
        raise ApiError(503, "service_unavailable", "企业认证信息同步中，请稍后重试", headers={"Retry-After": "2"})
    return owner


def _next_order_no(now: datetime) -> str:
    """XC + the China date + that day's running number (at least six digits). The day's counter row
    stays locked until the order commits, so numbers are unique and without gaps."""
    day = china_date(now)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(OrderNumberCounter).values(day=day, last_value=1)
            .on_conflict_do_update(index_elements=[OrderNumberCounter.day],
                                   set_={"last_value": OrderNumberCounter.last_value + 1})
            .returning(OrderNumberCounter.last_value))
    number = db.session.execute(stmt).scalar_one()
    return f"{ORDER_NO_PREFIX}{day:%Y%m%d}{number:06d}"


@dataclass(frozen=True)
class Application:
    order: Order
    replayed: bool  # an earlier request with the same Idempotency-Key made it


def _replay(identity: Identity, idempotency_key: str | None, fingerprint: str) -> Application | None:
    """The answer to an earlier request with this Idempotency-Key (and body), if one made an order."""
    if idempotency_key and (earlier := _earlier_request(identity.user_id, idempotency_key, fingerprint)):
        return Application(earlier, True)
    return None


def _check_no_open_order(enterprise: EnterpriseOwner, product: Product) -> None:
    if db.session.scalar(select(Order.id).where(Order.enterprise_uscc == enterprise.uscc,
                                                Order.product_id == product.id,
                                                Order.status.in_(states.OPEN_STATUSES)).limit(1)):
        raise _open_order_conflict()


def _check_whitelist(product: Product, credit) -> None:
    if product.whitelist_only and not credit.whitelisted:
        raise ValidationFailed({"product_id": ["该产品为白名单专属产品，仅限信易贷白名单企业申请"]},
                               code="whitelist_required", message="该产品仅限信易贷白名单企业申请")


def _new_order(identity: Identity, enterprise: EnterpriseOwner, product: Product, credit, body: dict,
               version: int | None, client_ip: str | None, now: datetime) -> Order:
    institution = db.session.get(Institution, product.institution_id)
    return Order(
        status=SUBMITTED, product_id=product.id, product_name=product.name, institution_id=product.institution_id,
        institution_name=institution.name if institution else product.institution_name,
        enterprise_uscc=enterprise.uscc, enterprise_name=enterprise.enterprise_name,
        region_code=enterprise.region_code or "", applicant_user_id=identity.user_id,
        amount=body["amount"], term_months=body["term_months"], purpose=body["purpose"],
        contact_name=body.get("contact_name"), contact_phone=body.get("contact_phone"),
        credit_authorized=True, credit_authorized_at=now, credit_authorization_version=version,
        credit_authorized_by=identity.user_id, credit_authorization_ip=client_ip,
        accept_deadline=_acceptance_deadline(now),
        accept_overdue=False, risk_level=credit.risk_level, risk_tags=credit.risk_tags,
        whitelisted=credit.whitelisted, created_at=now, updated_at=now,
    )


def apply_for_loan(identity: Identity, body: dict, idempotency_key: str | None = None,
                   client_ip: str | None = None) -> Application:
    """An enterprise applies for a product: checked against the local copy of the product, numbered,
    given its acceptance deadline and its enterprise's current risk and whitelist state
    (enterprise_credit), announced as order.submitted. A retry with the same Idempotency-Key gets the
    first request's order, also when the two race."""
    enterprise = _verified_enterprise(identity)
    version = consent.accepted_version(body)
    fingerprint = _fingerprint(body)
    if replayed := _replay(identity, idempotency_key, fingerprint):
        return replayed

    product = _available_product(body["product_id"])
    path = region_path(enterprise.region_code) if enterprise.region_code else []
    _check_fit(product, body, path)
    try:
        _check_no_open_order(enterprise, product)
    except ApiError:
        # The open order may be this very request's, made by a retry that committed a moment ago.
        if replayed := _replay(identity, idempotency_key, fingerprint):
            return replayed
        raise
    # Before the order number: credit-service may be asked (up to CREDIT_RISK_TIMEOUT_SECONDS), and the
    # day's counter row must not stay locked meanwhile.
    credit = enterprise_credit.state_for_new_order(enterprise.uscc)
    _check_whitelist(product, credit)

    now = utcnow()
    order = _new_order(identity, enterprise, product, credit, body, version, client_ip, now)
    if idempotency_key:
        order.idempotency_key, order.request_fingerprint = idempotency_key, fingerprint
    # Numbered last: the day's counter row is locked from here to the commit.
    order.order_no = _next_order_no(now)
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent request won: the same Idempotency-Key (then answer with its order), or another
        # open order for this product (the partial unique index).
        db.session.rollback()
        if replayed := _replay(identity, idempotency_key, fingerprint):
            return replayed
        raise _open_order_conflict() from None
    db.session.add_all(OrderRegion(region_code=code, created_at=now, order_id=order.id)
                       for code in dict.fromkeys(path or [order.region_code]))
    _record(order, None, identity.user_id, identity.role, "提交申请", now)
    db.session.commit()
    return Application(order, False)


# --- state moves -----------------------------------------------------------------------------------

def _check_grant(order: Order, body: dict) -> None:
    if body["amount"] > order.amount:
        raise ValidationFailed({"amount": [f"授信金额不能超过申请金额 {json_number(order.amount)} 万元"]})


def repayment_method_for(order: Order, chosen: str | None) -> str:
    """The disbursement's repayment method: one the product offers (its first when none is named). A
    product copy from before repayment methods were copied (empty list) takes any method of the
    contract, and `flexible` by default, so that disbursing never waits for a product event."""
    product = db.session.get(Product, order.product_id)
    offered = list(product.repayment_methods or []) if product is not None else []
    if chosen is None:
        return offered[0] if offered else "flexible"
    if offered and chosen not in offered:
        names = "、".join(REPAYMENT_METHOD_NAMES[m] for m in offered if m in REPAYMENT_METHOD_NAMES)
        raise ValidationFailed({"repayment_method": [f"该产品的还款方式为：{names}"]},
                               code="repayment_method_not_offered", message="该产品不提供所选的还款方式")
    return chosen


def credit_only(product_id: int) -> bool:
    """Whether the product lends on credit alone (信用贷款: its only guarantee method is `credit`)."""
    product = db.session.get(Product, product_id)
    return product is not None and list(product.guarantee_methods or []) == ["credit"]


def _check_disbursement(order: Order, body: dict, now: datetime) -> None:
    errors = {}
    if body["amount"] > order.granted_amount:
        errors["amount"] = [f"放款金额不能超过授信金额 {json_number(order.granted_amount)} 万元"]
    if body["disbursed_on"] > china_date(now):
        errors["disbursed_on"] = ["放款日期不能晚于今天"]
    elif order.granted_at and body["disbursed_on"] < china_date(order.granted_at):
        errors["disbursed_on"] = ["放款日期不能早于授信日期"]
    if errors:
        raise ValidationFailed(errors)


def _acceptance_deadline(now: datetime):
    """The last working day (China calendar) to accept an order submitted at `now`."""
    calendar = current_app.extensions["order_service_calendar"]
    return calendar.add_workdays(china_date(now), current_app.config["ORDER_ACCEPT_DAYS"])


def move_order(identity: Identity, order_id: int, action: str, body: dict | None = None) -> Order:
    """accept | grant | disburse | terminate | withdraw | return | resubmit, as states.MOVES allows; the
    owning institution's users (or the applicant enterprise, for withdraw and resubmit) only."""
    body = body or {}
    order = visible_order(identity, order_id)
    if identity.role != MOVES[action].role:
        raise ApiError(403, "forbidden", "没有权限")
    if identity.role == "enterprise":
        require_verified_enterprise(identity)  # acting for the enterprise needs its verification
    previous = order.status
    order.status = target_of(action, previous)
    now = utcnow()
    remark = body.get("remark")
    if action == "accept":
        order.accepted_at = now
        order.accept_seconds = max(0, int((now - order.created_at).total_seconds()))
    elif action == "grant":
        _check_grant(order, body)
        order.granted_amount, order.granted_rate = body["amount"], body["rate"]
        order.granted_term_months, order.granted_at = body["term_months"], now
        remark = (f"授信 {json_number(body['amount'])} 万元，年利率 {json_number(body['rate'])}%，"
                  f"期限 {body['term_months']} 个月")
    elif action == "disburse":
        _check_disbursement(order, body, now)
        order.repayment_method = repayment_method_for(order, body.get("repayment_method"))
        order.renewal = body.get("renewal", False)
        order.disbursed_whitelisted = order.whitelisted
        order.credit_only = credit_only(order.product_id)
        order.disbursed_amount, order.disbursed_on = body["amount"], body["disbursed_on"]
        remark = f"{body['disbursed_on']:%Y-%m-%d} 放款 {json_number(body['amount'])} 万元"
        order.closed_at = now
    elif action == "terminate":
        order.reason = remark = body["reason"]
        order.closed_at = now
    elif action == "withdraw":
        order.closed_at = now
    elif action == "return":
        order.return_reason, order.return_items, order.returned_at = body["reason"], body["items"], now
        # The history's remark column holds 500 characters; the order keeps the whole reason and list.
        remark = f"退回补正：{body['reason']}（需补充：{'、'.join(body['items'])}）"[:500]
    elif action == "resubmit":
        # The institution's time to accept starts again; the wait for the enterprise never counted.
        # Returned after acceptance, it is to be accepted again: not accepted until then.
        order.accept_deadline, order.accept_overdue = _acceptance_deadline(now), False
        order.accepted_at = order.accept_seconds = None
        remark = body.get("note") or "已补正材料，重新提交"
    order.updated_at = now
    extra = {"note": body.get("note")} if action == "resubmit" else {}
    _record(order, previous, identity.user_id, identity.role, remark, now, action=action, **extra)
    try:
        # UPDATE orders ... WHERE id = :id AND version = :seen: a concurrent move that committed first
        # leaves no row to update.
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise InvalidTransition("订单状态已被他人更新，请刷新后重试") from None
    return order


# --- government assistance (督办) --------------------------------------------------------------------

URGE_INTERVAL = timedelta(hours=24)


def urge_order(identity: Identity, order_id: int, message: str) -> Order:
    """A government user of the order's region (or the admin) urges the institution on an open order:
    a history row, `order.urged` (the institution's users are told in the app and by SMS); at most
    once per order per 24 hours."""
    order = visible_order(identity, order_id)
    if order.status in states.FINAL_STATUSES:
        raise InvalidTransition(f"订单已{states.STATUS_LABELS[order.status]}，无需督办")
    now = utcnow()
    if order.last_urged_at is not None and now - order.last_urged_at < URGE_INTERVAL:
        raise ApiError(409, "already_urged", "该订单 24 小时内已督办过，请稍后再试")
    order.urged_count += 1
    order.last_urged_at = order.updated_at = now
    _record(order, order.status, identity.user_id, identity.role, message, now, "order.urged", message=message)
    try:
        db.session.commit()
    except StaleDataError:  # a concurrent move or urge won
        db.session.rollback()
        raise ApiError(409, "already_urged", "该订单刚被更新，请刷新后重试") from None
    return order


# --- consent revoked -------------------------------------------------------------------------------

REVOCABLE_STATUSES = (states.SUBMITTED, states.ACCEPTED, states.RETURNED, states.CREDIT_GRANTED)
REVOKED_REMARK = "授权撤回"


def withdraw_for_revoked_consent(order_id: int, revoked_by: int | None, revoked_at: datetime) -> Order | None:
    """The enterprise revoked the credit authorization of an order (credit.authorization_revoked): a
    not yet disbursed order is withdrawn — for this cause also from credit_granted — with the remark
    授权撤回. Called by the event handler; the consumer commits."""
    order = db.session.get(Order, order_id)
    if order is None:
        return None
    order.credit_revoked_at = order.credit_revoked_at or revoked_at
    if order.status in REVOCABLE_STATUSES:
        previous, order.status = order.status, states.WITHDRAWN
        now = utcnow()
        order.closed_at = order.updated_at = now
        _record(order, previous, revoked_by, "enterprise", REVOKED_REMARK, now)
    return order


# --- the acceptance deadline -----------------------------------------------------------------------

def mark_overdue_orders(now: datetime | None = None, batch_size: int = 500) -> int:
    """Mark orders still `submitted` after their acceptance deadline (a China date) as accept_overdue,
    once each, with an order.accept_overdue event; returns how many. A `returned` order waits for
    the enterprise, not the institution: it is never marked (its resubmission sets a new deadline).
    Safe to run in several processes at once: each batch claims its rows with FOR UPDATE SKIP LOCKED,
    and the UPDATE re-checks `NOT accept_overdue`, so a row is marked, and announced, by exactly one
    of them."""
    now = now or utcnow()
    today = china_date(now)
    # Rendered into the SQL, not bound, so that PostgreSQL matches the partial index
    # ix_orders_awaiting_acceptance also under a prepared statement's generic plan.
    submitted = literal(states.SUBMITTED, literal_execute=True)
    marked = 0
    while True:
        due = (select(Order.id)
               .where(Order.status == submitted, ~Order.accept_overdue, Order.accept_deadline < today)
               .order_by(Order.accept_deadline).limit(batch_size).with_for_update(skip_locked=True))
        orders = db.session.scalars(
            update(Order).where(Order.id.in_(due.scalar_subquery()), Order.status == submitted,
                                ~Order.accept_overdue)
            .values(accept_overdue=True, updated_at=now).returning(Order),
            execution_options={"synchronize_session": False}).all()
        # A bulk UPDATE passes by the ORM's flush: the figures learn of it here, in its transaction.
        figures.record_changes(db.session, [({**counted, "accept_overdue": False}, counted)
                                            for counted in map(figures.counted_values, orders)])
        for order in orders:
            remark = f"超过受理截止日 {order.accept_deadline:%Y-%m-%d} 仍未受理"
            _record(order, states.SUBMITTED, None, "system", remark, now, event_type="order.accept_overdue")
        db.session.commit()
        marked += len(orders)
        if len(orders) < batch_size:
            return marked


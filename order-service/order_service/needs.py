"""Financing needs (融资需求发布 / 抢单): an enterprise posts what it needs, institutions whose products
serve its region see it (with its risk level and whitelist state, never its credit record) and claim it
with a product that fits. Exactly one claim wins; the need becomes an order of that institution,
already accepted, announced as order.submitted then order.accepted with the need's consent, so the
enterprise's authorization covers the claiming institution. Needs live in order-service because they
become orders here (one transaction, one order number sequence, one consent record).
"""

import logging
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import ApiError, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.schemas import json_number
from xyd_common.tokens import Identity

from . import consent, enterprise_credit, states
from .access import region_path
from .credit_client import token_client
from .models import EnterpriseCredit, Need, NeedRegion, Order, OrderRegion, OutboxMessage, Product, db
from .services import (
    SOURCE,
    _available_product,
    _check_fit,
    _next_order_no,
    _record,
    _verified_enterprise,
)
from .workdays import china_date

log = logging.getLogger(__name__)

OPEN, CLAIMED, EXPIRED, CANCELLED = "open", "claimed", "expired", "cancelled"
MAX_OPEN_NEEDS = 3
FROM_NEED_REMARK = "来自融资需求（机构抢单）"


def need_event_data(need: Need, notify_institution_ids: list[int] | None = None) -> dict:
    data = {"need_id": need.id, "enterprise_uscc": need.enterprise_uscc, "region_code": need.region_code,
            "amount": json_number(need.amount), "term_months": need.term_months, "status": need.status,
            "order_id": need.order_id, "institution_id": need.institution_id}
    if notify_institution_ids is not None:
        # Who notification-service tells of a new need: the institutions with a product serving it.
        data["institution_ids"] = notify_institution_ids
    return data


def _institutions_serving(path: list[str]) -> list[int]:
    rows = db.session.execute(select(Product.institution_id, Product.region_codes)
                              .where(Product.status == "active")).all()
    return sorted({institution_id for institution_id, codes in rows if set(codes or []) & set(path)})


def _matches(identity: Identity, body: dict, region_code: str) -> list:
    """The top 5 recommendations for the need, from product-service; [] when it cannot answer."""
    app = current_app
    url = f"{app.config['PRODUCT_SERVICE_URL'].rstrip('/')}/internal/products/recommendations"
    params = {"region_code": region_code, "uscc": identity.verified_uscc, "amount": str(body["amount"]),
              "term_months": body["term_months"], "per_page": 5}
    if body["guarantee_methods"]:
        params["guarantee_method"] = body["guarantee_methods"][0]
    try:
        resp = requests.get(url, params=params, headers=token_client(app).headers(),
                            timeout=app.config["CREDIT_SERVICE_TIMEOUT_SECONDS"])
        if resp.status_code == 200:
            return resp.json()["items"]
        log.warning("product-service answered %s for recommendations", resp.status_code)
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("recommendations unavailable: %s", exc.__class__.__name__)
    return []


def post_need(identity: Identity, body: dict, client_ip: str | None) -> tuple[Need, list]:
    enterprise = _verified_enterprise(identity)
    version = consent.accepted_version(body)
    open_count = db.session.scalar(select(db.func.count()).select_from(Need).where(
        Need.enterprise_uscc == enterprise.uscc, Need.status == OPEN))
    if open_count >= MAX_OPEN_NEEDS:
        raise ApiError(409, "too_many_open_needs",
                       f"最多同时发布 {MAX_OPEN_NEEDS} 条融资需求，请先撤销或等待已有需求办结")
    now = utcnow()
    need = Need(status=OPEN, enterprise_uscc=enterprise.uscc, enterprise_name=enterprise.enterprise_name,
                region_code=enterprise.region_code or "", user_id=identity.user_id, amount=body["amount"],
                term_months=body["term_months"], purpose=body["purpose"],
                guarantee_methods=sorted(set(body["guarantee_methods"])), credit_authorization_version=version,
                credit_authorized_at=now, credit_authorization_ip=client_ip,
                expires_at=now + timedelta(days=body["valid_days"]), created_at=now, updated_at=now)
    db.session.add(need)
    db.session.flush()
    path = region_path(need.region_code) if need.region_code else []
    db.session.add_all(NeedRegion(need_id=need.id, region_code=code) for code in dict.fromkeys(path))
    record_event(db.session, OutboxMessage, "need.posted", need_event_data(need, _institutions_serving(path)), SOURCE)
    db.session.commit()
    return need, _matches(identity, body, need.region_code)


def _scope(stmt, identity: Identity, args: dict, closed_too: bool = False):
    if identity.role == "enterprise":
        return stmt.where(Need.enterprise_uscc == (identity.verified_uscc or "-"))
    if identity.role == "institution":
        codes = set()
        for (region_codes,) in db.session.execute(select(Product.region_codes).where(
                Product.institution_id == identity.institution_id, Product.status == "active")):
            codes.update(region_codes or [])
        # Open needs of enterprises in the regions its active products serve, and the ones it claimed.
        # Claiming also finds the closed ones there, so a late claim hears `need_taken`, not "no such need".
        in_regions = Need.id.in_(select(NeedRegion.need_id).where(NeedRegion.region_code.in_(codes)))
        return stmt.where((in_regions if closed_too else in_regions & (Need.status == OPEN))
                          | (Need.institution_id == identity.institution_id))
    if identity.role == "government":
        return stmt.where(Need.id.in_(select(NeedRegion.need_id).where(
            NeedRegion.region_code == (identity.region_code or "-"))))
    return stmt  # admin


def list_needs(identity: Identity, args: dict) -> dict:
    stmt = _scope(select(Need), identity, args)
    if args.get("status"):
        stmt = stmt.where(Need.status == args["status"])
    if args.get("region_code"):
        stmt = stmt.where(Need.id.in_(select(NeedRegion.need_id).where(NeedRegion.region_code == args["region_code"])))
    if args.get("amount_min") is not None:
        stmt = stmt.where(Need.amount >= args["amount_min"])
    if args.get("amount_max") is not None:
        stmt = stmt.where(Need.amount <= args["amount_max"])
    page = paginate(db.session, stmt, [SortKey(Need.id, descending=True)], args)
    credit = {row.uscc: row for row in db.session.scalars(select(EnterpriseCredit).where(
        EnterpriseCredit.uscc.in_({n.enterprise_uscc for n in page["items"]})))}
    # Who claimed it, as people read it (the order carries the institution's name and the order number).
    claimed = {order_id: (order_no, name) for order_id, order_no, name in db.session.execute(
        select(Order.id, Order.order_no, Order.institution_name).where(
            Order.id.in_({n.order_id for n in page["items"] if n.order_id})))}
    for need in page["items"]:
        need.order_no, need.institution_name = claimed.get(need.order_id, (None, None))
        need_view(need, credit.get(need.enterprise_uscc))
    return page


def need_view(need: Need, credit: EnterpriseCredit | None) -> Need:
    """The need as lists show it to institutions: with the enterprise's risk level and whitelist state
    (never its credit record)."""
    need.risk = {"level": (credit.risk_level if credit and credit.risk_level else "unknown"),
                 "tags": list(credit.risk_tags or []) if credit and credit.risk_level else []}
    need.whitelisted = bool(credit and credit.whitelisted)
    return need


def _visible_need(identity: Identity, need_id: int, closed_too: bool = False) -> Need:
    need = db.session.scalar(_scope(select(Need), identity, {}, closed_too).where(Need.id == need_id))
    if need is None:
        raise NotFound("融资需求不存在")
    return need


def cancel_need(identity: Identity, need_id: int) -> Need:
    need = _visible_need(identity, need_id)
    if identity.role != "enterprise":
        raise ApiError(403, "forbidden", "只有发布需求的企业可以撤销")
    if need.status != OPEN:
        raise ApiError(409, "invalid_transition", "该需求已办结，不能撤销")
    won = db.session.execute(update(Need).where(Need.id == need.id, Need.status == OPEN)
                             .values(status=CANCELLED, updated_at=utcnow())).rowcount == 1
    if not won:
        db.session.rollback()
        raise ApiError(409, "need_taken", "该需求已被机构受理")
    db.session.refresh(need)
    record_event(db.session, OutboxMessage, "need.cancelled", need_event_data(need), SOURCE)
    db.session.commit()
    return need


def take_need(identity: Identity, need: Need, product_id: int, source: str, lost: ApiError,
              submitted_at: datetime | None = None, remark: str = "发布融资需求") -> Order:
    """The one path by which a need becomes an order, for a claim (抢单) and an accepted push (推荐清单):
    the institution's active product that fits; a conditional UPDATE of the need from `open` to
    `claimed`, won by exactly one of concurrent takers (the others get `lost`); a `submitted` order
    with the need's consent, announced as order.submitted, submitted at `submitted_at` (default: when the
    need was posted; its acceptance deadline counts from then), its history's first row saying `remark`.
    The caller adds its own steps and commits."""
    product = _available_product(product_id)
    if product.institution_id != identity.institution_id:
        raise ValidationFailed({"product_id": ["只能用本机构的产品受理"]}, code="product_unavailable",
                               message="只能用本机构在售的产品受理需求")
    path = region_path(need.region_code) if need.region_code else []
    _check_fit(product, {"amount": need.amount, "term_months": need.term_months}, path)
    credit = enterprise_credit.state_for_new_order(need.enterprise_uscc)
    if product.whitelist_only and not credit.whitelisted:
        raise ValidationFailed({"product_id": ["该产品为白名单专属产品，仅限信易贷白名单企业"]},
                               code="whitelist_required", message="该产品仅限信易贷白名单企业")
    now = utcnow()
    won = db.session.execute(update(Need).where(Need.id == need.id, Need.status == OPEN).values(
        status=CLAIMED, institution_id=identity.institution_id, claimed_at=now, updated_at=now)).rowcount == 1
    if not won:
        db.session.rollback()
        raise lost

    submitted_at = submitted_at or need.created_at
    calendar = current_app.extensions["order_service_calendar"]
    order = Order(
        status=states.SUBMITTED, source=source, need_id=need.id, product_id=product.id, product_name=product.name,
        institution_id=product.institution_id, institution_name=product.institution_name,
        enterprise_uscc=need.enterprise_uscc, enterprise_name=need.enterprise_name, region_code=need.region_code,
        applicant_user_id=need.user_id, amount=need.amount, term_months=need.term_months, purpose=need.purpose,
        credit_authorized=True, credit_authorized_at=need.credit_authorized_at,
        credit_authorization_version=need.credit_authorization_version, credit_authorized_by=need.user_id,
        credit_authorization_ip=need.credit_authorization_ip,
        accept_deadline=calendar.add_workdays(china_date(submitted_at), current_app.config["ORDER_ACCEPT_DAYS"]),
        accept_overdue=False, risk_level=credit.risk_level, risk_tags=credit.risk_tags,
        whitelisted=credit.whitelisted, created_at=submitted_at, updated_at=now)
    order.order_no = _next_order_no(now)
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:  # the enterprise already has an open order for this product
        db.session.rollback()
        raise ApiError(409, "duplicate_open_order", "该企业已有此产品正在办理中的申请，请换用其他产品") from None
    db.session.add_all(OrderRegion(region_code=code, created_at=order.created_at, order_id=order.id)
                       for code in dict.fromkeys(path or [order.region_code]))
    _record(order, None, need.user_id, "enterprise", remark, submitted_at)
    db.session.refresh(need)
    need.order_id = order.id
    return order


def claim_need(identity: Identity, need_id: int, product_id: int) -> Order:
    """An institution claims an open need with one of its active products that fits; exactly one of
    concurrent claims (and accepted pushes) wins, the others get 409 `need_taken`. The order is accepted
    at once."""
    need = _visible_need(identity, need_id, closed_too=True)
    if need.status != OPEN or need.expires_at <= utcnow():
        raise ApiError(409, "need_taken", "该需求已被其他机构受理或已失效")
    order = take_need(identity, need, product_id, "need", ApiError(409, "need_taken", "该需求已被其他机构受理"))
    # Accepted at once; the hours to accept count from the need's posting (scorecards).
    now = utcnow()
    order.status, order.accepted_at = states.ACCEPTED, now
    order.accept_seconds = max(0, int((now - need.created_at).total_seconds()))
    _record(order, states.SUBMITTED, identity.user_id, identity.role, FROM_NEED_REMARK, now)
    record_event(db.session, OutboxMessage, "need.claimed", need_event_data(need), SOURCE)
    db.session.commit()
    return order


def expire_needs(now: datetime | None = None) -> int:
    """Open needs past their end become `expired` (announced); returns how many. Safe in several
    processes at once: each row's conditional UPDATE is won once."""
    now = now or utcnow()
    expired = 0
    for need in db.session.scalars(select(Need).where(Need.status == OPEN, Need.expires_at <= now)).all():
        if db.session.execute(update(Need).where(Need.id == need.id, Need.status == OPEN)
                              .values(status=EXPIRED, updated_at=now)).rowcount == 1:
            db.session.refresh(need)
            record_event(db.session, OutboxMessage, "need.expired", need_event_data(need), SOURCE)
            expired += 1
    db.session.commit()
    return expired

"""order-service tables: loan orders with their history, the local copies (read model) of what other
services announce, handled events, and the outbox.

Order lists are keyset pages, newest first, in one of four scopes; each scope has its index so that
the 500th page costs what the first does:
- institution: `(institution_id, created_at, id)`, plus `(institution_id, status, created_at, id)` for
  its work queues (待受理, 已受理, ...);
- enterprise: `(enterprise_uscc, created_at, id)`;
- government (a region and everything below it): `order_regions`, one row per region on the path from
  the root to the applicant's region, indexed `(region_code, created_at, order_id)`: "orders of 许昌市"
  is then one equality, however many districts lie below;
- admin: `(created_at, id)`.

Searching by enterprise name (`LIKE '%...%'`) has a trigram index on PostgreSQL only; it is made by the
migration, not declared here (see migrations/env.py).
"""

from datetime import date, datetime
from decimal import Decimal

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.db_types import ExactDecimal, UtcDateTime
from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import OutboxMixin
from xyd_common.reference import InstitutionCopy, RegionCopy

from .states import OPEN_STATUSES

db = SQLAlchemy()

Money = ExactDecimal(14, 4)  # 万元 with 4 places: whole yuan
Rate = ExactDecimal(5, 2)    # percent per year with 2 places
Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

# credit-service's levels, and ours for an enterprise whose level could not be had yet.
ANNOUNCED_RISK_LEVELS = ("none", "low", "medium", "high")
RISK_LEVELS = (*ANNOUNCED_RISK_LEVELS, "unknown")

_OPEN = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
_AWAITING_ACCEPTANCE = "status = 'submitted' AND NOT accept_overdue"
_RISK_UNKNOWN = "risk_level = 'unknown'"


class Order(db.Model):
    """A loan application (融资订单) of an enterprise for one product, and how it was handled.

    Product, institution and enterprise names are copied in when the order is made: the order shows
    what the applicant applied for even after a product is renamed or disabled.

    The columns the pre-aggregated figures count (figures.py) keep their value before a change
    (`active_history`), even when the order was not read first: the figures subtract it."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(24), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, active_history=True)
    # Bumped by every state move (SQLAlchemy's version counter: UPDATE ... WHERE version = :seen), so of
    # two concurrent moves exactly one wins and the other gets a 409.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    product_name: Mapped[str] = mapped_column(String(100), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_name: Mapped[str] = mapped_column(String(200), nullable=False)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    applicant_user_id: Mapped[int] = mapped_column(Integer, nullable=False)

    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, active_history=True)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(11))
    # The applicant's consent to let this institution read its credit record for this order.
    credit_authorized: Mapped[bool] = mapped_column(Boolean, nullable=False)
    credit_authorized_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    # The consent's details (授权书): the text's version, who accepted it and from where (the address
    # stays here: it is never published). NULL version: an order from before versions existed.
    credit_authorization_version: Mapped[int | None] = mapped_column(Integer)
    credit_authorized_by: Mapped[int | None] = mapped_column(Integer)
    credit_authorization_ip: Mapped[str | None] = mapped_column(String(64))
    # When the enterprise revoked the consent (credit.authorization_revoked).
    credit_revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # A China date: the last working day on which the institution is expected to accept.
    accept_deadline: Mapped[date] = mapped_column(Date, nullable=False)
    accept_overdue: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, active_history=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), active_history=True)
    # Seconds from application to acceptance, kept for the statistics' average (portable, no date maths).
    accept_seconds: Mapped[int | None] = mapped_column(Integer, active_history=True)

    granted_amount: Mapped[Decimal | None] = mapped_column(Money, active_history=True)
    granted_rate: Mapped[Decimal | None] = mapped_column(Rate, active_history=True)
    granted_term_months: Mapped[int | None] = mapped_column(Integer)
    granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disbursed_amount: Mapped[Decimal | None] = mapped_column(Money, active_history=True)
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    # What loan-service opens the loan with (order.disbursed): one of the product's repayment methods,
    # whether the loan renews an earlier one (续贷), and the enterprise's whitelist state at that moment
    # (`whitelisted` below follows credit-service's changes; this one stays).
    repayment_method: Mapped[str | None] = mapped_column(String(20))
    renewal: Mapped[bool | None] = mapped_column(Boolean)
    disbursed_whitelisted: Mapped[bool | None] = mapped_column(Boolean)
    # Whether the product's only guarantee method was 信用 (credit) when the order was disbursed: the
    # statistics' credit_loan_share. NULL for orders disbursed before it was kept (counted as not).
    credit_only: Mapped[bool | None] = mapped_column(Boolean, active_history=True)
    # The loan after disbursement as loan-service's loan.* events announce it (status, outstanding
    # principal, and when the newest of them happened, so that a late older event changes nothing):
    # what the scorecards' non-performing ratio is counted from (figures.py).
    loan_status: Mapped[str | None] = mapped_column(String(20), active_history=True)
    loan_outstanding: Mapped[Decimal | None] = mapped_column(Money, active_history=True)
    loan_source_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was terminated
    # 退回补正: the institution's last return — why, and the documents it asked for (Chinese strings).
    return_reason: Mapped[str | None] = mapped_column(String(500))
    return_items: Mapped[list | None] = mapped_column(JSON)
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # "application" (the enterprise applied for a product), "need" (an institution claimed its need) or
    # "push" (an institution accepted a need the government pushed to it, 推荐清单).
    source: Mapped[str] = mapped_column(String(12), nullable=False, default="application",
                                        server_default="application")
    need_id: Mapped[int | None] = mapped_column(Integer)
    # 督办: how often a government user (or the admin) urged the institution, and when last.
    urged_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0",
                                             active_history=True)
    last_urged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # 代偿申请: how many claims the institution made on risk compensation funds for this order's loan
    # (loan-service's fund.claim_submitted; loans.py), counted on the scorecards.
    claim_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0",
                                             active_history=True)

    # The enterprise's credit state (EnterpriseCredit), copied onto each of its orders so that lists
    # filter and show it without a join; "unknown" while credit-service could not be asked.
    risk_level: Mapped[str] = mapped_column(String(10), nullable=False, default="unknown")
    risk_tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    whitelisted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    # Idempotency-Key of the creating request, per applicant, and a hash of its body.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    history: Mapped[list["OrderHistory"]] = relationship(order_by="OrderHistory.id", lazy="select",
                                                         back_populates="order")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("order_no", name="uq_orders_order_no"),
        UniqueConstraint("applicant_user_id", "idempotency_key", name="uq_orders_idempotency_key"),
        # One open order per enterprise and product, also under concurrent applications.
        Index("uq_orders_one_open_per_product", "enterprise_uscc", "product_id", unique=True,
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        Index("ix_orders_institution_newest", "institution_id", "created_at", "id"),
        Index("ix_orders_institution_status_newest", "institution_id", "status", "created_at", "id"),
        Index("ix_orders_enterprise_newest", "enterprise_uscc", "created_at", "id"),
        # An enterprise account not (yet) verified lists the orders it made itself.
        Index("ix_orders_applicant_newest", "applicant_user_id", "created_at", "id"),
        Index("ix_orders_newest", "created_at", "id"),
        # Status tabs of the platform-wide and regional lists (待受理 in a city, say).
        Index("ix_orders_status_newest", "status", "created_at", "id"),
        # The deadline job's question: which submitted orders, not yet marked, are past their deadline?
        Index("ix_orders_awaiting_acceptance", "accept_deadline",
              postgresql_where=text(_AWAITING_ACCEPTANCE), sqlite_where=text(_AWAITING_ACCEPTANCE)),
        # The credit reconciliation's question: which enterprises have orders whose risk is unknown?
        # Few rows at any time, so a small partial index.
        Index("ix_orders_risk_unknown", "enterprise_uscc",
              postgresql_where=text(_RISK_UNKNOWN), sqlite_where=text(_RISK_UNKNOWN)),
    )


class OrderRegion(db.Model):
    """The order is in this region or below it: one row per region on the path from the root to the
    applicant's region. Government lists walk `(region_code, created_at, order_id)` newest first (a
    region's orders are one equality, however many districts lie below); the key answers "is this
    order in that region?"; created_at is the order's."""

    __tablename__ = "order_regions"

    order_id: Mapped[int] = mapped_column(Id, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (Index("ix_order_regions_newest", "region_code", "created_at", "order_id"),)


class OrderHistory(db.Model):
    """One step of an order's life: who moved it from what to what, and why."""

    __tablename__ = "order_history"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))  # None: the application itself
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the platform (the deadline job)
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    remark: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    order: Mapped[Order] = relationship(back_populates="history")

    __table_args__ = (Index("ix_order_history_order", "order_id", "id"),)


class OrderNumberCounter(db.Model):
    """The last order number handed out on a China calendar day (XC<yyyymmdd><n>)."""

    __tablename__ = "order_number_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)


# --- the read model: other services' data as their events announced it ------------------------------

class Region(RegionCopy, db.Model):
    """auth-service's region (`region.created`), with its path from the root."""


class Institution(InstitutionCopy, db.Model):
    """auth-service's institution (`institution.*`): a disabled one's products take no applications."""


class Product(db.Model):
    """product-service's product (`product.*`): what an application is checked against, so that
    applying keeps working while product-service is down."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_name: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    amount_min: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_max: Mapped[Decimal] = mapped_column(Money, nullable=False)
    term_min_months: Mapped[int] = mapped_column(Integer, nullable=False)
    term_max_months: Mapped[int] = mapped_column(Integer, nullable=False)
    rate_min: Mapped[Decimal] = mapped_column(Rate, nullable=False)
    rate_max: Mapped[Decimal] = mapped_column(Rate, nullable=False)
    region_codes: Mapped[list] = mapped_column(JSON, nullable=False)
    # 还款方式 offered, in product-service's order: a disbursement names one of them (the first by
    # default). Empty until the product's next event or `sync-reference-data` (rows from before v4).
    repayment_methods: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    # 担保方式 offered (credit, guarantee, mortgage, pledge): a product offering credit alone makes its
    # disbursed orders 信用贷款 (credit_only). Empty until the product's next event (rows from before).
    guarantee_methods: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    # 白名单专属: only enterprises on the whitelist today may apply.
    whitelist_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class User(db.Model):
    """auth-service's user (`auth.user_created` / `auth.user_updated`): an applicant's enterprise name
    comes from here (the access token carries the USCC, not the name)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str | None] = mapped_column(String(100))
    institution_id: Mapped[int | None] = mapped_column(Integer)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class EnterpriseOwner(db.Model):
    """Who owns a USCC, as auth-service announces on approving an enterprise verification
    (`auth.enterprise_verified`): an application takes the enterprise's name and region from here.
    Registrations never write here, so a stranger claiming a USCC changes nothing."""

    __tablename__ = "enterprise_owners"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12))
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class Need(db.Model):
    """A financing need an enterprise posted (融资需求) for institutions to claim (抢单). Claimed, it
    becomes an accepted order of the claiming institution; otherwise it expires or is cancelled."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # open|claimed|expired|cancelled
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    guarantee_methods: Mapped[list] = mapped_column(JSON, nullable=False)
    credit_authorization_version: Mapped[int] = mapped_column(Integer, nullable=False)
    credit_authorized_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    credit_authorization_ip: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    order_id: Mapped[int | None] = mapped_column(Id)
    institution_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (
        Index("ix_needs_enterprise", "enterprise_uscc", "status"),
        Index("ix_needs_open_expiry", "status", "expires_at"),
        # The statistics' needs_posted: needs of a region posted in a date range.
        Index("ix_needs_region_created", "region_code", "created_at"),
    )


class NeedRegion(db.Model):
    """The need is in this region or below it (one row per region on its path), as OrderRegion."""

    __tablename__ = "need_regions"

    need_id: Mapped[int] = mapped_column(Id, ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)


# A push's statuses (pushes.py moves them; the statistics count them).
PUSH_PENDING, PUSH_ACCEPTED, PUSH_DECLINED, PUSH_OVERDUE = "pending", "accepted", "declined", "overdue"
_PUSH_PENDING = f"status = '{PUSH_PENDING}'"


class NeedPush(db.Model):
    """A need a government user pushed to one institution (推荐清单, pushes.py): the institution answers
    by accepting it with a product (an order, source `push`) or declining it with a reason, by `due_on`
    (a China date); past it the push is `overdue`, once, and still answerable. `region_code` is the
    need's; `answered_in_time` is set with the answer (the scorecards' in-time rate)."""

    __tablename__ = "need_pushes"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    need_id: Mapped[int] = mapped_column(Id, ForeignKey("needs.id", ondelete="CASCADE"), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # pending|accepted|declined|overdue
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    pushed_by: Mapped[int | None] = mapped_column(Integer)
    pushed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[int | None] = mapped_column(Integer)
    answered_in_time: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(500))
    product_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Id)

    __table_args__ = (
        # One push per institution and need (409 already_pushed, also under concurrent pushes).
        UniqueConstraint("need_id", "institution_id", name="uq_need_pushes_need_institution"),
        Index("ix_need_pushes_institution", "institution_id", "status", "id"),
        Index("ix_need_pushes_region_pushed", "region_code", "pushed_at"),
        # The deadline job's question: which pending pushes are past their date?
        Index("ix_need_pushes_pending_due", "due_on", postgresql_where=text(_PUSH_PENDING),
              sqlite_where=text(_PUSH_PENDING)),
    )


class Visit(db.Model):
    """A government team's visit to an enterprise (走访), in the enterprise's region (visits.py)."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    visited_on: Mapped[date] = mapped_column(Date, nullable=False)  # a China date
    visitors: Mapped[str] = mapped_column(String(200), nullable=False)
    findings: Mapped[str] = mapped_column(String(2000), nullable=False)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (Index("ix_visits_region_visited", "region_code", "visited_on", "id"),
                      Index("ix_visits_uscc", "uscc"))


class AuthorizationTextVersion(db.Model):
    """A version of the credit-data authorization text (授权书) credit-service published
    (`credit.authorization_text_published`); the newest is the one applications must consent to."""

    __tablename__ = "authorization_text_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class EnterpriseCredit(db.Model):
    """credit-service's announced state of an enterprise (`credit.risk_changed`,
    `credit.whitelist_changed`, or its answer to `/internal/credit/risk`): what a new order starts with.

    The two halves come from separate events, so each has its own `*_source_at` (when the source said
    it) and may be unknown (NULL) while the other is known; a late, older event never undoes a newer
    state."""

    __tablename__ = "enterprise_credit"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    risk_level: Mapped[str | None] = mapped_column(String(10))
    risk_tags: Mapped[list | None] = mapped_column(JSON)
    risk_source_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    whitelisted: Mapped[bool | None] = mapped_column(Boolean)
    whitelist_source_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class OutboxMessage(OutboxMixin, db.Model):
    pass

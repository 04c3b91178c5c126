"""credit-service tables: enterprises with their credit records, whitelist entries and risk flags; the
local copy of the region tree; which institution an enterprise authorized through which order; the
log of every credit-record read; handled events and the outbox.

Each imported kind has the contract's upsert key as a unique constraint, so an import finds the row it
updates by that key and a repeated import cannot create a second one.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.db_types import ExactDecimal, UtcDateTime
from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import OutboxMixin, utcnow
from xyd_common.reference import RegionCopy

from .risk import NONE

db = SQLAlchemy()


Capital = ExactDecimal(18, 4)  # 万元 with 4 places: whole yuan


class Enterprise(db.Model):
    """An enterprise (or 个体工商户) and its registration details, keyed by its USCC.

    `risk_*` and `whitelist*` hold what credit-service last announced (credit.risk_changed,
    credit.whitelist_changed): a change is detected by comparing the recomputed state with them."""

    __tablename__ = "enterprises"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_representative: Mapped[str | None] = mapped_column(String(50))
    registered_capital: Mapped[Decimal | None] = mapped_column(Capital)
    established_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20))  # 登记状态 as registered: 存续, 在业, 吊销, 注销…
    industry: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(12))
    tax_credit_rating: Mapped[str | None] = mapped_column(String(1))
    risk_level: Mapped[str] = mapped_column(String(10), nullable=False, default=NONE)
    risk_tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    whitelisted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    whitelist_batch: Mapped[str | None] = mapped_column(String(50))
    whitelist_valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    records: Mapped[list["CreditRecord"]] = relationship(
        back_populates="enterprise", order_by=lambda: [CreditRecord.decided_on.desc(), CreditRecord.id.desc()])
    whitelist_entries: Mapped[list["WhitelistEntry"]] = relationship(
        back_populates="enterprise", order_by=lambda: [WhitelistEntry.listed_on, WhitelistEntry.id])
    risk_flags: Mapped[list["RiskFlag"]] = relationship(
        back_populates="enterprise", order_by=lambda: [RiskFlag.detected_on.desc(), RiskFlag.id.desc()])

    __table_args__ = (
        # Government users' scope and the whitelist's region filter.
        Index("ix_enterprises_region", "region_code"),
    )


class CreditRecord(db.Model):
    """One entry of an enterprise's credit record (信用记录): a licence, a penalty, a listing…"""

    __tablename__ = "credit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False)
    category: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    authority: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    # 公示期限: shown to institutions until this China date (see disclosure.py for the defaults).
    publish_until: Mapped[date | None] = mapped_column(Date)
    # 信用修复: the enterprise repaired its credit on this date; from then on the record is hidden.
    repaired_on: Mapped[date | None] = mapped_column(Date)
    # An upheld dispute (异议) hid or corrected the record; the reviewer's note says how.
    dispute_upheld: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dispute_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="records")
    disputes: Mapped[list["Dispute"]] = relationship(back_populates="record", order_by="Dispute.id")

    __table_args__ = (
        # The contract's upsert key; its leading uscc also serves "this enterprise's records".
        UniqueConstraint("uscc", "category", "title", "decided_on", name="uq_credit_records_key"),
    )


class WhitelistEntry(db.Model):
    """An enterprise on a batch of the 信易贷 whitelist (企业白名单), valid from `listed_on` until
    `valid_until` (open-ended when empty), both China dates."""

    __tablename__ = "whitelist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False)
    batch: Mapped[str] = mapped_column(String(50), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12))
    listed_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="whitelist_entries")

    __table_args__ = (
        UniqueConstraint("uscc", "batch", name="uq_whitelist_entries_key"),
        # The whitelist view: newest first, within a region.
        Index("ix_whitelist_entries_region", "region_code", "id"),
    )


class RiskFlag(db.Model):
    """A risk indicator raised against an enterprise by a source (法院, 税务, 市场监管…). `level` empty
    means the indicator's default (risk.INDICATOR_LEVELS)."""

    __tablename__ = "risk_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), nullable=False)
    indicator: Mapped[str] = mapped_column(String(30), nullable=False)
    level: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    detected_on: Mapped[date] = mapped_column(Date, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="risk_flags")

    __table_args__ = (UniqueConstraint("uscc", "indicator", "source", name="uq_risk_flags_key"),)


class Region(RegionCopy, db.Model):
    """auth-service's region, as announced by `region.created`, with its path from the root."""


class RegionAncestor(db.Model):
    """(ancestor, region) for every region and each region on its path, itself included: "a region and
    everything below it" is one indexed lookup on any database."""

    __tablename__ = "region_ancestors"

    ancestor_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)


class AuthorizationText(db.Model):
    """One version of the credit-data authorization (授权书) an applicant accepts. Versions are never
    changed or deleted: an authorization names the version (and its digest) it was given under."""

    __tablename__ = "authorization_texts"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    data_categories: Mapped[list] = mapped_column(JSON, nullable=False)
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)
    valid_days: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)  # sha256 of the text
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class OrderAuthorization(db.Model):
    """An enterprise's consent (授权) for an institution to read its credit record for one order, under
    one version of the authorization text. Learnt from order events only: what a caller claims is
    never trusted. Whether it still grants access is consent.py's rule."""

    __tablename__ = "order_authorizations"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    order_no: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int | None] = mapped_column(Integer)
    text_digest: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set when the order ends: withdrawn/terminated (access ends then), disbursed (post-loan access
    # until `access_until`).
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    access_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    authorized_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_order_authorizations_institution", "institution_id", "enterprise_uscc"),
        Index("ix_order_authorizations_enterprise", "enterprise_uscc", "authorized_at"),
    )


class PushAuthorization(db.Model):
    """A financing need's consent covering an institution the government pushed the need to (推荐清单):
    from the push until the institution declines or accepts it (then the order's authorization takes
    over) or the need closes. Learnt from order-service's need events only (handlers.py)."""

    __tablename__ = "push_authorizations"

    push_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    need_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # the push's: pending|accepted|declined|overdue
    version: Mapped[int | None] = mapped_column(Integer)
    authorized_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (
        Index("ix_push_authorizations_institution", "institution_id", "enterprise_uscc"),
        Index("ix_push_authorizations_need", "need_id"),
    )


class AccessLog(db.Model):
    """One read of a credit record (or an attempt, `granted` false): who, which enterprise, for which
    order, when."""

    __tablename__ = "access_logs"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    viewer_id: Mapped[str] = mapped_column(String(64), nullable=False)
    viewer_role: Mapped[str] = mapped_column(String(20), nullable=False)
    institution_id: Mapped[int | None] = mapped_column(Integer)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    order_id: Mapped[str | None] = mapped_column(String(36))
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    via: Mapped[str] = mapped_column(String(40), nullable=False)  # "api" or the calling service
    purpose: Mapped[str | None] = mapped_column(String(200))  # why it was read, as the enterprise sees it
    request_id: Mapped[str | None] = mapped_column(String(64))
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_access_logs_newest", "viewed_at", "id"),
        Index("ix_access_logs_uscc", "uscc", "viewed_at", "id"),
        Index("ix_access_logs_viewer", "viewer_id", "viewed_at", "id"),
    )


class Dispute(db.Model):
    """An enterprise's objection (异议) to one of its credit records, and the reviewer's decision:
    `uphold` corrects or hides the record, `reject` keeps it (with a note saying why)."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    contact: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, index=True)  # open|upheld|rejected
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_role: Mapped[str | None] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    record: Mapped[CreditRecord] = relationship(back_populates="disputes")


class LoanDefault(db.Model):
    """A loan of the enterprise that became non-performing (loan-service's `loan.non_performing`), with
    the `loan_default` credit record it added, and what became of it (written off, settled): the record
    is hidden once every defaulted loan of the enterprise is settled (loan_defaults.py). A loan settled
    before its default reached us (a redelivery overtaken) has a row without a record, so that the late
    older event changes nothing."""

    __tablename__ = "loan_defaults"

    loan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_no: Mapped[str] = mapped_column(String(40), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # non_performing|written_off|settled|...
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    # occurred_at of the newest loan event applied: an older one arriving late is ignored.
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (Index("ix_loan_defaults_enterprise", "uscc", "status"),)


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class OutboxMessage(OutboxMixin, db.Model):
    pass

"""loan-service tables: loans opened from `order.disbursed` with their schedules and repayments, the
business date, the copies (read model) of what other services announce, handled events, and the outbox.

Loan lists are keyset pages, newest disbursement first, in the same four scopes as orders, each with its
index: institution `(institution_id, disbursed_on, id)`, enterprise `(enterprise_uscc, disbursed_on, id)`,
government through `loan_regions` (one row per region on the path from the root to the loan's region),
admin `(disbursed_on, id)`.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.db_types import Id, Money, Rate, UtcDateTime
from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import OutboxMixin
from xyd_common.reference import InstitutionCopy, RegionCopy

db = SQLAlchemy()

REPAYING, OVERDUE, NON_PERFORMING, SETTLED, WRITTEN_OFF = (
    "repaying", "overdue", "non_performing", "settled", "written_off")
STATUSES = (REPAYING, OVERDUE, NON_PERFORMING, SETTLED, WRITTEN_OFF)
# Loans the aging job looks at: not yet settled or written off.
LIVE_STATUSES = (REPAYING, OVERDUE, NON_PERFORMING)
BUCKETS = ("none", "1-30", "31-90", "91+")


class Loan(db.Model):
    """A disbursed order's loan: what was lent on what terms, and where its repayment stands.

    The order's numbers and names are copied from `order.disbursed`; `first_loan` is decided once, when
    the loan opens, from the loans this service knows of the USCC. Status, days past due and bucket are
    kept by the aging job and by repayments as of the business date."""

    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    order_no: Mapped[str] = mapped_column(String(24), nullable=False, unique=True)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    institution_name: Mapped[str] = mapped_column(String(200), nullable=False)
    institution_type: Mapped[str | None] = mapped_column(String(20))
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)

    principal: Mapped[Decimal] = mapped_column(Money, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Rate, nullable=False)
    term_months: Mapped[int] = mapped_column(Integer, nullable=False)
    repayment_method: Mapped[str] = mapped_column(String(20), nullable=False)
    disbursed_on: Mapped[date] = mapped_column(Date, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    whitelisted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    first_loan: Mapped[bool] = mapped_column(Boolean, nullable=False)
    renewal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    status: Mapped[str] = mapped_column(String(20), nullable=False, active_history=True)
    outstanding_principal: Mapped[Decimal] = mapped_column(Money, nullable=False, active_history=True)
    days_past_due: Mapped[int] = mapped_column(Integer, nullable=False, default=0, active_history=True)
    overdue_bucket: Mapped[str] = mapped_column(String(8), nullable=False, default="none", active_history=True)
    # The business date the loan was last aged to.
    aged_on: Mapped[date] = mapped_column(Date, nullable=False)
    settled_on: Mapped[date | None] = mapped_column(Date)
    written_off_amount: Mapped[Decimal | None] = mapped_column(Money, active_history=True)
    written_off_reason: Mapped[str | None] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    # Bumped by every change (UPDATE ... WHERE version = :seen): two writers never both win unseen.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    schedule: Mapped[list["Instalment"]] = relationship(
        back_populates="loan", order_by="Instalment.no", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_loans_institution_newest", "institution_id", "disbursed_on", "id"),
        Index("ix_loans_enterprise_newest", "enterprise_uscc", "disbursed_on", "id"),
        Index("ix_loans_newest", "disbursed_on", "id"),
        Index("ix_loans_status", "status", "id"),
    )


class Instalment(db.Model):
    """One instalment of a loan's schedule, with what has been paid of it."""

    __tablename__ = "instalments"

    loan_id: Mapped[int] = mapped_column(Id, ForeignKey("loans.id", ondelete="CASCADE"), primary_key=True)
    no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    principal: Mapped[Decimal] = mapped_column(Money, nullable=False)
    interest: Mapped[Decimal] = mapped_column(Money, nullable=False)
    paid_principal: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    paid_interest: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    # loan.instalment_due_soon was recorded for it (once per instalment).
    due_soon_announced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    loan: Mapped[Loan] = relationship(back_populates="schedule")

    @property
    def unpaid_principal(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def unpaid_interest(self) -> Decimal:
        return self.interest - self.paid_interest


class Repayment(db.Model):
    """A repayment the institution recorded. Its `reference` (the bank's 流水号) is unique per institution:
    the same reference again is the same repayment (answered, not counted twice)."""

    __tablename__ = "repayments"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(Id, ForeignKey("loans.id", ondelete="CASCADE"), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    principal: Mapped[Decimal] = mapped_column(Money, nullable=False)
    interest: Mapped[Decimal] = mapped_column(Money, nullable=False)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("institution_id", "reference", name="uq_repayments_reference"),
        Index("ix_repayments_loan", "loan_id", "id"),
    )


class LoanRegion(db.Model):
    """The loan is in this region or below it: one row per region on the path from the root to the
    loan's region, as orders have (government lists and "is it in my region?")."""

    __tablename__ = "loan_regions"

    loan_id: Mapped[int] = mapped_column(Id, ForeignKey("loans.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    disbursed_on: Mapped[date] = mapped_column(Date, nullable=False)

    __table_args__ = (Index("ix_loan_regions_newest", "region_code", "disbursed_on", "loan_id"),)


class BusinessDate(db.Model):
    """The date the admin moved the business date to (LOAN_BUSINESS_DATE_ENABLED): one row, id 1."""

    __tablename__ = "business_date"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    moved_to: Mapped[date] = mapped_column(Date, nullable=False)
    moved_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


# --- the read model: other services' data as their events announced it ------------------------------

class Region(RegionCopy, db.Model):
    """auth-service's region (`region.created`), with its path from the root."""


class Institution(InstitutionCopy, db.Model):
    """auth-service's institution (`institution.*`): a loan copies its type (bank, guarantee, ...)."""

    type: Mapped[str | None] = mapped_column(String(20))


class Product(db.Model):
    """product-service's product (`product.*`): its repayment methods, the first of which a loan takes
    when `order.disbursed` names none."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    repayment_methods: Mapped[list] = mapped_column(JSON, nullable=False)
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class OutboxMessage(OutboxMixin, db.Model):
    pass

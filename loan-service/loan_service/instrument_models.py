"""Tables of the government instruments: risk compensation funds (风险补偿资金池) with their claims (代偿申请)
and evidence files, interest subsidy programmes (贴息) with their applications, the enterprises'
whitelist as credit-service announces it, and the audit log of every step.

A fund's and a programme's `approved` and `paid` sums are kept on its row and changed only under its row
lock (`SELECT ... FOR UPDATE`), so two officers approving at once are counted one after the other and
never together past the budget.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.audit import AuditLogMixin
from xyd_common.db_types import Id, Money, Rate, UtcDateTime
from xyd_common.events.outbox import utcnow

from .models import Loan, db

OPEN, CLOSED = "open", "closed"
FUND_STATUSES = (OPEN, CLOSED)
SUBMITTED, APPROVED, REJECTED, PAID, WITHDRAWN = "submitted", "approved", "rejected", "paid", "withdrawn"
CLAIM_STATUSES = (SUBMITTED, APPROVED, REJECTED, PAID, WITHDRAWN)
# A claim still waiting for its money: one per loan and fund at a time.
OPEN_CLAIM_STATUSES = (SUBMITTED, APPROVED)
APPLICATION_STATUSES = (SUBMITTED, APPROVED, REJECTED, PAID)
# A subsidy programme's status is not stored: it takes applications until `apply_until` (the business
# date's), then it has ended.
ENDED = "ended"
PROGRAM_STATUSES = (OPEN, ENDED)


class Fund(db.Model):
    """A risk compensation fund: which loans it covers, how much of a loss it pays, and its budget with
    what has been approved (not yet paid) and paid of it."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    budget: Mapped[Decimal] = mapped_column(Money, nullable=False)
    share_percent: Mapped[Decimal] = mapped_column(Rate, nullable=False)
    cap_per_loan: Mapped[Decimal] = mapped_column(Money, nullable=False)
    institution_types: Mapped[list] = mapped_column(JSON, nullable=False)
    whitelisted_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    loans_from: Mapped[date] = mapped_column(Date, nullable=False)
    loans_to: Mapped[date] = mapped_column(Date, nullable=False)
    claims_until: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=OPEN)
    approved: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    paid: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    @property
    def available(self) -> Decimal:
        return self.budget - self.approved - self.paid


class FundTopUp(db.Model):
    """Money added to a fund's budget, with the note the officer gave."""

    __tablename__ = "fund_top_ups"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    fund_id: Mapped[int] = mapped_column(Id, ForeignKey("funds.id"), nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class Claim(db.Model):
    """An institution's claim on a fund for the loss on one of its loans (代偿申请)."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    fund_id: Mapped[int] = mapped_column(Id, ForeignKey("funds.id"), nullable=False)
    loan_id: Mapped[int] = mapped_column(Id, ForeignKey("loans.id"), nullable=False)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    loss_principal: Mapped[Decimal] = mapped_column(Money, nullable=False)
    note: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    files: Mapped[list["ClaimFile"]] = relationship(lazy="selectin", order_by="ClaimFile.id",
                                                    cascade="all, delete-orphan")
    # Read-only: the fund's and the loan's names, which the claim's pages show.
    fund: Mapped["Fund"] = relationship(lazy="selectin", viewonly=True)
    loan: Mapped[Loan] = relationship(lazy="selectin", viewonly=True)

    __table_args__ = (
        Index("ix_claims_fund", "fund_id", "id"),
        Index("ix_claims_loan", "loan_id", "fund_id"),
        Index("ix_claims_institution", "institution_id", "id"),
    )


class ClaimFile(db.Model):
    """An evidence file of a claim: its type told from its bytes (xyd_common.uploads), the bytes in the
    database like the licences of enterprise verification, deferred so lists never load them."""

    __tablename__ = "claim_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(Id, ForeignKey("claims.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(50), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class SubsidyProgram(db.Model):
    """An interest subsidy programme (贴息): exactly one of `rate_points` or `share_percent`."""

    __tablename__ = "subsidy_programs"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    rate_points: Mapped[Decimal | None] = mapped_column(Rate)
    share_percent: Mapped[Decimal | None] = mapped_column(Rate)
    first_loan_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    whitelisted_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cap_per_enterprise: Mapped[Decimal] = mapped_column(Money, nullable=False)
    budget: Mapped[Decimal] = mapped_column(Money, nullable=False)
    approved: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    paid: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    loans_from: Mapped[date] = mapped_column(Date, nullable=False)
    loans_to: Mapped[date] = mapped_column(Date, nullable=False)
    apply_until: Mapped[date] = mapped_column(Date, nullable=False)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    @property
    def available(self) -> Decimal:
        return self.budget - self.approved - self.paid


class SubsidyApplication(db.Model):
    """An enterprise's application for a programme's subsidy on one of its loans, with the interest paid
    on it when submitted (frozen) and the amount the programme's rule gives for it."""

    __tablename__ = "subsidy_applications"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(Id, ForeignKey("subsidy_programs.id"), nullable=False)
    loan_id: Mapped[int] = mapped_column(Id, ForeignKey("loans.id"), nullable=False)
    enterprise_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    interest_paid: Mapped[Decimal] = mapped_column(Money, nullable=False)
    computed_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # Read-only: the programme's and the loan's names, which the application's pages show.
    program: Mapped["SubsidyProgram"] = relationship(lazy="selectin", viewonly=True)
    loan: Mapped[Loan] = relationship(lazy="selectin", viewonly=True)

    __table_args__ = (
        UniqueConstraint("program_id", "loan_id", name="uq_subsidy_applications_loan"),
        Index("ix_subsidy_applications_enterprise", "enterprise_uscc", "id"),
        Index("ix_subsidy_applications_program", "program_id", "enterprise_uscc"),
    )


class WhitelistEntry(db.Model):
    """credit-service's whitelist (`credit.whitelist_changed`): whether an enterprise is on it now, which
    a `whitelisted_only` programme asks at application."""

    __tablename__ = "whitelist"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    whitelisted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class AuditLog(AuditLogMixin, db.Model):
    """Every step of the instruments: who created, topped up, closed, claimed, approved, paid..."""

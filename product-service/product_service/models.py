"""product-service tables: financial products, the local copies of regions and institutions that
auth-service announces, handled events, and the outbox.

The market's queries decide the indexes: every list is "active products of active institutions",
filtered, then ordered by one of four sort keys ending in the id (keyset pages). Partial indexes on
`status = 'active'` keep those small; a region or guarantee-method filter goes through its own narrow
table (product_regions, product_guarantee_methods) instead of scanning lists stored in the product row.
The trigram indexes for text search exist on PostgreSQL only and live in the migration (see there).
"""

from datetime import date, datetime
from decimal import Decimal

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.db_types import ExactDecimal, UtcDateTime
from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import OutboxMixin, utcnow
from xyd_common.reference import InstitutionCopy, RegionCopy

db = SQLAlchemy()

# The contract's enumerations, in the order the API lists them (repayment methods: xyd_common.labels,
# which order- and loan-service read too).
CATEGORIES = ("loan", "guarantee", "leasing", "factoring", "insurance", "other")
GUARANTEE_METHODS = ("credit", "guarantee", "mortgage", "pledge")
PRODUCT_STATUSES = ("active", "disabled")

ACTIVE_ONLY = "status = 'active'"

Money = ExactDecimal(14, 4)  # 万元 with 4 places: whole yuan
Rate = ExactDecimal(5, 2)    # percent per year with 2 places


class Region(RegionCopy, db.Model):
    """auth-service's region, as announced by `region.created`, with its path from the root: the
    market's region filter matches a product serving any region of the path."""

    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class Institution(InstitutionCopy, db.Model):
    """auth-service's institution, as announced by `institution.*`. A disabled institution's products
    drop out of the market through a join on this row; the products themselves are not rewritten."""

    type: Mapped[str] = mapped_column(String(20), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class Product(db.Model):
    """A financial product an institution offers in the financial supermarket (金融超市)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    repayment_methods: Mapped[list] = mapped_column(JSON, nullable=False)
    amount_min: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_max: Mapped[Decimal] = mapped_column(Money, nullable=False)
    term_min_months: Mapped[int] = mapped_column(Integer, nullable=False)
    term_max_months: Mapped[int] = mapped_column(Integer, nullable=False)
    rate_min: Mapped[Decimal] = mapped_column(Rate, nullable=False)
    rate_max: Mapped[Decimal] = mapped_column(Rate, nullable=False)
    target_customers: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    requirements: Mapped[str] = mapped_column(Text, nullable=False, default="")
    features: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    featured: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 白名单专属: only enterprises on the 信易贷 whitelist today may apply (order-service decides).
    whitelist_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    # Popularity: applications received (order-service's order.submitted will feed it).
    orders_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    institution: Mapped[Institution] = relationship(lazy="selectin")
    regions: Mapped[list["ProductRegion"]] = relationship(cascade="all, delete-orphan",
                                                          order_by="ProductRegion.region_code",
                                                          lazy="selectin")
    guarantees: Mapped[list["ProductGuaranteeMethod"]] = relationship(cascade="all, delete-orphan",
                                                                      lazy="selectin")

    __table_args__ = (
        # Two products of one institution with one name would confuse applicants (and the demo data
        # relies on it to be re-runnable).
        UniqueConstraint("institution_id", "name", name="uq_products_institution_name"),
        CheckConstraint("amount_min <= amount_max", name="ck_products_amount_range"),
        CheckConstraint("term_min_months <= term_max_months", name="ck_products_term_range"),
        CheckConstraint("rate_min <= rate_max", name="ck_products_rate_range"),
        # The institution's own list (any status), and the market's institution filter.
        Index("ix_products_institution_newest", "institution_id", "created_at", "id"),
        # One per market sort, over active products only.
        Index("ix_products_active_newest", "created_at", "id",
              postgresql_where=text(ACTIVE_ONLY), sqlite_where=text(ACTIVE_ONLY)),
        Index("ix_products_active_rate", "rate_min", "id",
              postgresql_where=text(ACTIVE_ONLY), sqlite_where=text(ACTIVE_ONLY)),
        Index("ix_products_active_amount", "amount_max", "id",
              postgresql_where=text(ACTIVE_ONLY), sqlite_where=text(ACTIVE_ONLY)),
        Index("ix_products_active_popular", "orders_count", "id",
              postgresql_where=text(ACTIVE_ONLY), sqlite_where=text(ACTIVE_ONLY)),
        # The portal's "recommended" shelf and the category tabs.
        Index("ix_products_active_featured_newest", "created_at", "id",
              postgresql_where=text(f"{ACTIVE_ONLY} AND featured"),
              sqlite_where=text(f"{ACTIVE_ONLY} AND featured")),
        Index("ix_products_active_category_newest", "category", "created_at", "id",
              postgresql_where=text(ACTIVE_ONLY), sqlite_where=text(ACTIVE_ONLY)),
    )

    @property
    def institution_name(self) -> str:
        return self.institution.name

    @property
    def region_codes(self) -> list[str]:
        return sorted(r.region_code for r in self.regions)

    @property
    def guarantee_methods(self) -> list[str]:
        held = {g.method for g in self.guarantees}
        return [m for m in GUARANTEE_METHODS if m in held]


class ProductRegion(db.Model):
    """A region a product serves (and with it every region below)."""

    __tablename__ = "product_regions"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)

    # The market's region filter starts from the region: which products serve it?
    __table_args__ = (Index("ix_product_regions_region", "region_code", "product_id"),)


class ProductGuaranteeMethod(db.Model):
    """A guarantee method (担保方式) a product accepts."""

    __tablename__ = "product_guarantee_methods"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(20), primary_key=True)

    __table_args__ = (Index("ix_product_guarantee_methods_method", "method", "product_id"),)


class EnterpriseWhitelist(db.Model):
    """credit-service's whitelist state of an enterprise (`credit.whitelist_changed`): recommendations
    put whitelist-only products first for a whitelisted enterprise."""

    __tablename__ = "enterprise_whitelist"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    whitelisted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class InstitutionPerformance(db.Model):
    """How an institution handles applications, from order events: how many it received, accepted, and
    the seconds from application to acceptance in all (recommendations show the average)."""

    __tablename__ = "institution_performance"

    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    received: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accept_seconds: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), nullable=False,
                                                default=0)


class OrderTiming(db.Model):
    """When an order was submitted, until it is accepted (then its time to accept is counted)."""

    __tablename__ = "order_timings"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Instrument(db.Model):
    """The government instruments policies link to: loan-service's funds and subsidy programmes, their
    names as `fund.created` and `subsidy.program_created` announced them."""

    __tablename__ = "instruments"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # "fund" | "subsidy_program"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)


class EnterpriseProfile(db.Model):
    """What policy matching knows of an enterprise, from events: its verified owner's region and the
    credit record's industry (`auth.enterprise_verified`), and whether a loan of it was disbursed yet
    (`order.disbursed`: no such loan is a 首贷 enterprise). A row exists once either event arrived."""

    __tablename__ = "enterprise_profiles"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    region_code: Mapped[str | None] = mapped_column(String(12))
    industry: Mapped[str | None] = mapped_column(String(100))
    first_disbursed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # The verified enterprises a published policy is announced to.
        Index("ix_enterprise_profiles_verified", "region_code", postgresql_where=text("verified"),
              sqlite_where=text("verified")),
    )


POLICY_LINK_TYPES = ("fund", "subsidy_program", "product")
# scheduled|published|expired follow from the dates and today (China); withdrawn is stored.
POLICY_STATUSES = ("scheduled", "published", "withdrawn", "expired")


class Policy(db.Model):
    """A government policy (政策资讯) of a region, shown on the portal from `published_on` until
    `valid_until` unless withdrawn, and recommended to the enterprises its tags match. `announced_at`:
    when `policy.published` was recorded (at creation, or by `flask publish-due-policies` once a
    scheduled policy's day came)."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    issuer: Mapped[str] = mapped_column(String(100), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    published_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    whitelisted_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    first_loan_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # [{"type": "fund"|"subsidy_program"|"product", "id": N}]: products checked here, the others are
    # loan-service's ids, kept as given (named from `instruments` once their events arrived).
    links: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    industry_rows: Mapped[list["PolicyIndustry"]] = relationship(cascade="all, delete-orphan",
                                                                 order_by="PolicyIndustry.position",
                                                                 lazy="selectin")

    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= published_on", name="ck_policies_dates"),
        # The portal's list: newest first.
        Index("ix_policies_newest", "published_on", "id"),
        Index("ix_policies_region", "region_code", "published_on", "id"),
    )

    @property
    def industries(self) -> list[str]:
        return [row.industry for row in self.industry_rows]

    @property
    def tags(self) -> dict:
        return {"industries": self.industries, "whitelisted_only": self.whitelisted_only,
                "first_loan_only": self.first_loan_only}


class PolicyIndustry(db.Model):
    """An industry (the credit record's industry name) a policy is written for; none: every industry."""

    __tablename__ = "policy_industries"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True)
    industry: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_policy_industries_industry", "industry", "policy_id"),)


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class OutboxMessage(OutboxMixin, db.Model):
    pass

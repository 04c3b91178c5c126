"""auth-service tables: users, their sessions, SMS codes, and the outbox."""

from datetime import datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.audit import AuditLogMixin
from xyd_common.db_types import UtcDateTime
from xyd_common.events.outbox import OutboxMixin, utcnow

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(300), nullable=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    # The USCC an enterprise account claims. Several accounts may claim one USCC while none is
    # verified; the partial unique index below admits one verified owner.
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    # 企业认证 (enterprises only): unverified -> pending -> verified | rejected.
    verification_status: Mapped[str | None] = mapped_column(String(12))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow,
                                                 onupdate=utcnow)

    institution: Mapped["Institution | None"] = relationship()

    __table_args__ = (
        Index("uq_users_verified_uscc", "enterprise_uscc", unique=True,
              postgresql_where=text("verification_status = 'verified'"),
              sqlite_where=text("verification_status = 'verified'")),
    )


class AuthSession(db.Model):
    """One login: its refresh token (hashed, rotated) and whether it was revoked."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # The hash before the last rotation: presenting it again means the token was stolen.
    previous_refresh_hash: Mapped[str | None] = mapped_column(String(64))
    refresh_expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    client_ip: Mapped[str | None] = mapped_column(String(64))


class SmsCode(db.Model):
    """A code sent for one purpose to one phone; only its keyed hash is kept."""

    __tablename__ = "sms_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (db.Index("ix_sms_codes_phone_purpose", "phone", "purpose", "id"),)


class Region(db.Model):
    """An administrative region (GB/T 2260 code) in the tree of regions."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class Institution(db.Model):
    """A financial institution (bank, guarantee company, ...) whose users publish products."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False, index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow,
                                                 onupdate=utcnow)


class LoginLog(db.Model):
    """Every login attempt, successful or not."""

    __tablename__ = "login_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    result: Mapped[str] = mapped_column(String(30), nullable=False)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow, index=True)


class AuditLog(AuditLogMixin, db.Model):
    """An administrative or security action: who did what to which object, before and after."""


class EnterpriseVerification(db.Model):
    """One request of an enterprise account to be recognised as the owner of a USCC (企业认证), with the
    automatic pre-check the reviewer sees and the decision."""

    __tablename__ = "enterprise_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_representative: Mapped[str] = mapped_column(String(100), nullable=False)
    applicant_is_legal_representative: Mapped[bool] = mapped_column(Boolean, nullable=False)
    claimed_region_code: Mapped[str | None] = mapped_column(String(12))
    # From credit-service's registration data: picks the government reviewers (never the claim).
    registered_region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    precheck: Mapped[str] = mapped_column(String(10), nullable=False)
    precheck_details: Mapped[dict] = mapped_column(JSON, nullable=False)
    provider: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, index=True)  # pending|approved|rejected
    reason: Mapped[str | None] = mapped_column(String(500))
    # True when another account's approval closed this claim: that account may not claim the USCC again.
    closed_by_owner: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reviewer_id: Mapped[int | None] = mapped_column(Integer)
    reviewer_role: Mapped[str | None] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The licence and letter are deleted (by the retention job, purge-expired) once this time passes.
    files_kept_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    files: Mapped[list["VerificationFile"]] = relationship(lazy="selectin", order_by="VerificationFile.id")


class VerificationFile(db.Model):
    """A document of a verification request. `content` holds the bytes when the database store keeps
    them; the directory store keeps them under `storage_key` instead."""

    __tablename__ = "verification_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("enterprise_verifications.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # licence | authorization_letter
    content_type: Mapped[str] = mapped_column(String(50), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage: Mapped[str] = mapped_column(String(20), nullable=False)
    storage_key: Mapped[str | None] = mapped_column(String(200))
    # Deferred: lists of requests show the documents' metadata without loading megabytes of bytes.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("uq_verification_files_kind", "verification_id", "kind", unique=True),)


class InstitutionApplication(db.Model):
    """An institution not yet on the platform asks to join (申请入驻). A reviewer (the admin, or a
    government user of its region or above) approves it, which creates the institution and its
    administrator, or rejects it with a reason."""

    __tablename__ = "institution_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(100), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(11), nullable=False)
    licence_no: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(12), nullable=False, index=True)  # pending|approved|rejected
    reason: Mapped[str | None] = mapped_column(String(500))
    institution_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    reviewer_id: Mapped[int | None] = mapped_column(Integer)
    reviewer_role: Mapped[str | None] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        # One open application per USCC and contact phone (a double submission, also at the same moment,
        # is one application). Several phones may apply for one USCC: answering a stranger "someone has
        # applied already" would tell them so; approving one closes the others (applications.approve).
        Index("uq_institution_applications_open_uscc_phone", "uscc", "contact_phone", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )


class OutboxMessage(OutboxMixin, db.Model):
    pass

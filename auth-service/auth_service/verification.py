"""企业认证: an enterprise account proves it acts for the enterprise whose USCC it claims.

Registration only records a claim, which anyone can type in. An account becomes the USCC's owner when a
reviewer (the admin, or a government user of the region the registration data puts the enterprise in)
approves its request; that closes every other claim on the USCC and announces
`auth.enterprise_verified`, the only event from which other services learn who owns a USCC.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import ApiError, Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import PENDING, REJECTED, UNVERIFIED, VERIFIED, Identity
from xyd_common.uploads import sniff_type
from xyd_common.validators import is_valid_uscc

from . import document_store
from .audit import Actor, audit
from .document_store import Document
from .models import EnterpriseVerification, OutboxMessage, Region, User, VerificationFile, db
from .services import SOURCE, check_region, user_event_data
from .verification_checks import Claim, RegistrationUnavailable, fetch_registration, provider, same_text

APPROVED = "approved"
DOCUMENT_KINDS = {"licence": "营业执照", "authorization_letter": "授权委托书"}
CLOSED_BY_OWNER_REASON = "该统一社会信用代码已由其他账户完成认证"
OWNED_MESSAGE = "该统一社会信用代码已由其他账户完成认证"


@dataclass(frozen=True)
class Upload:
    """A file as the API layer received it."""

    kind: str
    content: bytes


def _owner_of(uscc: str) -> User | None:
    return db.session.scalar(select(User).where(User.enterprise_uscc == uscc,
                                                User.verification_status == VERIFIED))


def _check_documents(uploads: list[Upload]) -> list[Document]:
    limit = current_app.config["VERIFICATION_FILE_MAX_BYTES"]
    errors, documents = {}, []
    for upload in uploads:
        label = DOCUMENT_KINDS[upload.kind]
        if not upload.content:
            errors[upload.kind] = [f"请上传{label}"]
        elif len(upload.content) > limit:
            errors[upload.kind] = [f"{label}文件不能超过 {limit // (1024 * 1024)} MB"]
        elif (content_type := sniff_type(upload.content)) is None:
            errors[upload.kind] = [f"{label}须为 JPEG、PNG 图片或 PDF 文件"]
        else:
            documents.append(Document(upload.kind, upload.content, content_type))
    if errors:
        raise ValidationFailed(errors, code="validation_error", message="上传的文件不符合要求")
    return documents


def submit(user_id: int, form: dict, uploads: list[Upload], actor: Actor) -> EnterpriseVerification:
    """An enterprise account asks to be verified as the owner of the USCC it claims (or, after a
    rejection, of another one it names in the form)."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "enterprise":
        raise ApiError(403, "forbidden", "仅企业用户可以申请企业认证")
    if user.verification_status == VERIFIED:
        raise Conflict("already_verified", "贵企业已完成认证")
    if user.verification_status == PENDING:
        raise Conflict("verification_pending", "已有待审核的认证申请，请等待审核结果")
    uscc = form.get("uscc") or user.enterprise_uscc
    enterprise_name = form.get("enterprise_name") or user.enterprise_name
    region_code = form.get("region_code") or user.region_code
    if form.get("region_code"):
        check_region(region_code)
    if not uscc or not is_valid_uscc(uscc):
        raise ValidationFailed({"uscc": ["统一社会信用代码无效"]})
    if _owner_of(uscc) is not None:
        raise Conflict("enterprise_registered", OWNED_MESSAGE)
    letter_given = any(u.kind == "authorization_letter" and u.content for u in uploads)
    is_representative = form.get("applicant_is_legal_representative")
    if is_representative is None:
        is_representative = same_text(user.name, form["legal_representative"])
    if not is_representative and not letter_given:
        raise ValidationFailed({"authorization_letter": ["申请人不是法定代表人时，须上传法定代表人签署的授权委托书"]})
    documents = _check_documents(uploads)

    claim = Claim(uscc=uscc, enterprise_name=enterprise_name, legal_representative=form["legal_representative"],
                  region_code=region_code)
    check = provider().precheck(claim)
    before = user_event_data(user)
    user.enterprise_uscc, user.enterprise_name, user.region_code = uscc, enterprise_name, region_code
    user.verification_status = PENDING
    request = EnterpriseVerification(
        user_id=user.id, uscc=uscc, enterprise_name=enterprise_name,
        legal_representative=form["legal_representative"], applicant_is_legal_representative=is_representative,
        claimed_region_code=region_code,
        registered_region_code=check.registration.region_code if check.registration else None,
        precheck=check.result, precheck_details=check.details, provider=provider().name, status=PENDING)
    db.session.add(request)
    db.session.flush()
    for document in documents:
        db.session.add(document_store.save(request.id, document))
    record_event(db.session, OutboxMessage, "auth.user_updated", user_event_data(user), SOURCE)
    audit(actor, "enterprise_verification.submitted", "enterprise_verification", request.id, before=before,
          after={"uscc": uscc, "enterprise_name": enterprise_name, "precheck": check.result})
    db.session.commit()
    return request


def latest_for_user(user_id: int) -> EnterpriseVerification:
    request = db.session.scalar(select(EnterpriseVerification).where(EnterpriseVerification.user_id == user_id)
                                .order_by(EnterpriseVerification.id.desc()).limit(1))
    if request is None:
        raise NotFound("尚未提交企业认证申请")
    return request


# --- review ------------------------------------------------------------------------------------------

def region_subtree(code: str) -> list[str]:
    """`code` and every region below it."""
    codes, frontier = [code], [code]
    while frontier:
        frontier = list(db.session.scalars(select(Region.code).where(Region.parent_code.in_(frontier))))
        codes.extend(frontier)
    return codes


def _scoped(stmt, identity: Identity):
    """Admins review every request; a government user only those whose enterprise the registration data
    puts in its region or below (a request credit-service knows nothing of is the admin's alone)."""
    if identity.role == "admin":
        return stmt
    if identity.role == "government" and identity.region_code:
        return stmt.where(EnterpriseVerification.registered_region_code.in_(region_subtree(identity.region_code)))
    return stmt.where(False)


def list_requests(identity: Identity, args: dict) -> dict:
    stmt = _scoped(select(EnterpriseVerification), identity)
    if args.get("status"):
        stmt = stmt.where(EnterpriseVerification.status == args["status"])
    if args.get("uscc"):
        stmt = stmt.where(EnterpriseVerification.uscc == args["uscc"].upper())
    return paginate(db.session, stmt, [SortKey(EnterpriseVerification.id, descending=True)], args)


def get_request(identity: Identity, request_id: int) -> EnterpriseVerification:
    request = db.session.scalar(_scoped(select(EnterpriseVerification), identity)
                                .where(EnterpriseVerification.id == request_id))
    if request is None:
        raise NotFound("认证申请不存在")
    return request


def get_document(identity: Identity, request_id: int, kind: str) -> tuple[VerificationFile, bytes]:
    request = get_request(identity, request_id)
    row = db.session.scalar(select(VerificationFile).where(VerificationFile.verification_id == request.id,
                                                           VerificationFile.kind == kind))
    content = document_store.load(row) if row is not None else None
    if content is None:
        raise NotFound("文件不存在或已过保存期限")
    return row, content


def _pending(identity: Identity, request_id: int) -> EnterpriseVerification:
    request = get_request(identity, request_id)
    if request.status != PENDING:
        raise Conflict("invalid_transition", "该认证申请已处理")
    return request


def _decided(request: EnterpriseVerification, status: str, reason: str | None, actor: Actor) -> None:
    request.status, request.reason = status, reason
    request.reviewer_id, request.reviewer_role = actor.user_id, actor.role
    request.decided_at = utcnow()
    request.files_kept_until = request.decided_at + timedelta(
        days=current_app.config["VERIFICATION_FILE_RETENTION_DAYS"])


def _announce_decision(user: User, request: EnterpriseVerification | None, status: str, reason: str | None,
                       closed_by_owner: bool = False) -> None:
    """Tells the account's holder (notification-service sends the in-app notice and the SMS)."""
    record_event(db.session, OutboxMessage, "auth.enterprise_verification_decided", {
        "user_id": user.id, "verification_id": request.id if request else None, "uscc": user.enterprise_uscc,
        "enterprise_name": user.enterprise_name, "status": status, "reason": reason,
        "closed_by_owner": closed_by_owner,
    }, SOURCE)


def make_owner(user: User, request: EnterpriseVerification | None, actor: Actor) -> User:
    """Makes `user` the verified owner of the USCC it claims: the registered region and name when
    credit-service has them, every other claim on the USCC closed, announced. Not committed."""
    before = user_event_data(user)
    try:
        registration = fetch_registration(user.enterprise_uscc)
    except RegistrationUnavailable:
        registration = None  # the claim's own values stand; the reviewer saw the pre-check
    if registration is not None:
        user.enterprise_name = registration.name
        if registration.region_code and db.session.get(Region, registration.region_code) is not None:
            user.region_code = registration.region_code
    user.verification_status = VERIFIED
    try:
        db.session.flush()
    except IntegrityError:  # another account of this USCC was approved at the same moment
        db.session.rollback()
        raise Conflict("enterprise_registered", OWNED_MESSAGE) from None

    others = db.session.scalars(select(User).where(User.enterprise_uscc == user.enterprise_uscc,
                                                   User.id != user.id, User.role == "enterprise")).all()
    for other in others:
        other.verification_status = REJECTED
        open_request = db.session.scalar(select(EnterpriseVerification).where(
            EnterpriseVerification.user_id == other.id, EnterpriseVerification.status == PENDING))
        if open_request is not None:
            _decided(open_request, REJECTED, CLOSED_BY_OWNER_REASON, actor)
            open_request.closed_by_owner = True
        record_event(db.session, OutboxMessage, "auth.user_updated", user_event_data(other), SOURCE)
        _announce_decision(other, open_request, REJECTED, CLOSED_BY_OWNER_REASON, closed_by_owner=True)
        audit(actor, "enterprise_verification.claim_closed", "user", other.id,
              after={"uscc": other.enterprise_uscc, "owner_id": user.id})

    record_event(db.session, OutboxMessage, "auth.user_updated", user_event_data(user), SOURCE)
    record_event(db.session, OutboxMessage, "auth.enterprise_verified", {
        "user_id": user.id, "uscc": user.enterprise_uscc, "enterprise_name": user.enterprise_name,
        "region_code": user.region_code,
        # product-service matches policies to the enterprise by it (政策资讯).
        "industry": registration.industry if registration is not None else None,
    }, SOURCE)
    _announce_decision(user, request, APPROVED, None)
    audit(actor, "enterprise_verification.approved", "user", user.id, before=before, after=user_event_data(user))
    return user


def approve(identity: Identity, request_id: int, actor: Actor) -> EnterpriseVerification:
    request = _pending(identity, request_id)
    user = db.session.get(User, request.user_id)
    _decided(request, APPROVED, None, actor)
    make_owner(user, request, actor)
    db.session.commit()
    return request


def reject(identity: Identity, request_id: int, reason: str, actor: Actor) -> EnterpriseVerification:
    request = _pending(identity, request_id)
    user = db.session.get(User, request.user_id)
    _decided(request, REJECTED, reason, actor)
    user.verification_status = REJECTED
    record_event(db.session, OutboxMessage, "auth.user_updated", user_event_data(user), SOURCE)
    _announce_decision(user, request, REJECTED, reason)
    audit(actor, "enterprise_verification.rejected", "enterprise_verification", request.id,
          after={"uscc": request.uscc, "reason": reason})
    db.session.commit()
    return request


# --- operators --------------------------------------------------------------------------------------

def verify_reviewed_accounts(usccs: list[str], actor: Actor) -> list[tuple[str, str]]:
    """`flask verify-enterprises`: an operator marks accounts reviewed outside the platform (those that
    existed before verification did) as verified. A USCC claimed by several accounts is left for the
    review queue. Answers (uscc, what happened) per USCC."""
    outcome = []
    for raw in usccs:
        uscc = raw.strip().upper()
        if not is_valid_uscc(uscc):
            outcome.append((uscc, "invalid USCC; skipped"))
            continue
        if (owner := _owner_of(uscc)) is not None:
            outcome.append((uscc, f"already verified (user {owner.id})"))
            continue
        claims = db.session.scalars(select(User).where(User.enterprise_uscc == uscc, User.role == "enterprise",
                                                       User.verification_status.in_((UNVERIFIED, PENDING)))).all()
        if len(claims) != 1:
            outcome.append((uscc, f"{len(claims)} open claims; review them in the queue"))
            continue
        user = claims[0]
        open_request = db.session.scalar(select(EnterpriseVerification).where(
            EnterpriseVerification.user_id == user.id, EnterpriseVerification.status == PENDING))
        if open_request is not None:
            _decided(open_request, APPROVED, None, actor)
        make_owner(user, open_request, actor)
        db.session.commit()
        outcome.append((uscc, f"verified user {user.id} ({user.phone})"))
    return outcome


def purge_expired_documents(now=None) -> int:
    """Deletes the documents of requests decided longer than VERIFICATION_FILE_RETENTION_DAYS ago."""
    now = now or utcnow()
    rows = db.session.scalars(select(VerificationFile).join(
        EnterpriseVerification, EnterpriseVerification.id == VerificationFile.verification_id).where(
        EnterpriseVerification.files_kept_until <= now)).all()
    for row in rows:
        document_store.discard(row)
        db.session.delete(row)
    db.session.commit()
    return len(rows)

"""申请入驻: an institution not yet on the platform applies to join; a reviewer decides.

Anyone may apply (no account): the SMS code sent to the contact phone (purpose `apply`) proves the
phone, and one USCC has at most one open application. The admin reviews every application, a
government user those of its region and below. Approval creates the institution and its administrator
(the contact phone, the initial password to be changed at first login) in the same transaction as the
decision, so either all of it is there or none; the applicant hears of the decision by SMS
(notification-service, from `institution.application_decided`).
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import ApiError, Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity

from .admin import add_institution, add_staff_user
from .audit import Actor, audit
from .models import Institution, InstitutionApplication, OutboxMessage, User, db
from .services import SOURCE, check_region, consume_sms_code, verify_sms_code
from .throttles import check_application_throttle, check_status_guesses, count_status_guess
from .verification import region_subtree

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
SMS_PURPOSE = "apply"
CLOSED_BY_ANOTHER = "该统一社会信用代码的机构已通过另一份入驻申请入驻平台"
ALREADY_JOINED = "该统一社会信用代码的机构已入驻平台"
INVALID_CODE = "验证码错误或已失效"
NOT_FOUND = "未找到该统一社会信用代码的入驻申请，或验证码错误、已失效"


def application_data(application: InstitutionApplication) -> dict:
    """What the application events carry. The contact phone is in them because notification-service
    texts the decision to it (there is no account to look it up by yet)."""
    return {"application_id": application.id, "name": application.name, "type": application.type,
            "uscc": application.uscc, "region_code": application.region_code,
            "contact_name": application.contact_name, "contact_phone": application.contact_phone,
            "status": application.status, "reason": application.reason,
            "institution_id": application.institution_id, "user_id": application.user_id}


def _invalid_code() -> ValidationFailed:
    return ValidationFailed({"sms_code": [INVALID_CODE]}, code="invalid_sms_code", message=INVALID_CODE)


def submit(body: dict, actor: Actor) -> InstitutionApplication:
    """Record an application. The answer never tells whether anyone else has applied for the USCC (any
    proved phone may apply; approving one application closes the others), and the code is used up by
    every submission it proves, whatever the outcome, so one code cannot probe several USCCs."""
    check_application_throttle(actor.ip)
    check_region(body["region_code"])
    code = verify_sms_code(body["contact_phone"], SMS_PURPOSE, body["sms_code"])
    if code is None or not consume_sms_code(code):
        raise _invalid_code()
    db.session.commit()  # used up even when the answer below is a refusal
    if db.session.scalar(select(Institution.id).where(Institution.uscc == body["uscc"])) is not None:
        raise Conflict("institution_exists", ALREADY_JOINED)
    if db.session.scalar(select(Institution.id).where(Institution.name == body["name"])) is not None:
        raise Conflict("institution_exists", "同名机构已入驻平台")
    own = _open_application(body["uscc"], body["contact_phone"])
    if own is not None:
        return own  # the same phone again (a double submission): its open application
    fields = {key: value for key, value in body.items() if key != "sms_code"}
    application = InstitutionApplication(**fields, status=PENDING)
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # the same phone's submission at the same moment won
        db.session.rollback()
        return _open_application(body["uscc"], body["contact_phone"])
    data = application_data(application)
    record_event(db.session, OutboxMessage, "institution.application_submitted", data, SOURCE)
    audit(actor, "institution_application.submitted", "institution_application", application.id, after=data)
    db.session.commit()
    return application


def _open_application(uscc: str, contact_phone: str) -> InstitutionApplication | None:
    return db.session.scalar(select(InstitutionApplication).where(
        InstitutionApplication.uscc == uscc, InstitutionApplication.contact_phone == contact_phone,
        InstitutionApplication.status == PENDING))


def status_of(uscc: str, sms_code: str, client_ip: str | None) -> InstitutionApplication:
    """The newest application of `uscc` whose contact phone holds a live code equal to `sms_code`. An
    unknown USCC and a wrong code answer alike, so the lookup tells strangers nothing. A wrong guess is
    counted against the caller (`check_status_guesses`), never against the applicant's code, which a
    stranger could otherwise kill; the code is not used up: the applicant may look again while it lives."""
    check_status_guesses(client_ip)
    applications = db.session.scalars(select(InstitutionApplication).where(InstitutionApplication.uscc == uscc)
                                      .order_by(InstitutionApplication.id.desc()).limit(20))
    for application in applications:
        if verify_sms_code(application.contact_phone, SMS_PURPOSE, sms_code, count_miss=False) is not None:
            return application
    count_status_guess(client_ip)
    raise NotFound(NOT_FOUND)


# --- review ------------------------------------------------------------------------------------------

def _scoped(stmt, identity: Identity):
    """The admin sees every application; a government user those of its region and below."""
    if identity.role == "admin":
        return stmt
    if identity.role == "government" and identity.region_code:
        return stmt.where(InstitutionApplication.region_code.in_(region_subtree(identity.region_code)))
    return stmt.where(False)


def list_applications(identity: Identity, args: dict) -> dict:
    stmt = _scoped(select(InstitutionApplication), identity)
    if args.get("status"):
        stmt = stmt.where(InstitutionApplication.status == args["status"])
    if args.get("q"):
        q = args["q"]
        stmt = stmt.where(InstitutionApplication.name.contains(q) | (InstitutionApplication.uscc == q.upper()))
    return paginate(db.session, stmt, [SortKey(InstitutionApplication.id, descending=True)], args)


def get_application(identity: Identity, application_id: int) -> InstitutionApplication:
    application = db.session.scalar(_scoped(select(InstitutionApplication), identity)
                                    .where(InstitutionApplication.id == application_id))
    if application is None:
        raise NotFound("入驻申请不存在")
    return application


def _pending(identity: Identity, application_id: int) -> InstitutionApplication:
    application = get_application(identity, application_id)
    if application.status != PENDING:
        raise Conflict("invalid_transition", "该入驻申请已处理")
    return application


def _decide(application: InstitutionApplication, status: str, reason: str | None, actor: Actor) -> None:
    application.status, application.reason = status, reason
    application.reviewer_id, application.reviewer_role = actor.user_id, actor.role
    application.decided_at = utcnow()
    data = application_data(application)
    record_event(db.session, OutboxMessage, "institution.application_decided", data, SOURCE)
    audit(actor, f"institution_application.{status}", "institution_application", application.id, after=data)


def approve(identity: Identity, application_id: int, actor: Actor) -> dict:
    """Creates the institution and its administrator and records the decision, all in one commit: a
    failure on the way (a phone that already has an account, a name taken meanwhile) leaves nothing."""
    application = _pending(identity, application_id)
    phone_in_use = Conflict("phone_in_use", "联系人手机号已注册平台账号，请申请人更换联系人手机号后重新申请")
    if db.session.scalar(select(User.id).where(User.phone == application.contact_phone)) is not None:
        raise phone_in_use
    try:
        institution = add_institution({
            "name": application.name, "type": application.type, "region_code": application.region_code,
            "uscc": application.uscc, "contact_name": application.contact_name,
            "contact_phone": application.contact_phone}, actor)
        user = add_staff_user(application.contact_phone, application.contact_name, "institution", actor,
                              conflict=phone_in_use, institution_id=institution.id,
                              region_code=institution.region_code)
        application.institution_id, application.user_id = institution.id, user.id
        _decide(application, APPROVED, None, actor)
        # Other phones' applications for the same USCC end with this one (each applicant is texted).
        for other in db.session.scalars(select(InstitutionApplication).where(
                InstitutionApplication.uscc == application.uscc, InstitutionApplication.status == PENDING,
                InstitutionApplication.id != application.id)):
            _decide(other, REJECTED, CLOSED_BY_ANOTHER, actor)
        db.session.commit()
    except ApiError:
        db.session.rollback()  # the institution must not outlive a failed approval
        raise
    return {"application": application, "institution": institution, "user": user}


def reject(identity: Identity, application_id: int, reason: str, actor: Actor) -> InstitutionApplication:
    application = _pending(identity, application_id)
    _decide(application, REJECTED, reason, actor)
    db.session.commit()
    return application


"""auth-service use cases: SMS codes, login, token refresh, logout, the personal center.

Each function checks, changes, records its events in the outbox and commits once. None of them
touches the request; the API layer passes in what they need.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import ApiError, Conflict, Throttled, ValidationFailed
from xyd_common.events import catalog
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.redis_store import revoke_sessions as revoke_session_ids
from xyd_common.sealed import NO_SMS_CODE, key_list, seal
from xyd_common.tokens import UNVERIFIED, VERIFIED

from . import signing
from .audit import Actor, audit, login_attempt
from .models import AuthSession, Institution, OutboxMessage, Region, SmsCode, User, db
from .passwords import check_new_password, hash_password, verify_password
from .throttles import check_sms_throttles

log = logging.getLogger(__name__)

SOURCE = "auth-service"
# `apply`: an institution applying to join (申请入驻) proves its contact phone, which has no account yet.
SMS_PURPOSES = ("login", "register", "reset_password", "apply")
# Purposes whose phone need not have an account: the code is always texted.
SMS_PURPOSES_WITHOUT_ACCOUNT = ("register", "apply")
LOGIN_FAILED = "手机号、密码或验证码错误"


def login_failed() -> ApiError:
    # One answer for an unknown phone, a wrong code and a wrong password.
    return ApiError(401, "invalid_credentials", LOGIN_FAILED)


def signing_key() -> signing.SigningKey:
    key = current_app.extensions.get("xyd_signing_key")
    if key is None:
        key = signing.SigningKey.load(current_app.config["JWT_PRIVATE_KEY_FILE"],
                                      current_app.config["JWT_EXTRA_KEY_FILES"])
        current_app.extensions["xyd_signing_key"] = key
    return key


# --- SMS codes -------------------------------------------------------------------------------------

def _code_hash(phone: str, purpose: str, code: str) -> str:
    # Keyed, so a leaked table cannot be brute-forced over the million possible codes. During a key
    # rotation the current (first) key is used: codes requested just before it must be asked again.
    key = key_list(current_app.config["SMS_EVENT_KEY"])[0].encode()
    return hmac.new(key, f"{phone}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def request_sms_code(phone: str, purpose: str, client_ip: str | None) -> dict:
    """Send a code unless a throttle says no. The answer is the same whether the phone has an
    account or not; for login and reset a phone without one simply gets no SMS.

    The work is the same too, so the time taken does not tell whether the phone has an account: a
    code is made and stored and an event recorded for every phone; for one that gets no SMS the event
    seals NO_SMS_CODE instead of the code, which notification-service alone can open. A code stored
    for a phone without an account opens nothing: login and reset find no user for it."""
    cfg = current_app.config
    check_sms_throttles(phone, purpose, client_ip)
    has_account = db.session.scalar(select(User.id).where(User.phone == phone)) is not None
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = cfg["SMS_CODE_TTL_SECONDS"]
    db.session.add(SmsCode(phone=phone, purpose=purpose, code_hash=_code_hash(phone, purpose, code),
                           expires_at=utcnow() + timedelta(seconds=ttl)))
    texted = code if has_account or purpose in SMS_PURPOSES_WITHOUT_ACCOUNT else NO_SMS_CODE
    record_event(db.session, OutboxMessage, "auth.sms_code_requested", {
        "phone": phone, "purpose": purpose, "expires_in": ttl, "sealed_code": seal(cfg["SMS_EVENT_KEY"], texted),
    }, SOURCE)
    db.session.commit()
    return {"expires_in": cfg["SMS_CODE_TTL_SECONDS"], "resend_after": cfg["SMS_RESEND_SECONDS"]}


def verify_sms_code(phone: str, purpose: str, code: str, count_miss: bool = True) -> SmsCode | None:
    """The live code row if `code` matches the newest code for phone and purpose. A wrong guess is
    counted (committed at once); after SMS_MAX_ATTEMPTS wrong guesses the code is dead. `count_miss`
    False: the caller counts wrong guesses itself (where the guesser need not be the phone's owner)."""
    row = db.session.scalar(
        select(SmsCode).where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.id.desc()).limit(1))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if row.attempts >= current_app.config["SMS_MAX_ATTEMPTS"]:
        return None
    if not hmac.compare_digest(row.code_hash, _code_hash(phone, purpose, code)):
        if not count_miss:
            return None
        db.session.execute(update(SmsCode).where(SmsCode.id == row.id)
                           .values(attempts=SmsCode.attempts + 1))
        db.session.commit()
        return None
    return row


def consume_sms_code(row: SmsCode) -> bool:
    """Mark the code used; False if a concurrent request used it first."""
    result = db.session.execute(update(SmsCode).where(SmsCode.id == row.id, SmsCode.used_at.is_(None))
                                .values(used_at=utcnow()))
    return result.rowcount == 1


# --- sessions and tokens ---------------------------------------------------------------------------

def token_pair(user: User, session: AuthSession, refresh_secret: str) -> dict:
    cfg = current_app.config
    return {
        "access_token": signing.access_token(signing_key(), cfg, user, session.id),
        "refresh_token": f"{session.id}.{refresh_secret}",
        "token_type": "Bearer",
        "expires_in": cfg["ACCESS_TOKEN_TTL_SECONDS"],
        "user": user,
    }


def open_session(user: User, client_ip: str | None) -> dict:
    refresh_secret = signing.new_refresh_secret()
    session = AuthSession(id=secrets.token_hex(16), user_id=user.id,
                          refresh_hash=signing.hash_secret(refresh_secret), client_ip=client_ip,
                          refresh_expires_at=utcnow() + timedelta(
                              seconds=current_app.config["REFRESH_TOKEN_TTL_SECONDS"]))
    db.session.add(session)
    return token_pair(user, session, refresh_secret)


def revoke_sessions(sessions: list[AuthSession]) -> None:
    """Revoke sessions: their refresh tokens stop working, and their access tokens are refused by the
    gateway and every service from the moment the Redis key exists."""
    if not sessions:
        return
    now = utcnow()
    for session in sessions:
        session.revoked_at = session.revoked_at or now
    revoke_session_ids([session.id for session in sessions], current_app.config["ACCESS_TOKEN_TTL_SECONDS"] + 60)


def revoke_user_sessions(user_id: int, keep_session_id: str | None = None) -> None:
    sessions = db.session.scalars(select(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))).all()
    revoke_sessions([s for s in sessions if s.id != keep_session_id])


def login(phone: str, password: str, sms_code: str, actor: Actor) -> dict:
    """Phone + password + SMS code. The code is checked first; only with a valid code does a wrong
    password count towards the lock, so strangers cannot lock someone out."""
    user = db.session.scalar(select(User).where(User.phone == phone))
    # Read before any commit or rollback expires the user: reloading it would make a failed login of a
    # phone with an account measurably slower than one without.
    user_id = user.id if user else None
    code = verify_sms_code(phone, "login", sms_code)

    def fail(result: str, error: ApiError):
        db.session.rollback()
        login_attempt(phone, user_id, result, actor)
        db.session.commit()
        raise error

    if user is None or code is None:
        fail("invalid_code" if user else "unknown_phone", login_failed())
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        fail("locked", account_locked(user))
    if not verify_password(user.password_hash, password):
        count_wrong_password(user, actor)
        login_attempt(phone, user.id, "wrong_password", actor)
        db.session.commit()
        raise login_failed()
    if user.status != "active" or not institution_active(user.institution_id):
        fail("disabled", login_failed())
    if not consume_sms_code(code):
        fail("invalid_code", login_failed())
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    pair = open_session(user, actor.ip)
    login_attempt(phone, user.id, "success", actor)
    db.session.commit()
    return pair


def account_locked(user: User) -> Throttled:
    return Throttled((user.locked_until - utcnow()).total_seconds(), code="account_locked",
                     message="密码错误次数过多，账号已临时锁定，请稍后再试")


def count_wrong_password(user: User, actor: Actor) -> bool:
    """One more wrong password (at login, or as the old password of a change); True when it locks
    the account: LOGIN_MAX_FAILURES in a row lock it for LOGIN_LOCK_SECONDS. The caller commits."""
    cfg = current_app.config
    failures = user.failed_logins + 1
    if failures < cfg["LOGIN_MAX_FAILURES"]:
        user.failed_logins = failures
        return False
    user.failed_logins = 0
    user.locked_until = utcnow() + timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"])
    audit(Actor(user.id, user.role, actor.ip), "account.locked", "user", user.id,
          after={"locked_until": user.locked_until.isoformat()})
    return True


def password_context(user: User) -> list[str]:
    """What a user's password must not be built from: their phone and names."""
    institution = db.session.get(Institution, user.institution_id) if user.institution_id else None
    return [user.phone, user.name, user.enterprise_name, institution.name if institution else None]


def institution_active(institution_id: int | None) -> bool:
    if institution_id is None:
        return True
    return db.session.scalar(select(Institution.status).where(Institution.id == institution_id)) == "active"


def refresh(refresh_token: str) -> dict:
    session_id, _, secret = refresh_token.partition(".")
    session = db.session.get(AuthSession, session_id) if session_id and secret else None
    if session is None or session.revoked_at is not None:
        raise ApiError(401, "unauthorized", "登录已失效，请重新登录")
    presented = signing.hash_secret(secret)
    if session.previous_refresh_hash and hmac.compare_digest(presented, session.previous_refresh_hash):
        # A rotated-out token came back: someone holds a copy. End the session for both holders.
        log.warning("refresh token reuse on session %s; session revoked", session.id)
        revoke_sessions([session])
        db.session.commit()
        raise ApiError(401, "unauthorized", "登录已失效，请重新登录")
    user = db.session.get(User, session.user_id)
    if (not hmac.compare_digest(presented, session.refresh_hash) or session.refresh_expires_at <= utcnow()
            or user is None or user.status != "active" or not institution_active(user.institution_id)):
        raise ApiError(401, "unauthorized", "登录已失效，请重新登录")
    new_secret = signing.new_refresh_secret()
    result = db.session.execute(
        update(AuthSession).where(AuthSession.id == session.id, AuthSession.refresh_hash == presented)
        .values(previous_refresh_hash=presented, refresh_hash=signing.hash_secret(new_secret),
                last_used_at=utcnow()))
    if result.rowcount != 1:  # a concurrent refresh with the same token won
        db.session.rollback()
        raise ApiError(401, "unauthorized", "登录已失效，请重新登录")
    db.session.commit()
    return token_pair(user, session, new_secret)


def logout(session_id: str | None) -> None:
    session = db.session.get(AuthSession, session_id) if session_id else None
    if session is not None:
        revoke_sessions([session])
        db.session.commit()


def get_user(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise ApiError(404, "not_found", "用户不存在")
    return user


def update_profile(user_id: int, changes: dict) -> User:
    user = get_user(user_id)
    for field in ("name", "email"):
        if field in changes:
            setattr(user, field, changes[field])
    record_event(db.session, OutboxMessage, "auth.user_updated", user_event_data(user), SOURCE)
    db.session.commit()
    return user


def user_event_data(user: User) -> dict:
    return {"id": user.id, "role": user.role, "phone": user.phone, "name": user.name,
            "institution_id": user.institution_id, "enterprise_uscc": user.enterprise_uscc,
            "enterprise_name": user.enterprise_name, "region_code": user.region_code,
            "status": user.status, "verification_status": user.verification_status}


INTERNAL_USERS_PAGE = 500


def users_after(after: str | None) -> dict:
    """A page of every user in the shape of `auth.user_created`, by id, for services loading their copies."""
    stmt = select(User).order_by(User.id).limit(INTERNAL_USERS_PAGE)
    if after:
        stmt = stmt.where(User.id > int(after))
    users = db.session.scalars(stmt).all()
    return {"items": [user_event_data(u) for u in users],
            "next_cursor": str(users[-1].id) if len(users) == INTERNAL_USERS_PAGE else None}


# --- accounts: registration and passwords ------------------------------------------------------

def check_region(code: str, field: str = "region_code") -> Region:
    region = db.session.get(Region, code)
    if region is None:
        raise ValidationFailed({field: ["行政区不存在"]})
    return region


def register_enterprise(body: dict, actor: Actor) -> User:
    """Self-registration of an enterprise or individual business: one account per phone. The account
    only claims its USCC: it acts for the enterprise once its verification is approved."""
    check_new_password(body["password"], field="password", role="enterprise",
                       context=[body["phone"], body["contact_name"], body["enterprise_name"]])
    check_region(body["region_code"])
    code = verify_sms_code(body["phone"], "register", body["sms_code"])
    if code is None:
        raise ValidationFailed({"sms_code": ["验证码错误或已失效"]}, code="invalid_sms_code",
                               message="验证码错误或已失效")
    if db.session.scalar(select(User.id).where(User.phone == body["phone"])) is not None:
        raise Conflict("phone_registered", "该手机号已注册")
    # Several accounts may claim a USCC until one is verified (企业认证); then the USCC is taken.
    if db.session.scalar(select(User.id).where(User.enterprise_uscc == body["uscc"],
                                               User.verification_status == VERIFIED)) is not None:
        raise Conflict("enterprise_registered", "该统一社会信用代码已由其他账户完成认证")
    if not consume_sms_code(code):
        raise ValidationFailed({"sms_code": ["验证码错误或已失效"]}, code="invalid_sms_code",
                               message="验证码错误或已失效")
    user = User(phone=body["phone"], name=body["contact_name"], role="enterprise",
                password_hash=hash_password(body["password"]), enterprise_uscc=body["uscc"],
                enterprise_name=body["enterprise_name"], region_code=body["region_code"],
                verification_status=UNVERIFIED)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent registration with the same phone won
        db.session.rollback()
        raise Conflict("phone_registered", "该手机号已注册") from None
    record_event(db.session, OutboxMessage, "auth.user_created", user_event_data(user), SOURCE)
    audit(Actor(user.id, user.role, actor.ip), "user.registered", "user", user.id, after=user_event_data(user))
    db.session.commit()
    return user


def change_password(user_id: int, old_password: str, new_password: str, actor: Actor) -> dict:
    """Change one's own password: answers a fresh token pair, every other session ends."""
    user = get_user(user_id)
    if user.locked_until is not None and user.locked_until > utcnow():
        raise account_locked(user)
    if not verify_password(user.password_hash, old_password):
        # Counted like a wrong login password: a stolen session cannot guess the password for ever.
        if count_wrong_password(user, actor):
            revoke_user_sessions(user.id)
            audit(actor, "password.change_failed", "user", user.id)
            db.session.commit()
            raise account_locked(user)
        audit(actor, "password.change_failed", "user", user.id)
        db.session.commit()
        raise ValidationFailed({"old_password": ["原密码错误"]}, code="wrong_password", message="原密码错误")
    check_new_password(new_password, user.password_hash, role=user.role, context=password_context(user))
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.failed_logins = 0
    revoke_user_sessions(user.id)
    pair = open_session(user, actor.ip)
    audit(actor, "password.changed", "user", user.id)
    db.session.commit()
    return pair


def reset_password_with_sms(phone: str, sms_code: str, new_password: str, actor: Actor) -> None:
    """Forgot password: SMS code proves the phone; all sessions end."""
    user = db.session.scalar(select(User).where(User.phone == phone))
    code = verify_sms_code(phone, "reset_password", sms_code)
    if user is None or code is None:
        raise ValidationFailed({"sms_code": ["验证码错误或已失效"]}, code="invalid_sms_code",
                               message="验证码错误或已失效")
    check_new_password(new_password, user.password_hash, role=user.role, context=password_context(user))
    if not consume_sms_code(code):
        raise ValidationFailed({"sms_code": ["验证码错误或已失效"]}, code="invalid_sms_code",
                               message="验证码错误或已失效")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.failed_logins = 0
    user.locked_until = None
    revoke_user_sessions(user.id)
    audit(Actor(user.id, user.role, actor.ip), "password.reset_by_sms", "user", user.id)
    db.session.commit()


# --- platform bootstrap and service tokens ---------------------------------------------------------

def bootstrap_admin(phone: str, password: str | None) -> tuple[User | None, str | None]:
    """Create the platform admin unless an admin exists. Returns (user, generated password)."""
    if db.session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None:
        return None, None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(9) + "9a"
    user = User(phone=phone, name="平台管理员", role="admin", password_hash=hash_password(password),
                must_change_password=generated is not None)
    db.session.add(user)
    db.session.flush()
    record_event(db.session, OutboxMessage, "auth.user_created", user_event_data(user), SOURCE)
    db.session.commit()
    return user, generated


# The services that may ask for a service token: the gateway and every service of the platform (the
# event catalog's list of them, so a new service is named once there).
KNOWN_SERVICES = ("gateway", *catalog.SERVICES)


def issue_service_token(service: str, secret: str) -> dict:
    expected = current_app.config["SERVICE_TOKEN_SECRET"]
    if not expected or service not in KNOWN_SERVICES or not hmac.compare_digest(secret, expected):
        raise ApiError(401, "unauthorized", "服务凭据无效")
    cfg = current_app.config
    return {"access_token": signing.service_token(signing_key(), cfg, service), "token_type": "Bearer",
            "expires_in": cfg["SERVICE_TOKEN_TTL_SECONDS"]}

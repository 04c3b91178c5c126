"""Platform administration (role admin): regions, institutions, their users, government users,
user management. Every change is audited and announced through the outbox."""

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event
from xyd_common.pagination import SortKey, paginate

from .audit import Actor, audit
from .models import AuditLog, Institution, LoginLog, OutboxMessage, Region, User, db
from .passwords import hash_password
from .services import SOURCE, check_region, revoke_user_sessions, user_event_data

INSTITUTION_TYPES = ("bank", "guarantee", "microloan", "leasing", "insurance", "other")


# --- regions ---------------------------------------------------------------------------------------

def list_regions() -> list[Region]:
    return db.session.scalars(select(Region).order_by(Region.code)).all()


def region_path(region: Region) -> list[str]:
    """Codes from the root down to `region` itself."""
    path = [region.code]
    parent = region.parent_code
    while parent is not None:
        path.append(parent)
        parent = db.session.scalar(select(Region.parent_code).where(Region.code == parent))
    return list(reversed(path))


def region_data(region: Region) -> dict:
    return {"code": region.code, "name": region.name, "parent_code": region.parent_code,
            "path": region_path(region)}


def create_region(body: dict, actor: Actor) -> Region:
    if body.get("parent_code"):
        check_region(body["parent_code"], field="parent_code")
    if db.session.get(Region, body["code"]) is not None:
        raise Conflict("duplicate_region", "行政区代码已存在")
    region = Region(code=body["code"], name=body["name"], parent_code=body.get("parent_code"))
    db.session.add(region)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("duplicate_region", "行政区代码已存在") from None
    data = region_data(region)
    record_event(db.session, OutboxMessage, "region.created", data, SOURCE)
    audit(actor, "region.created", "region", region.code, after=data)
    db.session.commit()
    return region


# --- institutions ----------------------------------------------------------------------------------

def institution_data(inst: Institution) -> dict:
    return {"id": inst.id, "name": inst.name, "type": inst.type, "region_code": inst.region_code,
            "uscc": inst.uscc, "contact_name": inst.contact_name, "contact_phone": inst.contact_phone,
            "status": inst.status}


def get_institution(institution_id: int) -> Institution:
    inst = db.session.get(Institution, institution_id)
    if inst is None:
        raise NotFound("机构不存在")
    return inst


def _check_institution_unique(name: str | None, uscc: str | None, own_id: int | None = None) -> None:
    if name and db.session.scalar(select(Institution.id).where(Institution.name == name,
                                                               Institution.id != (own_id or 0))):
        raise Conflict("duplicate_institution", "机构名称已存在")
    if uscc and db.session.scalar(select(Institution.id).where(Institution.uscc == uscc,
                                                               Institution.id != (own_id or 0))):
        raise Conflict("duplicate_institution", "该统一社会信用代码的机构已存在")


def add_institution(body: dict, actor: Actor) -> Institution:
    """A new institution, announced and audited in the caller's transaction (not committed)."""
    check_region(body["region_code"])
    _check_institution_unique(body["name"], body.get("uscc"))
    inst = Institution(**body)
    db.session.add(inst)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent request took the name or USCC
        db.session.rollback()
        raise Conflict("duplicate_institution", "机构名称或统一社会信用代码已存在") from None
    data = institution_data(inst)
    record_event(db.session, OutboxMessage, "institution.created", data, SOURCE)
    audit(actor, "institution.created", "institution", inst.id, after=data)
    return inst


def create_institution(body: dict, actor: Actor) -> Institution:
    inst = add_institution(body, actor)
    db.session.commit()
    return inst


def update_institution(institution_id: int, changes: dict, actor: Actor) -> Institution:
    inst = get_institution(institution_id)
    if "region_code" in changes:
        check_region(changes["region_code"])
    _check_institution_unique(changes.get("name"), changes.get("uscc"), own_id=inst.id)
    before = institution_data(inst)
    for key, value in changes.items():
        setattr(inst, key, value)
    db.session.flush()
    after = institution_data(inst)
    record_event(db.session, OutboxMessage, "institution.updated", after, SOURCE)
    audit(actor, "institution.updated", "institution", inst.id, before=before, after=after)
    db.session.commit()
    return inst


def set_institution_status(institution_id: int, status: str, actor: Actor) -> Institution:
    """Disable or enable an institution. Disabling logs its users out at once; product- and
    order-service hide its products on `institution.disabled`."""
    inst = get_institution(institution_id)
    if inst.status != status:
        before = institution_data(inst)
        inst.status = status
        if status == "disabled":
            for user_id in db.session.scalars(select(User.id).where(User.institution_id == inst.id)):
                revoke_user_sessions(user_id)
        event = "institution.disabled" if status == "disabled" else "institution.enabled"
        record_event(db.session, OutboxMessage, event, institution_data(inst), SOURCE)
        audit(actor, event, "institution", inst.id, before=before, after=institution_data(inst))
        db.session.commit()
    return inst


def all_institutions() -> list[Institution]:
    """Every institution, for services loading their copies (`/internal/institutions`)."""
    return db.session.scalars(select(Institution).order_by(Institution.id)).all()


def list_institutions(args: dict) -> dict:
    stmt = select(Institution)
    if args.get("region_code"):
        stmt = stmt.where(Institution.region_code == args["region_code"])
    if args.get("type"):
        stmt = stmt.where(Institution.type == args["type"])
    if args.get("status"):
        stmt = stmt.where(Institution.status == args["status"])
    if args.get("q"):
        stmt = stmt.where(Institution.name.contains(args["q"]))
    return paginate(db.session, stmt, [SortKey(Institution.id, descending=True)], args)


# --- users -----------------------------------------------------------------------------------------

def add_staff_user(phone: str, name: str, role: str, actor: Actor, conflict: Conflict | None = None,
                   **fields) -> User:
    """An institution or government user with the initial password, to be changed at first login;
    announced and audited in the caller's transaction (not committed). A phone that already has an
    account raises `conflict` (default 409 phone_registered)."""
    conflict = conflict or Conflict("phone_registered", "该手机号已注册")
    if db.session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise conflict
    user = User(phone=phone, name=name, role=role, must_change_password=True,
                password_hash=hash_password(current_app.config["INITIAL_PASSWORD"]), **fields)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise conflict from None
    data = user_event_data(user)
    record_event(db.session, OutboxMessage, "auth.user_created", data, SOURCE)
    audit(actor, "user.created", "user", user.id, after=data)
    return user


def _create_staff_user(phone: str, name: str, role: str, actor: Actor, **fields) -> User:
    user = add_staff_user(phone, name, role, actor, **fields)
    db.session.commit()
    return user


def create_institution_user(institution_id: int, body: dict, actor: Actor) -> User:
    inst = get_institution(institution_id)
    return _create_staff_user(body["phone"], body["name"], "institution", actor, institution_id=inst.id,
                              region_code=inst.region_code)


def create_government_user(body: dict, actor: Actor) -> User:
    check_region(body["region_code"])
    return _create_staff_user(body["phone"], body["name"], "government", actor,
                              region_code=body["region_code"])


def get_managed_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    return user


def set_user_status(user_id: int, status: str, actor: Actor) -> User:
    user = get_managed_user(user_id)
    if user.id == actor.user_id and status == "disabled":
        raise ValidationFailed({"id": ["不能停用自己的账号"]}, code="invalid_target", message="不能停用自己的账号")
    if user.status != status:
        before = user_event_data(user)
        user.status = status
        if status == "disabled":
            revoke_user_sessions(user.id)
        record_event(db.session, OutboxMessage, "auth.user_updated", user_event_data(user), SOURCE)
        audit(actor, f"user.{'disabled' if status == 'disabled' else 'enabled'}", "user", user.id,
              before=before, after=user_event_data(user))
        db.session.commit()
    return user


def reset_user_password(user_id: int, actor: Actor) -> User:
    """Back to the initial password; the user must change it at next login; sessions end. Never one's
    own: that would end the admin's session and leave the platform's one admin account on 111111."""
    user = get_managed_user(user_id)
    if user.id == actor.user_id:
        raise ValidationFailed({"id": ["不能重置自己的密码，请使用“修改密码”"]}, code="invalid_target",
                               message="不能重置自己的密码，请使用“修改密码”")
    user.password_hash = hash_password(current_app.config["INITIAL_PASSWORD"])
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    revoke_user_sessions(user.id)
    audit(actor, "user.password_reset", "user", user.id)
    db.session.commit()
    return user


def list_users(args: dict) -> dict:
    stmt = select(User)
    for key in ("role", "status", "institution_id", "region_code"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(User, key) == args[key])
    if args.get("q"):
        q = args["q"]
        stmt = stmt.where(or_(User.name.contains(q), User.phone.contains(q), User.enterprise_name.contains(q),
                              User.enterprise_uscc == q.upper()))
    return paginate(db.session, stmt, [SortKey(User.id, descending=True)], args)


def list_audit_logs(args: dict) -> dict:
    stmt = select(AuditLog)
    for key in ("actor_id", "action", "target_type", "target_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(AuditLog, key) == args[key])
    if args.get("since"):
        stmt = stmt.where(AuditLog.at >= args["since"])
    if args.get("until"):
        stmt = stmt.where(AuditLog.at < args["until"])
    return paginate(db.session, stmt, [SortKey(AuditLog.id, descending=True)], args)


def list_login_logs(args: dict) -> dict:
    stmt = select(LoginLog)
    for key in ("phone", "user_id", "result"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(LoginLog, key) == args[key])
    if args.get("since"):
        stmt = stmt.where(LoginLog.at >= args["since"])
    if args.get("until"):
        stmt = stmt.where(LoginLog.at < args["until"])
    return paginate(db.session, stmt, [SortKey(LoginLog.id, descending=True)], args)

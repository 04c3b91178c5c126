"""Reading credit data: an enterprise's credit record (with the access rules and the access log), the
whitelist view, the access log itself, and the risk states order-service reconciles with."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select

from xyd_common.errors import NotFound
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity, enterprise_unverified, require_verified_enterprise
from xyd_common.validators import is_valid_uscc

from .consent import institution_may_read, institution_names
from .disclosure import hidden_reason, suppressed_indicators
from .models import AccessLog, CreditRecord, Enterprise, OrderAuthorization, WhitelistEntry, db
from .monitoring import CHINA, china_today, current_entry, valid_entry_clause
from .reference import is_within, within
from .risk import NONE, assess, flag_level

NOT_FOUND_MESSAGE = "未找到该企业的信用记录"


# --- the credit record ---------------------------------------------------------------------------------

def record_item(record: CreditRecord, day: date) -> dict:
    reason = hidden_reason(record, day)
    return {"id": record.id, "category": record.category, "title": record.title, "authority": record.authority,
            "decided_on": record.decided_on, "content": record.content, "publish_until": record.publish_until,
            "repaired_on": record.repaired_on, "disputed": any(d.status == "open" for d in record.disputes),
            "visible_to_institutions": reason is None, "hidden_reason": reason,
            "dispute_note": record.dispute_note}


def credit_record(enterprise: Enterprise, day: date | None = None, for_institution: bool = False) -> dict:
    """The contract's shape of `GET /credit/enterprises/{uscc}`. Institutions are not shown the records
    that left publication (disclosure.py); everyone else sees them marked."""
    day = day or china_today()
    risk = assess(enterprise.risk_flags, suppressed_indicators(enterprise.records, day))
    records = [record_item(r, day) for r in enterprise.records]
    if for_institution:
        records = [r for r in records if r["visible_to_institutions"]]
    return {
        "enterprise": enterprise,
        "tax_credit_rating": enterprise.tax_credit_rating,
        "records": records,
        "whitelisted": current_entry(enterprise.whitelist_entries, day) is not None,
        "whitelist_entries": enterprise.whitelist_entries,
        "risk": {
            "level": risk.level,
            "tags": list(risk.tags),
            # Active flags first, each group newest first.
            "flags": [{"indicator": f.indicator, "level": flag_level(f.indicator, f.level), "source": f.source,
                       "detected_on": f.detected_on, "active": f.active}
                      for f in sorted(enterprise.risk_flags, key=lambda f: not f.active)],
        },
    }


def institution_authorized(institution_id: int | None, uscc: str, order_id: str | None = None) -> bool:
    """Whether the enterprise authorized the institution through an order (that order, when given) and
    that authorization still grants access (consent.py)."""
    return institution_may_read(institution_id, uscc, order_id)


def may_view(identity: Identity, enterprise: Enterprise, order_id: str | None) -> bool:
    """The contract's access rule for a credit record."""
    if identity.role == "admin":
        return True
    if identity.role == "government":
        return bool(identity.region_code) and is_within(enterprise.region_code, identity.region_code)
    if identity.role == "institution":
        # An order named by the caller must be one through which this enterprise authorized it.
        return institution_authorized(identity.institution_id, enterprise.uscc, order_id)
    if identity.role == "enterprise":
        # Only an account whose 企业认证 was approved acts for its USCC; a registration claim is not enough.
        return identity.verified_uscc == enterprise.uscc
    return False


# Why a role reads a record, as the enterprise's access log says it.
PURPOSES = {"institution": "融资申请审核与贷后管理", "government": "信用监管", "admin": "平台运营管理",
            "enterprise": "查看本企业信用记录"}


def log_access(viewer_id: str, viewer_role: str, institution_id: int | None, uscc: str, order_id: str | None,
               granted: bool, via: str, request_id: str | None) -> None:
    db.session.add(AccessLog(viewer_id=viewer_id[:64], viewer_role=viewer_role[:20], institution_id=institution_id,
                             uscc=uscc, order_id=order_id, granted=granted, via=via[:40], request_id=request_id,
                             purpose=PURPOSES.get(viewer_role)))


def view_credit_record(identity: Identity, uscc: str, order_id: str | None, request_id: str | None) -> dict:
    """A user reads a credit record: allowed, or 404 (also for records that exist but are not theirs).
    Either way the attempt is logged."""
    uscc = uscc.strip().upper()
    if not is_valid_uscc(uscc):
        raise NotFound(NOT_FOUND_MESSAGE)
    unverified_own = (identity.role == "enterprise" and identity.verified_uscc is None
                      and identity.enterprise_uscc == uscc)
    enterprise = db.session.get(Enterprise, uscc)
    granted = enterprise is not None and may_view(identity, enterprise, order_id)
    log_access(identity.subject, identity.role, identity.institution_id, uscc, order_id, granted, "api", request_id)
    db.session.commit()
    if unverified_own:
        # The account claims this USCC but is not verified: say so rather than a bare 404.
        raise enterprise_unverified()
    if not granted:
        raise NotFound(NOT_FOUND_MESSAGE)
    return credit_record(enterprise, for_institution=identity.role == "institution")


def own_credit_record(identity: Identity, request_id: str | None) -> dict:
    """`GET /credit/me`: a verified enterprise reads its own record."""
    uscc = require_verified_enterprise(identity)
    return view_credit_record(identity, uscc, None, request_id)


def own_access_log(identity: Identity, args: dict) -> dict:
    """`GET /credit/me/access-logs`: every read of the enterprise's record, by whom (institution and
    role, never the person), for which order, why, and whether it was allowed."""
    uscc = require_verified_enterprise(identity)
    stmt = select(AccessLog).where(AccessLog.uscc == uscc)
    page = paginate(db.session, stmt, [SortKey(AccessLog.viewed_at, descending=True),
                                       SortKey(AccessLog.id, descending=True)], args)
    names = institution_names(log.institution_id for log in page["items"])
    page["items"] = [{"institution_id": log.institution_id, "institution_name": names.get(log.institution_id),
                      "viewer_role": log.viewer_role, "order_id": log.order_id, "purpose": log.purpose,
                      "at": log.viewed_at, "granted": log.granted} for log in page["items"]]
    return page


def registration(uscc: str) -> Enterprise:
    """The registration data auth-service pre-checks a verification request against."""
    enterprise = db.session.get(Enterprise, uscc.strip().upper()) if is_valid_uscc(uscc.strip().upper()) else None
    if enterprise is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return enterprise


def service_credit_record(service: str, uscc: str, args: dict, request_id: str | None) -> dict:
    """Another service (order-service, for an order's details) reads a credit record on a user's behalf;
    that service has checked the user's access to the order. Logged with the user it names."""
    uscc = uscc.strip().upper()
    if not is_valid_uscc(uscc):
        raise NotFound(NOT_FOUND_MESSAGE)
    enterprise = db.session.get(Enterprise, uscc)
    log_access(args.get("viewer_id") or service, args.get("viewer_role") or "service",
               args.get("viewer_institution_id"), uscc, args.get("order_id"), enterprise is not None, service,
               request_id)
    db.session.commit()
    if enterprise is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return credit_record(enterprise, for_institution=args.get("viewer_role") == "institution")


# --- risk states (order-service's reconciliation) -------------------------------------------------------

def risk_states(usccs: list[str]) -> list[dict]:
    """`[{uscc, level, tags, whitelisted, known}]` in the order asked; an enterprise credit-service has
    no data on has no risk (`none`) and is not whitelisted (`known: false`)."""
    wanted = list(dict.fromkeys(usccs))
    enterprises = {e.uscc: e for e in db.session.scalars(select(Enterprise).where(Enterprise.uscc.in_(wanted)))}
    whitelisted = set(db.session.scalars(select(WhitelistEntry.uscc).where(
        WhitelistEntry.uscc.in_(wanted), valid_entry_clause(china_today()))))
    out = []
    for uscc in wanted:
        enterprise = enterprises.get(uscc)
        out.append({"uscc": uscc, "level": enterprise.risk_level if enterprise else NONE,
                    "tags": list(enterprise.risk_tags or []) if enterprise else [],
                    "whitelisted": uscc in whitelisted, "known": enterprise is not None})
    return out


# --- the whitelist ---------------------------------------------------------------------------------------

def mask_uscc(uscc: str) -> str:
    """91350100M000100Y43 -> 9135*********00Y43: enough to tell entries apart, not to look one up."""
    return uscc[:4] + "*" * (len(uscc) - 9) + uscc[-5:]


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def whitelist_page(identity: Identity, args: dict) -> dict:
    """The 信易贷 whitelist: entries valid today (or all), newest first. Government users see their
    region and below; institution users see a USCC whole only where that enterprise applied to them."""
    stmt = select(WhitelistEntry).join(Enterprise, Enterprise.uscc == WhitelistEntry.uscc)
    if not args.get("include_expired"):
        stmt = stmt.where(valid_entry_clause(china_today()))
    if identity.role == "government":
        stmt = stmt.where(within(WhitelistEntry.region_code, identity.region_code or "-"))
    if args.get("region_code"):
        stmt = stmt.where(within(WhitelistEntry.region_code, args["region_code"]))
    if args.get("batch"):
        stmt = stmt.where(WhitelistEntry.batch == args["batch"])
    if args.get("q"):
        q = args["q"].strip()
        pattern = _like(q)
        stmt = stmt.where(or_(Enterprise.name.like(pattern, escape="\\"),
                              WhitelistEntry.uscc.like(_like(q.upper()), escape="\\")))
    body = paginate(db.session, stmt, [SortKey(WhitelistEntry.id, descending=True)], args)
    entries = body["items"]
    visible = None  # every USCC in full
    if identity.role == "institution":
        visible = set(db.session.scalars(select(OrderAuthorization.enterprise_uscc).where(
            OrderAuthorization.institution_id == identity.institution_id,
            OrderAuthorization.enterprise_uscc.in_({e.uscc for e in entries})))) if identity.institution_id else set()
    body["items"] = [{
        "uscc": e.uscc if visible is None or e.uscc in visible else mask_uscc(e.uscc),
        "masked": visible is not None and e.uscc not in visible,
        "enterprise_name": e.enterprise.name, "region_code": e.region_code, "industry": e.enterprise.industry,
        "batch": e.batch, "listed_on": e.listed_on, "valid_until": e.valid_until,
    } for e in entries]
    return body


# --- the access log --------------------------------------------------------------------------------------

def china_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def access_log_page(args: dict) -> dict:
    """Every read of a credit record, newest first, filtered."""
    stmt = select(AccessLog)
    for name in ("viewer_id", "viewer_role", "institution_id", "order_id", "granted"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(AccessLog, name) == args[name])
    if args.get("uscc"):
        stmt = stmt.where(AccessLog.uscc == args["uscc"].strip().upper())
    if args.get("from_"):
        stmt = stmt.where(AccessLog.viewed_at >= china_day_start(args["from_"]))
    if args.get("to"):
        stmt = stmt.where(AccessLog.viewed_at < china_day_start(args["to"] + timedelta(days=1)))
    keys = [SortKey(AccessLog.viewed_at, descending=True), SortKey(AccessLog.id, descending=True)]
    return paginate(db.session, stmt, keys, args)

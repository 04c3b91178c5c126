"""政策资讯: government policies on the portal, recommended to the enterprises they are written for.

Who manages: a government user of the policy's region or of a region above it, and the admin; to anyone
else a policy that is not on the portal does not exist (404). Status follows from the dates, read at
every request with today's China date, so the portal is right the moment a day begins:
`withdrawn` once withdrawn, else `scheduled` before `published_on`, `expired` after `valid_until`,
else `published`. Only the announcement needs a clock: `policy.published` (which notification-service
turns into in-app notices for the enterprises it lists) is recorded when a policy is created or edited
into its publication day, and for a scheduled one by `flask publish-due-policies` (a periodic job), once
per policy (`announced_at`).

Matching (recommendations and the notified audience), one rule: the policy's region is the
enterprise's region or one above it; its industries are empty or hold the enterprise's industry (the
credit record's, from `auth.enterprise_verified`); whitelisted_only needs the enterprise on the whitelist
(`credit.whitelist_changed`); first_loan_only needs no loan of it disbursed yet (`order.disbursed`).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, false, or_, select, true, tuple_

from xyd_common.errors import Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity, require_verified_enterprise

from .models import (
    EnterpriseProfile,
    EnterpriseWhitelist,
    Instrument,
    OutboxMessage,
    Policy,
    PolicyIndustry,
    Product,
    Region,
    db,
)
from .schemas import PolicySchema
from .services import SOURCE, region_scope

CHINA = ZoneInfo("Asia/Shanghai")
NEWEST = [SortKey(Policy.published_on, descending=True), SortKey(Policy.id, descending=True)]
SCALAR_FIELDS = ("title", "body", "issuer", "region_code", "published_on", "valid_until", "links")
NOT_FOUND = "政策不存在"

_policy_schema = PolicySchema()


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


# --- status and who may see what ---------------------------------------------------------------------

def status_of(policy: Policy, today: date) -> str:
    if policy.withdrawn_at is not None:
        return "withdrawn"
    if policy.published_on > today:
        return "scheduled"
    if policy.valid_until is not None and policy.valid_until < today:
        return "expired"
    return "published"


def _status_clause(status: str, today: date):
    """The SQL form of `status_of(policy, today) == status`."""
    kept = Policy.withdrawn_at.is_(None)
    return {
        "withdrawn": Policy.withdrawn_at.is_not(None),
        "scheduled": kept & (Policy.published_on > today),
        "expired": kept & (Policy.published_on <= today) & Policy.valid_until.is_not(None)
        & (Policy.valid_until < today),
        "published": kept & (Policy.published_on <= today)
        & or_(Policy.valid_until.is_(None), Policy.valid_until >= today),
    }[status]


def region_and_below(region_code: str) -> list[str]:
    """The region and every known region below it (their paths pass through it)."""
    below = [code for code, path in db.session.execute(select(Region.code, Region.path)) if region_code in path]
    return list(dict.fromkeys([region_code, *below]))


def may_manage(identity: Identity | None, region_code: str) -> bool:
    if identity is None:
        return False
    if identity.role == "admin":
        return True
    return (identity.role == "government" and identity.region_code is not None
            and identity.region_code in region_scope(region_code))


def _managed(identity: Identity, policy_id: int) -> Policy:
    """A policy the caller manages, locked for the change; any other is as good as missing."""
    policy = db.session.get(Policy, policy_id, with_for_update=True)
    if policy is None or not may_manage(identity, policy.region_code):
        raise NotFound(NOT_FOUND)
    return policy


# --- what the API shows, also the data of policy.* events -------------------------------------------------

def link_names(links: list[dict]) -> dict[tuple[str, int], str]:
    """(type, id) -> name of what a policy links to: its products, and the funds and programmes whose
    events have arrived (a link announced before its fund reads without a name until then)."""
    product_ids = [link["id"] for link in links if link["type"] == "product"]
    instruments = [(link["type"], link["id"]) for link in links if link["type"] != "product"]
    names = {("product", pid): name for pid, name in db.session.execute(
        select(Product.id, Product.name).where(Product.id.in_(product_ids))).all()} if product_ids else {}
    if instruments:
        names.update({(kind, iid): name for kind, iid, name in db.session.execute(
            select(Instrument.kind, Instrument.id, Instrument.name)
            .where(tuple_(Instrument.kind, Instrument.id).in_(instruments))).all()})
    return names


def policy_view(policy: Policy, today: date | None = None) -> dict:
    names = link_names(policy.links)
    region = db.session.get(Region, policy.region_code)
    return {
        "id": policy.id, "title": policy.title, "body": policy.body, "issuer": policy.issuer,
        "region_code": policy.region_code, "region_name": region.name if region else None,
        "published_on": policy.published_on, "valid_until": policy.valid_until,
        "status": status_of(policy, today or china_today()), "tags": policy.tags,
        "links": [{**link, "name": names.get((link["type"], link["id"]))} for link in policy.links],
        "withdrawn_at": policy.withdrawn_at, "created_at": policy.created_at, "updated_at": policy.updated_at,
    }


def policy_data(policy: Policy) -> dict:
    return _policy_schema.dump(policy_view(policy))


# --- checks ----------------------------------------------------------------------------------------

def _check(values: dict) -> None:
    """Known region, dates in order, linked products that exist; 422 with every problem."""
    errors: dict[str, list[str]] = {}
    if db.session.get(Region, values["region_code"]) is None:
        errors["region_code"] = [f"行政区不存在：{values['region_code']}"]
    if values.get("valid_until") is not None and values["valid_until"] < values["published_on"]:
        errors["valid_until"] = ["有效期不能早于发布日期"]
    product_ids = {link["id"] for link in values["links"] if link["type"] == "product"}
    known = set(db.session.scalars(select(Product.id).where(Product.id.in_(product_ids)))) if product_ids else set()
    if product_ids - known:
        errors["links"] = [f"产品不存在：{', '.join(str(i) for i in sorted(product_ids - known))}"]
    if errors:
        raise ValidationFailed(errors)


def _in_scope_or_404(identity: Identity, region_code: str) -> None:
    if db.session.get(Region, region_code) is not None and not may_manage(identity, region_code):
        # Another district's region is none of this office's: as if it did not exist.
        raise NotFound("本辖区内没有该行政区")


def _distinct_links(links: list[dict]) -> list[dict]:
    return list({(link["type"], link["id"]): {"type": link["type"], "id": link["id"]} for link in links}.values())


# --- changes ---------------------------------------------------------------------------------------

def _set_industries(policy: Policy, industries: list[str]) -> None:
    kept = {row.industry: row for row in policy.industry_rows}
    policy.industry_rows = [kept.get(name) or PolicyIndustry(industry=name) for name in industries]
    for position, row in enumerate(policy.industry_rows):
        row.position = position


def _announce_if_due(policy: Policy, today: date) -> None:
    if policy.announced_at is None and status_of(policy, today) == "published":
        announce(policy)


def create_policy(identity: Identity, body: dict) -> Policy:
    _in_scope_or_404(identity, body["region_code"])
    values = {**body, "links": _distinct_links(body["links"])}
    _check(values)
    now = utcnow()
    tags = body["tags"]
    policy = Policy(**{k: values[k] for k in SCALAR_FIELDS}, whitelisted_only=tags["whitelisted_only"],
                    first_loan_only=tags["first_loan_only"], created_by=identity.user_id,
                    created_at=now, updated_at=now)
    _set_industries(policy, tags["industries"])
    db.session.add(policy)
    db.session.flush()
    _announce_if_due(policy, china_today())
    db.session.commit()
    return policy


def update_policy(identity: Identity, policy_id: int, changes: dict) -> Policy:
    policy = _managed(identity, policy_id)
    if policy.withdrawn_at is not None:
        raise Conflict("invalid_transition", "政策已撤回，不能再修改")
    if "region_code" in changes:
        _in_scope_or_404(identity, changes["region_code"])
    if "links" in changes:
        changes = {**changes, "links": _distinct_links(changes["links"])}
    _check({**{k: getattr(policy, k) for k in SCALAR_FIELDS}, **changes})
    before = policy_data(policy)
    for key in SCALAR_FIELDS:
        if key in changes:
            setattr(policy, key, changes[key])
    tags = changes.get("tags") or {}
    for key in ("whitelisted_only", "first_loan_only"):
        if key in tags:
            setattr(policy, key, tags[key])
    if "industries" in tags:
        _set_industries(policy, tags["industries"])
    db.session.flush()
    if {**policy_data(policy), "updated_at": None} != {**before, "updated_at": None}:
        policy.updated_at = utcnow()
        record_event(db.session, OutboxMessage, "policy.updated", policy_data(policy), SOURCE)
    _announce_if_due(policy, china_today())
    db.session.commit()
    return policy


def withdraw_policy(identity: Identity, policy_id: int) -> Policy:
    policy = _managed(identity, policy_id)
    if policy.withdrawn_at is not None:
        raise Conflict("invalid_transition", "政策已撤回")
    policy.withdrawn_at = policy.updated_at = utcnow()
    record_event(db.session, OutboxMessage, "policy.withdrawn", policy_data(policy), SOURCE)
    db.session.commit()
    return policy


def announce(policy: Policy) -> None:
    """Record `policy.published` with the verified enterprises it matches today. Not committed."""
    policy.announced_at = utcnow()
    record_event(db.session, OutboxMessage, "policy.published",
                 {**policy_data(policy), "audience": audience(policy)}, SOURCE)


def publish_due_policies(today: date | None = None) -> int:
    """Announce the scheduled policies whose publication day has come (run periodically; any number of
    these may run at once: rows are claimed with SKIP LOCKED). Commits; returns how many."""
    today = today or china_today()
    due = db.session.scalars(select(Policy).where(Policy.announced_at.is_(None), _status_clause("published", today))
                             .order_by(Policy.id).with_for_update(skip_locked=True)).all()
    for policy in due:
        announce(policy)
    db.session.commit()
    return len(due)


# --- matching --------------------------------------------------------------------------------------

def _industry_clause(industry: str | None):
    unrestricted = ~exists().where(PolicyIndustry.policy_id == Policy.id)
    if not industry:
        return unrestricted
    return or_(unrestricted, exists().where(PolicyIndustry.policy_id == Policy.id, PolicyIndustry.industry == industry))


def audience(policy: Policy) -> list[str]:
    """The verified enterprises the policy matches, by USCC: in its region or below, of its industries,
    on the whitelist when it asks for that, without a disbursed loan when it is for first loans."""
    stmt = (select(EnterpriseProfile.uscc).where(EnterpriseProfile.verified,
                                                 EnterpriseProfile.region_code.in_(region_and_below(policy.region_code)))
            .order_by(EnterpriseProfile.uscc))
    if policy.industries:
        stmt = stmt.where(EnterpriseProfile.industry.in_(policy.industries))
    if policy.whitelisted_only:
        stmt = stmt.where(exists().where(EnterpriseWhitelist.uscc == EnterpriseProfile.uscc,
                                         EnterpriseWhitelist.whitelisted))
    if policy.first_loan_only:
        stmt = stmt.where(EnterpriseProfile.first_disbursed_on.is_(None))
    return list(db.session.scalars(stmt))


def recommended(identity: Identity, args: dict) -> dict:
    """The enterprise's matching published policies, newest first, each with its reasons."""
    uscc = require_verified_enterprise(identity)
    profile = db.session.get(EnterpriseProfile, uscc)
    region_code = (profile.region_code if profile and profile.region_code else None) or identity.region_code
    industry = profile.industry if profile else None
    whitelist = db.session.get(EnterpriseWhitelist, uscc)
    is_whitelisted = bool(whitelist and whitelist.whitelisted)
    first_loan = profile is None or profile.first_disbursed_on is None
    today = china_today()
    stmt = select(Policy).where(_status_clause("published", today), _industry_clause(industry),
                                Policy.region_code.in_(region_scope(region_code)) if region_code else false(),
                                true() if is_whitelisted else ~Policy.whitelisted_only,
                                true() if first_loan else ~Policy.first_loan_only)

    def with_reasons(policy: Policy) -> dict:
        view = policy_view(policy, today)
        reasons = [f"适用于{view['region_name'] or policy.region_code}的企业"]
        reasons.append(f"面向{industry}企业" if policy.industries else "不限行业")
        if policy.whitelisted_only:
            reasons.append("白名单企业专享")
        if policy.first_loan_only:
            reasons.append("首贷企业适用（尚无放款记录）")
        if policy.valid_until is not None:
            reasons.append(f"有效期至 {policy.valid_until.isoformat()}")
        return {"policy": view, "reasons": reasons}

    return paginate(db.session, stmt, NEWEST, args, serialize=with_reasons)


# --- reading ---------------------------------------------------------------------------------------

def _text_match(q: str):
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(Policy.title.like(pattern, escape="\\"), Policy.body.like(pattern, escape="\\"),
               Policy.issuer.like(pattern, escape="\\"))


def _filtered(stmt, args: dict):
    if args.get("region_code"):
        stmt = stmt.where(Policy.region_code.in_(region_scope(args["region_code"])))
    if args.get("industry"):
        stmt = stmt.where(_industry_clause(args["industry"]))
    if args.get("q"):
        stmt = stmt.where(_text_match(args["q"]))
    return stmt


def public_policies(args: dict) -> dict:
    """The portal's list: published policies, newest first."""
    today = china_today()
    stmt = _filtered(select(Policy).where(_status_clause("published", today)), args)
    return paginate(db.session, stmt, NEWEST, args, serialize=lambda p: policy_view(p, today))


def managed_policies(identity: Identity, args: dict) -> dict:
    """政策发布: the policies of the caller's region and below (the admin: all), any status."""
    today = china_today()
    stmt = select(Policy)
    if identity.role != "admin":
        stmt = stmt.where(Policy.region_code.in_(region_and_below(identity.region_code or "")))
    if args.get("status"):
        stmt = stmt.where(_status_clause(args["status"], today))
    stmt = _filtered(stmt, args)
    return paginate(db.session, stmt, NEWEST, args, serialize=lambda p: policy_view(p, today))


def get_policy(identity: Identity | None, policy_id: int) -> dict:
    """Anyone sees a published policy; its managers see it in every status."""
    policy = db.session.get(Policy, policy_id)
    if policy is None:
        raise NotFound(NOT_FOUND)
    view = policy_view(policy)
    if view["status"] != "published" and not may_manage(identity, policy.region_code):
        raise NotFound(NOT_FOUND)
    return view

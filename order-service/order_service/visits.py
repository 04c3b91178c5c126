"""走访 records (小微企业融资协调工作机制): government teams visit enterprises and record who went, when
and what they found. A visit belongs to the enterprise's region: the verified enterprise's registered
region when the platform knows it, else the one the visitor names, else the visitor's own. A government
user records and reads visits of its region and the regions below it (someone else's region: 404); the
admin all of them.
"""

from flask import Response
from sqlalchemy import select

from xyd_common.errors import NotFound, ValidationFailed
from xyd_common.events.outbox import utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.spreadsheets import export_response
from xyd_common.tokens import Identity

from .access import forbidden, region_and_below, region_in_scope, region_path
from .models import EnterpriseOwner, Region, Visit, db
from .workdays import china_date

NEWEST = [SortKey(Visit.visited_on, descending=True), SortKey(Visit.id, descending=True)]


def _visit_region(identity: Identity, body: dict) -> str:
    owner = db.session.get(EnterpriseOwner, body["uscc"])
    region = (owner.region_code if owner and owner.region_code else None) or body.get("region_code") \
        or identity.region_code
    if not region:
        raise ValidationFailed({"region_code": ["请填写企业所在行政区"]})
    if identity.role == "government" and identity.region_code not in region_path(region):
        # An enterprise of another district is none of this team's: as if it did not exist.
        raise NotFound("本辖区内没有该企业")
    return region


def record_visit(identity: Identity, body: dict) -> Visit:
    if identity.role not in ("government", "admin"):
        raise forbidden("只有政府部门可以登记走访")
    if body["visited_on"] > china_date(utcnow()):
        raise ValidationFailed({"visited_on": ["走访日期不能晚于今天"]})
    region = _visit_region(identity, body)
    now = utcnow()
    visit = Visit(uscc=body["uscc"], enterprise_name=body["enterprise_name"], region_code=region,
                  visited_on=body["visited_on"], visitors=body["visitors"], findings=body["findings"],
                  recorded_by=identity.user_id, created_at=now)
    db.session.add(visit)
    db.session.commit()
    return visit


def select_visits(identity: Identity, args: dict):
    """The visits of `GET /visits` and its export: the caller's region and below, filtered."""
    if identity.role not in ("government", "admin"):
        raise forbidden("没有权限")
    stmt = select(Visit)
    region = region_in_scope(identity, args.get("region_code"))
    if region is not None:
        stmt = stmt.where(Visit.region_code.in_(region_and_below(region)))
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed({"from": ["开始日期不能晚于结束日期"]})
    if date_from:
        stmt = stmt.where(Visit.visited_on >= date_from)
    if date_to:
        stmt = stmt.where(Visit.visited_on <= date_to)
    if args.get("q"):
        q = args["q"].strip()
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where((Visit.uscc == q.upper()) | Visit.enterprise_name.like(f"%{escaped}%", escape="\\"))
    return stmt


def list_visits(identity: Identity, args: dict) -> dict:
    return paginate(db.session, select_visits(identity, args), NEWEST, args)


VISIT_HEADERS = ["走访日期", "企业名称", "统一社会信用代码", "所在行政区", "走访人员", "走访情况"]


def export_visits(identity: Identity, args: dict) -> Response:
    stmt = select_visits(identity, args).order_by(Visit.visited_on.desc(), Visit.id.desc())
    regions = dict(db.session.execute(select(Region.code, Region.name)).all())

    def rows():
        yield VISIT_HEADERS
        for visit in db.session.scalars(stmt.execution_options(yield_per=2000)):
            yield [visit.visited_on.isoformat(), visit.enterprise_name, visit.uscc,
                   regions.get(visit.region_code, visit.region_code), visit.visitors, visit.findings]
    return export_response(args.get("format", "xlsx"), [("走访记录", rows())], "走访记录")

"""Who may see and manage a government instrument (a fund, a subsidy programme) and what hangs off it.

"Manage" is a government user of the object's region or of a region above it, or the admin. A
government user of a region below the object's sees it read-only (an action → 403). A government user
elsewhere, like anyone the object does not concern, gets 404, as for someone else's loan.
"""

from sqlalchemy import exists, select

from xyd_common.errors import NotFound, ValidationFailed
from xyd_common.tokens import Identity

from .access import forbidden
from .models import LoanRegion, Region, db
from .services import region_path

MANAGE, READ = "manage", "read"


def government_relation(identity: Identity, region_code: str) -> str | None:
    """MANAGE, READ or None: how a government user (or the admin) stands to an object of `region_code`."""
    if identity.role == "admin":
        return MANAGE
    if identity.role != "government" or not identity.region_code:
        return None
    if identity.region_code in region_path(region_code):
        return MANAGE
    if region_code in region_path(identity.region_code):
        return READ
    return None


def require_manage(identity: Identity, region_code: str, not_found: str) -> None:
    """The caller manages objects of `region_code`: a read-only government user → 403, anyone else the
    object is hidden from → 404 (`not_found` says what was looked for)."""
    relation = government_relation(identity, region_code)
    if relation == MANAGE:
        return
    if relation == READ:
        raise forbidden("下级区域的政府用户只能查看，不能办理")
    raise NotFound(not_found)


def check_new_region(identity: Identity, region_code: str) -> None:
    """A new fund or programme's region: known to the platform (422) and the caller's or below (403)."""
    if db.session.get(Region, region_code) is None:
        raise ValidationFailed({"region_code": ["行政区不存在"]})
    if government_relation(identity, region_code) != MANAGE:
        raise forbidden("只能为本区域或下级区域设立")


def regions_below(code: str) -> set[str]:
    """`code` and every region below it. Regions are a few thousand at most: their paths are read whole
    rather than matched in SQL."""
    return {c for c, path in db.session.execute(select(Region.code, Region.path)) if code in (path or [])} | {code}


def visible_regions(identity: Identity, region_column):
    """A condition on `region_column` for the objects a caller's lists show: a government user's those
    of its region, the regions below it and those above it (read-only); None (no condition) for the
    admin and the institutions (every fund is open to their claims)."""
    if identity.role in ("admin", "institution"):
        return None
    if identity.role != "government" or not identity.region_code:
        raise forbidden("没有权限")
    return region_column.in_(sorted(regions_below(identity.region_code) | set(region_path(identity.region_code))))


def managed_regions(identity: Identity, region_column):
    """A condition on `region_column` for the objects a government user manages (its region and below)."""
    return region_column.in_(sorted(regions_below(identity.region_code)))


def loan_in_region(identity: Identity, loan_id) -> bool:
    """A government user's region holds the loan (a claim or application on it concerns the user, even
    under a fund or programme of a region above)."""
    return db.session.get(LoanRegion, (loan_id, identity.region_code)) is not None


def loans_in_region(identity: Identity, loan_column):
    return exists().where(LoanRegion.loan_id == loan_column, LoanRegion.region_code == identity.region_code)

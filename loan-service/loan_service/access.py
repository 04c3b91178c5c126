"""Who may see which loan, the scopes every read and write of loan-service applies.

Institution: its institution's loans; enterprise: its verified USCC's (403 `enterprise_unverified`
until verified); government: its region and everything below it; admin: all. Someone else's loan is
404, as an order is.
"""

from sqlalchemy import exists, select

from xyd_common.errors import ApiError, NotFound
from xyd_common.pagination import SortKey
from xyd_common.tokens import Identity, require_verified_enterprise

from .models import Loan, LoanRegion, Region, db

NEWEST = [SortKey(Loan.disbursed_on, descending=True), SortKey(Loan.id, descending=True)]


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def can_see(identity: Identity, loan: Loan) -> bool:
    if identity.role == "admin":
        return True
    if identity.role == "institution":
        return identity.institution_id is not None and identity.institution_id == loan.institution_id
    if identity.role == "enterprise":
        return identity.verified_uscc is not None and identity.verified_uscc == loan.enterprise_uscc
    if identity.role == "government" and identity.region_code:
        return db.session.get(LoanRegion, (loan.id, identity.region_code)) is not None
    return False


def visible_loan(identity: Identity, loan_id: int) -> Loan:
    if identity.role == "enterprise":
        require_verified_enterprise(identity)
    loan = db.session.get(Loan, loan_id)
    if loan is None or not can_see(identity, loan):
        raise NotFound("贷款不存在")
    return loan


def region_in_scope(identity: Identity, requested: str | None) -> str | None:
    """The region whose loans (and those below it) the caller asks about: a government user's own
    region by default, or one below it; any region for the others, whose own scope applies on top."""
    if identity.role != "government":
        return requested
    if not identity.region_code:
        raise forbidden("账号未绑定行政区")
    if requested is None or requested == identity.region_code:
        return identity.region_code
    path = db.session.scalar(select(Region.path).where(Region.code == requested)) or [requested]
    if identity.region_code not in path:
        raise forbidden("无权查看该区域的贷款")
    return requested


def scoped(identity: Identity, region: str | None):
    """A statement over the loans the caller may see (within `region` and below when given)."""
    stmt = select(Loan)
    if region is not None:
        stmt = stmt.where(exists().where(LoanRegion.loan_id == Loan.id, LoanRegion.region_code == region))
    if identity.role == "institution":
        if identity.institution_id is None:
            raise forbidden("账号未绑定金融机构")
        stmt = stmt.where(Loan.institution_id == identity.institution_id)
    elif identity.role == "enterprise":
        stmt = stmt.where(Loan.enterprise_uscc == require_verified_enterprise(identity))
    elif identity.role not in ("admin", "government"):
        raise forbidden("没有权限")
    return stmt

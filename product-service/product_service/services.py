"""Use cases of product-service: publish and manage products (role institution, own institution
only), show them, and the financial supermarket's query. Each change commits once, with its
product.* event in the outbox."""

from sqlalchemy import exists, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from xyd_common.errors import ApiError, Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity

from .models import (
    Institution,
    OutboxMessage,
    Product,
    ProductGuaranteeMethod,
    ProductRegion,
    Region,
    db,
)
from .schemas import ProductSchema

SOURCE = "product-service"

# Rendered into the SQL rather than bound, so PostgreSQL always matches the partial indexes
# (`WHERE status = 'active'`), also under a prepared statement's generic plan.
ACTIVE = literal("active", literal_execute=True)

# The columns a PATCH copies onto the product as they come.
SCALAR_FIELDS = ("name", "category", "repayment_methods", "amount_min", "amount_max", "term_min_months",
                 "term_max_months", "rate_min", "rate_max", "target_customers", "requirements", "features",
                 "description", "featured", "whitelist_only")
RANGES = (  # (low, high, message on the high end)
    ("amount_min", "amount_max", "最高金额不能低于最低金额"),
    ("term_min_months", "term_max_months", "最长期限不能短于最短期限"),
    ("rate_min", "rate_max", "最高利率不能低于最低利率"),
)

NEWEST = [SortKey(Product.created_at, descending=True), SortKey(Product.id, descending=True)]
MARKET_SORTS = {
    "newest": NEWEST,
    "rate_asc": [SortKey(Product.rate_min), SortKey(Product.id)],
    "amount_desc": [SortKey(Product.amount_max, descending=True), SortKey(Product.id, descending=True)],
    "popular": [SortKey(Product.orders_count, descending=True), SortKey(Product.id, descending=True)],
}

_product_schema = ProductSchema()


def product_data(product: Product) -> dict:
    """The product as the API shows it: also the data of every product.* event, so that
    order-service's read model holds exactly what applicants saw."""
    return _product_schema.dump(product)


INTERNAL_PAGE = 500


def products_after(after: str | None) -> dict:
    """A page of every product by id (the response schema dumps them as product.* events carry them):
    for services loading copies."""
    stmt = select(Product).order_by(Product.id).limit(INTERNAL_PAGE)
    if after:
        stmt = stmt.where(Product.id > int(after))
    products = db.session.scalars(stmt).all()
    return {"items": products,
            "next_cursor": str(products[-1].id) if len(products) == INTERNAL_PAGE else None}


# --- who may do what -------------------------------------------------------------------------------

def _is_owner(identity: Identity | None, product: Product) -> bool:
    return (identity is not None and identity.role == "institution"
            and identity.institution_id is not None and identity.institution_id == product.institution_id)


def _own_product(identity: Identity, product_id: int) -> Product:
    """The caller's institution's product, locked for the change (so concurrent changes commit, and
    announce their events, one after the other); another institution's is as good as missing (404)."""
    product = db.session.get(Product, product_id, with_for_update=True)
    if product is None or not _is_owner(identity, product):
        raise NotFound("产品不存在")
    return product


def _publishing_institution(identity: Identity) -> Institution:
    if identity.institution_id is None:
        raise ApiError(403, "forbidden", "账号未绑定金融机构")
    institution = db.session.get(Institution, identity.institution_id)
    if institution is None:
        # auth-service's institution.created has not reached this service (yet).
        raise Conflict("unknown_institution", "产品服务尚未同步本机构信息，请稍后重试或联系平台管理员")
    if institution.status != "active":
        raise Conflict("institution_disabled", "本机构已停用，不能发布产品")
    return institution


# --- checks ----------------------------------------------------------------------------------------

def _check(values: dict) -> None:
    """Cross-field ranges and known regions of a product's would-be values; 422 with every problem."""
    errors: dict[str, list[str]] = {}
    for low, high, message in RANGES:
        if values[low] > values[high]:
            errors.setdefault(high, []).append(message)
    codes = values.get("region_codes")
    if codes is not None:
        known = set(db.session.scalars(select(Region.code).where(Region.code.in_(codes))))
        unknown = [c for c in codes if c not in known]
        if unknown:
            errors["region_codes"] = [f"行政区不存在：{', '.join(unknown)}"]
    if errors:
        raise ValidationFailed(errors)


def _check_unique_name(institution_id: int, name: str, own_id: int | None = None) -> None:
    taken = db.session.scalar(select(Product.id).where(Product.institution_id == institution_id,
                                                       Product.name == name, Product.id != (own_id or 0)))
    if taken is not None:
        raise Conflict("duplicate_product", "本机构已有同名产品")


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # Two requests with one name at once: the unique constraint decides.
        db.session.rollback()
        raise Conflict("duplicate_product", "本机构已有同名产品") from None


# --- changes ---------------------------------------------------------------------------------------

def create_product(identity: Identity, body: dict) -> Product:
    institution = _publishing_institution(identity)
    _check(body)
    _check_unique_name(institution.id, body["name"])
    now = utcnow()
    product = Product(institution=institution, status="active", created_at=now, updated_at=now,
                      **{k: body[k] for k in SCALAR_FIELDS},
                      regions=[ProductRegion(region_code=c) for c in body["region_codes"]],
                      guarantees=[ProductGuaranteeMethod(method=m) for m in body["guarantee_methods"]])
    db.session.add(product)
    _flush_or_conflict()
    record_event(db.session, OutboxMessage, "product.published", product_data(product), SOURCE)
    db.session.commit()
    return product


def update_product(identity: Identity, product_id: int, changes: dict) -> Product:
    product = _own_product(identity, product_id)
    current = {low: getattr(product, low) for low, _, _ in RANGES}
    current.update({high: getattr(product, high) for _, high, _ in RANGES})
    _check({**current, **changes})
    if "name" in changes:
        _check_unique_name(product.institution_id, changes["name"], own_id=product.id)
    before = product_data(product)
    for key in SCALAR_FIELDS:
        if key in changes:
            setattr(product, key, changes[key])
    if "region_codes" in changes:
        wanted = changes["region_codes"]
        product.regions = ([r for r in product.regions if r.region_code in wanted]
                           + [ProductRegion(region_code=c) for c in wanted if c not in product.region_codes])
    if "guarantee_methods" in changes:
        wanted = changes["guarantee_methods"]
        product.guarantees = ([g for g in product.guarantees if g.method in wanted]
                              + [ProductGuaranteeMethod(method=m) for m in wanted
                                 if m not in product.guarantee_methods])
    _flush_or_conflict()
    after = product_data(product)
    if {**after, "updated_at": None} != {**before, "updated_at": None}:
        product.updated_at = utcnow()
        record_event(db.session, OutboxMessage, "product.updated", product_data(product), SOURCE)
    db.session.commit()
    return product


def set_product_status(identity: Identity, product_id: int, status: str) -> Product:
    """Take a product off the market (disabled) or back on (active); a no-op when already so."""
    product = _own_product(identity, product_id)
    if product.status != status:
        product.status = status
        product.updated_at = utcnow()
        event = "product.disabled" if status == "disabled" else "product.enabled"
        record_event(db.session, OutboxMessage, event, product_data(product), SOURCE)
        db.session.commit()
    return product


# --- reading ---------------------------------------------------------------------------------------

def get_product(identity: Identity | None, product_id: int) -> Product:
    """Anyone sees an active product of an active institution; its own institution sees it in every
    state; to everyone else it does not exist."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("产品不存在")
    if _is_owner(identity, product):
        return product
    if product.status != "active" or product.institution.status != "active":
        raise NotFound("产品不存在")
    return product


def _text_match(q: str):
    """Substring search over name, features and target customers. LIKE, not ILIKE: Chinese has no
    case, and ILIKE's case folding makes the scan 2–5 times slower (trigram-indexed on PostgreSQL)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(Product.name.like(pattern, escape="\\"), Product.features.like(pattern, escape="\\"),
               Product.target_customers.like(pattern, escape="\\"))


def list_own_products(identity: Identity, args: dict) -> dict:
    """Product management: the caller's institution's products in every state, newest first."""
    if identity.institution_id is None:
        raise ApiError(403, "forbidden", "账号未绑定金融机构")
    stmt = select(Product).where(Product.institution_id == identity.institution_id)
    if args.get("status"):
        stmt = stmt.where(Product.status == args["status"])
    if args.get("category"):
        stmt = stmt.where(Product.category == args["category"])
    if args.get("q"):
        stmt = stmt.where(_text_match(args["q"]))
    return paginate(db.session, stmt, NEWEST, args)


def region_scope(region_code: str) -> list[str]:
    """The region and every region above it: a product serving any of them serves `region_code`."""
    path = db.session.scalar(select(Region.path).where(Region.code == region_code))
    return list(path) if path else [region_code]


def market_query(args: dict):
    """The financial supermarket's statement: active products of active institutions, filtered."""
    stmt = (select(Product).join(Product.institution).options(contains_eager(Product.institution))
            .where(Product.status == ACTIVE, Institution.status == ACTIVE))
    if args.get("region_code"):
        stmt = stmt.where(exists().where(ProductRegion.product_id == Product.id,
                                         ProductRegion.region_code.in_(region_scope(args["region_code"]))))
    if args.get("whitelist_only") is not None:
        stmt = stmt.where(Product.whitelist_only if args["whitelist_only"] else ~Product.whitelist_only)
    if args.get("featured") is not None:
        # Plain `featured` / `NOT featured`, the form the partial index's predicate has.
        stmt = stmt.where(Product.featured if args["featured"] else ~Product.featured)
    if args.get("category"):
        stmt = stmt.where(Product.category == args["category"])
    if args.get("guarantee_method"):
        stmt = stmt.where(exists().where(ProductGuaranteeMethod.product_id == Product.id,
                                         ProductGuaranteeMethod.method == args["guarantee_method"]))
    if args.get("amount") is not None:
        stmt = stmt.where(Product.amount_min <= args["amount"], Product.amount_max >= args["amount"])
    if args.get("term_months") is not None:
        stmt = stmt.where(Product.term_min_months <= args["term_months"],
                          Product.term_max_months >= args["term_months"])
    if args.get("institution_id") is not None:
        stmt = stmt.where(Product.institution_id == args["institution_id"])
    if args.get("q"):
        stmt = stmt.where(_text_match(args["q"]))
    return stmt


def market_products(args: dict) -> dict:
    """One page of the financial supermarket in the order `args["sort"]` asks for."""
    return paginate(db.session, market_query(args), MARKET_SORTS[args.get("sort") or "newest"], args)

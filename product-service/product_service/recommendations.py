"""智能匹配: the products that suit an enterprise, best first, each with the reasons in Chinese.

Candidates are the market's own (active products of active institutions) that serve the enterprise's
region or a region above it and fit the amount, term and guarantee method when given; whitelist-only
products only for a whitelisted enterprise. The order is documented here and in the OpenAPI text:

1. For a whitelisted enterprise, whitelist-only products before all others (the contract's rule).
2. Then the score, the sum of
   - fit: 30 when an amount is given and within the product's range, 20 likewise for the term;
   - featured (特色产品): 10;
   - rate: up to 20, more for a lower minimum rate (20 × (1 − rate_min / 12), at least 0);
   - popularity: 3 × ln(1 + applications), at most 15;
   - the institution's acceptance rate: 15 × accepted / received (nothing before it has 5 orders).
"""

import math

from sqlalchemy import select

from .models import EnterpriseWhitelist, InstitutionPerformance, Product, Region, db
from .services import market_query

MAX_CANDIDATES = 500  # a region's market is far smaller; the cap bounds the work per request
MIN_ORDERS_FOR_RATE = 5


def _wan(value) -> str:
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def whitelisted(uscc: str | None) -> bool:
    row = db.session.get(EnterpriseWhitelist, uscc) if uscc else None
    return bool(row and row.whitelisted)


def recommend(region_code: str | None, uscc: str | None, args: dict) -> dict:
    is_whitelisted = whitelisted(uscc)
    stmt = market_query({"region_code": region_code, "amount": args.get("amount"),
                         "term_months": args.get("term_months"), "guarantee_method": args.get("guarantee_method")})
    if not is_whitelisted:
        stmt = stmt.where(~Product.whitelist_only)
    products = db.session.scalars(stmt.order_by(Product.orders_count.desc(), Product.id.desc())
                                  .limit(MAX_CANDIDATES)).unique().all()
    performance = {p.institution_id: p for p in db.session.scalars(select(InstitutionPerformance).where(
        InstitutionPerformance.institution_id.in_({p.institution_id for p in products})))}
    region_name = db.session.scalar(select(Region.name).where(Region.code == region_code)) if region_code else None

    scored = []
    for product in products:
        score, reasons = 0.0, []
        if region_name:
            reasons.append(f"服务{region_name}")
        if product.whitelist_only:
            reasons.append("白名单企业专享")
        if args.get("amount") is not None:
            score += 30
            reasons.append(f"额度覆盖 {_wan(args['amount'])} 万元")
        if args.get("term_months") is not None:
            score += 20
            reasons.append(f"期限可选 {args['term_months']} 个月")
        if product.featured:
            score += 10
            reasons.append("特色产品")
        score += max(0.0, 20 * (1 - float(product.rate_min) / 12))
        reasons.append(f"年利率低至 {_wan(product.rate_min)}%")
        score += min(15.0, 3 * math.log1p(product.orders_count))
        stats = performance.get(product.institution_id)
        if stats is not None and stats.received >= MIN_ORDERS_FOR_RATE:
            score += 15 * stats.accepted / stats.received
        if stats is not None and stats.accepted:
            hours = stats.accept_seconds / stats.accepted / 3600
            reasons.append(f"平均 {max(1, round(hours))} 小时受理")
        tier = 1 if is_whitelisted and product.whitelist_only else 0
        scored.append((tier, round(score, 2), product.id, product, reasons))
    scored.sort(key=lambda item: (-item[0], -item[1], -item[2]))
    page, per_page = args.get("page", 1), args.get("per_page", 20)
    chosen = scored[(page - 1) * per_page: page * per_page]
    return {"items": [{"product": p, "score": score, "reasons": reasons} for _, score, _, p, reasons in chosen],
            "total": len(scored), "page": page, "per_page": per_page}

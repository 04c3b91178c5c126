"""`flask --app order_service seed-demo-history`: a year of 许昌 orders in the past, for a demo database
only (xyd_common.demo_data). The public API only makes orders dated now; this writes them through the
service's own model, so the pre-aggregated figures (figures.py's flush hook) count each one as the
statistics would have counted it on its day, and `rebuild-figures` afterwards agrees with them.

Deterministic (`--seed`): the same enterprises, orders and dates every time, so screenshots are stable.
Idempotent: a database that already has the seeded history (orders applied by user 0, the demo's
synthetic applicant) is left as it is. No events are published for these orders: they are history,
and the other services were not told of them then either.
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from xyd_common.validators import uscc_check_char

from . import states
from .access import region_path
from .figures import rebuild
from .models import Order, OrderHistory, OrderRegion, Product, db
from .services import ORDER_NO_PREFIX
from .workdays import china_date

DEMO_APPLICANT = 0  # the applicant of seeded orders: no account of auth-service
DISTRICTS = {"411002": "魏都区", "411003": "建安区", "411024": "鄢陵县", "411025": "襄城县", "411081": "禹州市",
             "411082": "长葛市"}
# A company's name starts with its place: 许昌 in the city's districts, the county's or county-level city's own.
PLACE = {"411002": "许昌", "411003": "许昌", "411024": "鄢陵", "411025": "襄城", "411081": "禹州", "411082": "长葛"}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Name stems and the industries of 许昌: hair products, ceramics (钧瓷), machinery, food, tobacco supply,
# flowers and seedlings, building materials, electrical equipment.
STEMS = ("瑞祥", "恒达", "宏昌", "金鼎", "华隆", "万通", "鑫源", "永盛", "德润", "嘉和", "中联", "福临", "天成",
         "博远", "盛世", "豫丰", "裕隆", "昌盛", "东方", "鸿运", "兴旺", "旭日", "康达", "泰和", "聚鑫", "利民",
         "腾飞", "宏图", "汇通", "广源", "瑞丰", "润泽", "祥和", "锦程", "新源", "百川", "森宇", "卓越", "通达",
         "顺发")
INDUSTRIES = (("发制品有限公司", "发制品原料采购、出口订单备货"), ("钧瓷有限公司", "钧瓷烧制扩产、窑炉改造"),
              ("陶瓷有限公司", "陶瓷生产线技术改造"), ("机械制造有限公司", "购置数控加工设备"),
              ("食品有限公司", "收购原粮、扩大腐竹生产"), ("烟草机械配件有限公司", "烟机配件原材料采购"),
              ("花木有限公司", "苗木种植基地扩建"), ("建材有限公司", "水泥制品原料采购"),
              ("电气有限公司", "电力设备订单备料"), ("农业专业合作社", "春耕农资采购"),
              ("再生金属有限公司", "废旧金属回收周转资金"), ("汽车零部件有限公司", "新产线建设"))
CONTACTS = ("张伟", "王秀英", "李强", "刘洋", "陈静", "杨军", "赵敏", "黄磊", "周杰", "吴芳", "徐涛", "孙丽",
            "马超", "朱红", "胡斌", "郭亮", "何琳", "高峰", "林涛", "罗娟")
# Orders a month, Jan..Dec: busy before 春节 and in spring, quiet in summer, busy again in autumn.
SEASON = (1.3, 0.7, 1.4, 1.3, 1.1, 0.9, 0.8, 0.8, 1.1, 1.2, 1.1, 1.3)


def enterprises(rng: random.Random, count: int) -> list[dict]:
    made, names, codes = [], set(), set()
    while len(made) < count:
        region = rng.choice(list(DISTRICTS))
        industry, purpose = rng.choice(INDUSTRIES)
        name = f"{PLACE[region]}{rng.choice(STEMS)}{industry}"
        body = f"91{region}MA" + "".join(rng.choice(USCC_CHARS) for _ in range(7))
        if name in names or body in codes:
            continue
        names.add(name)
        codes.add(body)
        made.append({"uscc": body + uscc_check_char(body), "name": name, "region": region, "purpose": purpose,
                     "contact": rng.choice(CONTACTS), "phone": f"139{rng.randrange(10**8):08d}"})
    return made


def _outcome(rng: random.Random, age_days: int) -> str:
    """Older orders have mostly reached an end; recent ones are still being handled."""
    if age_days < 10:
        weights = {states.SUBMITTED: 45, states.ACCEPTED: 30, states.CREDIT_GRANTED: 15, states.TERMINATED: 5,
                   states.WITHDRAWN: 5}
    elif age_days < 40:
        weights = {states.SUBMITTED: 6, states.ACCEPTED: 22, states.CREDIT_GRANTED: 25, states.DISBURSED: 35,
                   states.TERMINATED: 8, states.WITHDRAWN: 4}
    else:
        weights = {states.DISBURSED: 68, states.TERMINATED: 14, states.WITHDRAWN: 6, states.CREDIT_GRANTED: 6,
                   states.ACCEPTED: 4, states.SUBMITTED: 2}
    return rng.choices(list(weights), list(weights.values()))[0]


def known_products() -> int:
    return db.session.scalar(select(func.count()).select_from(Product).where(Product.status == "active"))


def seed(seed_value: int, enterprise_count: int, orders_per_month: int, now: datetime | None = None) -> dict:
    """Write the history; returns what was done ({"orders": n, "enterprises": n, "skipped": bool})."""
    if db.session.scalar(select(Order.id).where(Order.applicant_user_id == DEMO_APPLICANT).limit(1)):
        return {"orders": 0, "enterprises": 0, "skipped": True}
    products = db.session.scalars(select(Product).where(Product.status == "active").order_by(Product.id)).all()
    if not products:
        raise RuntimeError("no products known here yet: publish products first (make demo does)")
    rng = random.Random(seed_value)
    now = now or datetime.now(UTC)
    firms = enterprises(rng, enterprise_count)
    open_pairs: set[tuple[str, int]] = set()
    numbers: dict = {}
    written = 0
    for month_back in range(12, -1, -1):
        start = now - timedelta(days=30 * month_back + 30)
        month = (start + timedelta(days=15)).month
        for _ in range(round(orders_per_month * SEASON[month - 1])):
            created = start + timedelta(seconds=rng.randrange(30 * 86400))
            if created >= now - timedelta(hours=2):
                continue
            firm = rng.choice(firms)
            candidates = [p for p in products if firm["region"] in p.region_codes or "411000" in p.region_codes]
            product = rng.choice(candidates or products)
            status = _outcome(rng, (now - created).days)
            if status in states.OPEN_STATUSES and (firm["uscc"], product.id) in open_pairs:
                status = states.TERMINATED
            if status in states.OPEN_STATUSES:
                open_pairs.add((firm["uscc"], product.id))
            _write(rng, firm, product, status, created, now, numbers)
            written += 1
    db.session.flush()
    rebuild(db.session)
    db.session.commit()
    return {"orders": written, "enterprises": len(firms), "skipped": False}


def _write(rng, firm, product, status, created, now, numbers) -> None:
    day = china_date(created)
    numbers[day] = numbers.get(day, 500000) + 1  # apart from the API's numbers of the day (from 1)
    amount = Decimal(max(int(product.amount_min), min(int(product.amount_max), rng.choice(
        (10, 20, 30, 50, 50, 80, 100, 100, 150, 200, 300, 500)))))
    term = max(product.term_min_months, min(product.term_max_months, rng.choice((6, 12, 12, 12, 24, 36))))
    order = Order(order_no=f"{ORDER_NO_PREFIX}{day:%Y%m%d}{numbers[day]:06d}", status=states.SUBMITTED,
                  product_id=product.id, product_name=product.name, institution_id=product.institution_id,
                  institution_name=product.institution_name, enterprise_uscc=firm["uscc"],
                  enterprise_name=firm["name"], region_code=firm["region"], applicant_user_id=DEMO_APPLICANT,
                  amount=amount, term_months=term, purpose=firm["purpose"], contact_name=firm["contact"],
                  contact_phone=firm["phone"], credit_authorized=True, credit_authorized_at=created,
                  accept_deadline=day + timedelta(days=3), risk_level=rng.choice(("low", "low", "low", "medium")),
                  whitelisted=rng.random() < 0.3, created_at=created, updated_at=created)
    history = [(None, states.SUBMITTED, "提交申请", created)]
    at = created
    if status in (states.ACCEPTED, states.CREDIT_GRANTED, states.DISBURSED) or (
            status == states.TERMINATED and rng.random() < 0.5):
        at = created + timedelta(hours=rng.choice((1, 3, 5, 20, 26, 50, 70, 100)))
        order.accepted_at, order.accept_seconds = at, int((at - created).total_seconds())
        order.accept_overdue = at.date() > order.accept_deadline
        history.append((states.SUBMITTED, states.ACCEPTED, "受理", at))
    if status in (states.CREDIT_GRANTED, states.DISBURSED):
        at = at + timedelta(days=rng.randint(2, 8))
        order.granted_amount = amount if rng.random() < 0.7 else (amount * Decimal("0.8")).quantize(Decimal("1"))
        order.granted_rate = (product.rate_min + (product.rate_max - product.rate_min) * Decimal(rng.choice(
            ("0", "0.25", "0.5")))).quantize(Decimal("0.01"))
        order.granted_term_months, order.granted_at = term, at
        history.append((states.ACCEPTED, states.CREDIT_GRANTED, "授信", at))
    if status == states.DISBURSED:
        at = at + timedelta(days=rng.randint(1, 6))
        order.disbursed_amount, order.disbursed_on = order.granted_amount, china_date(at)
        order.repayment_method = (product.repayment_methods or ["equal_installment"])[0]
        order.renewal, order.disbursed_whitelisted = False, order.whitelisted
        order.credit_only = product.guarantee_methods == ["credit"]
        order.closed_at = at
        history.append((states.CREDIT_GRANTED, states.DISBURSED, "放款", at))
    if status == states.TERMINATED:
        at = at + timedelta(days=rng.randint(1, 5))
        order.reason = rng.choice(("企业资金需求已通过其他渠道解决", "经营流水不足，暂不符合准入条件",
                                   "抵押物评估价值不足", "企业主动放弃申请"))
        order.closed_at = at
        history.append((history[-1][1], states.TERMINATED, order.reason, at))
    if status == states.WITHDRAWN:
        at = created + timedelta(days=rng.randint(1, 4))
        order.closed_at = at
        history.append((states.SUBMITTED, states.WITHDRAWN, "企业撤回申请", at))
    if status == states.SUBMITTED:
        order.accept_overdue = china_date(now) > order.accept_deadline
    order.status = status
    order.updated_at = min(at, now)
    db.session.add(order)
    db.session.flush()
    db.session.add_all(OrderRegion(region_code=code, created_at=created, order_id=order.id)
                       for code in dict.fromkeys(region_path(firm["region"])))
    db.session.add_all(OrderHistory(order_id=order.id, from_status=before, to_status=after, actor_id=None,
                                    actor_role="enterprise" if before is None else "institution", remark=remark,
                                    at=when) for before, after, remark, when in history)

"""Spreadsheets to take to a meeting: the order list and the statistics as .xlsx (default) or .csv, with
Chinese headers, over the same filters and scope as `GET /orders` and `GET /orders/stats`.

The order export streams: xlsxwriter's constant-memory mode writes each row to a temporary file as it
comes (memory stays flat at a million rows), the rows are read in batches (`yield_per`), and CSV is
sent while it is produced. Both are written by `xyd_common.spreadsheets`, which keeps user text as
text (no formula, link or number made of a company name or a purpose). Beyond ORDER_EXPORT_MAX_ROWS
(counted first, cheaply: a capped count) the answer is 422 `export_too_large`, nothing written.
"""

from datetime import datetime

from flask import Response, current_app
from sqlalchemy import func, select

from xyd_common.errors import ApiError
from xyd_common.labels import RISK_LEVEL_NAMES
from xyd_common.spreadsheets import XLSX_MIMETYPE, export_response
from xyd_common.tokens import Identity

from .access import forbidden
from .models import Region, db
from .queries import select_orders
from .states import STATUS_LABELS, STATUSES
from .statistics import order_stats
from .workdays import CHINA

XLSX = XLSX_MIMETYPE


def _time(value: datetime | None) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def _yes(value: bool) -> str:
    return "是" if value else "否"


# (header, value of an order): the order list's columns.
ORDER_COLUMNS = [
    ("订单号", lambda o, r: o.order_no),
    ("状态", lambda o, r: STATUS_LABELS.get(o.status, o.status)),
    ("企业名称", lambda o, r: o.enterprise_name),
    ("统一社会信用代码", lambda o, r: o.enterprise_uscc),
    ("所在行政区", lambda o, r: r.get(o.region_code, o.region_code)),
    ("金融机构", lambda o, r: o.institution_name),
    ("产品", lambda o, r: o.product_name),
    ("申请金额（万元）", lambda o, r: o.amount),
    ("申请期限（月）", lambda o, r: o.term_months),
    ("用途", lambda o, r: o.purpose),
    ("申请时间", lambda o, r: _time(o.created_at)),
    ("受理截止日", lambda o, r: o.accept_deadline.isoformat()),
    ("超期未受理", lambda o, r: _yes(o.accept_overdue)),
    ("受理时间", lambda o, r: _time(o.accepted_at)),
    ("授信金额（万元）", lambda o, r: o.granted_amount),
    ("授信利率（%）", lambda o, r: o.granted_rate),
    ("授信期限（月）", lambda o, r: o.granted_term_months),
    ("放款金额（万元）", lambda o, r: o.disbursed_amount),
    ("放款日期", lambda o, r: o.disbursed_on.isoformat() if o.disbursed_on else ""),
    ("风险等级", lambda o, r: RISK_LEVEL_NAMES.get(o.risk_level, o.risk_level)),
    ("白名单", lambda o, r: _yes(o.whitelisted)),
    ("被督办次数", lambda o, r: o.urged_count),
    ("来源", lambda o, r: "融资需求" if o.source == "need" else "企业申请"),
    ("终止原因", lambda o, r: o.reason or ""),
]


def _check_role(identity: Identity) -> None:
    if identity.role not in ("government", "admin", "institution"):
        raise forbidden("没有权限导出")


def export_orders(identity: Identity, args: dict) -> Response:
    _check_role(identity)
    selection = select_orders(identity, args)
    limit = current_app.config["ORDER_EXPORT_MAX_ROWS"]
    count = db.session.scalar(select(func.count()).select_from(
        selection.count_stmt.order_by(None).limit(limit + 1).subquery()))
    if count > limit:
        raise ApiError(422, "export_too_large", f"符合条件的订单超过 {limit:,} 条，请缩小筛选范围后再导出")
    regions = dict(db.session.execute(select(Region.code, Region.name)).all())
    ordered = selection.stmt.order_by(*[k.column.desc() if k.descending else k.column.asc()
                                        for k in selection.keys])

    def rows():
        yield [header for header, _ in ORDER_COLUMNS]
        for order in db.session.scalars(ordered.execution_options(yield_per=2000)):
            yield [value(order, regions) for _, value in ORDER_COLUMNS]
    return export_response(args.get("format", "xlsx"), [("订单", rows())], "订单")


TOTAL_HEADERS = ["订单总数", *(f"{STATUS_LABELS[s]}" for s in STATUSES), "申请金额（万元）", "授信金额（万元）",
                 "放款金额（万元）", "超期未受理"]


# The coordination mechanism's figures (statistics.coordination), in the whole scope's row.
COORDINATION = ("visits", "needs_posted", "needs_pushed", "pushes_accepted", "pushes_declined", "pushes_overdue",
                "credit_loan_share")
COORDINATION_HEADERS = ["走访次数", "发布融资需求", "推送的需求", "推送已接受", "推送已拒绝", "推送超期未答复",
                        "信用贷款占比"]


def _totals(figures: dict) -> list:
    return [figures["total"], *(figures["by_status"].get(s, 0) for s in STATUSES), figures["requested_amount"],
            figures["granted_amount"], figures["disbursed_amount"], figures["overdue"]]


def export_stats(identity: Identity, args: dict) -> Response:
    """The statistics for the filters: per group when `group_by` is given (the CSV's table), the whole
    scope, and per institution (more sheets of the .xlsx)."""
    _check_role(identity)
    if identity.role == "institution":
        raise forbidden("机构请使用机构考核或导出本机构订单")
    stats = order_stats(identity, args)
    scope = [["统计范围", "开始日期", "结束日期", *TOTAL_HEADERS, *COORDINATION_HEADERS],
             [stats["region_code"] or "全部", _date(stats["date_from"]), _date(stats["date_to"]), *_totals(stats),
              *(stats[name] for name in COORDINATION)]]
    institutions = [["金融机构", "订单数", "已受理", "超期未受理", "申请金额（万元）", "授信金额（万元）",
                     "放款金额（万元）", "平均受理时长（小时）"]] + [
        [f["institution_name"], f["orders"], f["accepted"], f["overdue"], f["requested_amount"],
         f["granted_amount"], f["disbursed_amount"], f["average_hours_to_accept"]] for f in stats["institutions"]]
    sheets = [("汇总", scope), ("各机构", institutions)]
    if stats.get("groups") is not None:
        label = {"day": "日期", "week": "周", "month": "月份", "region": "行政区"}[stats["group_by"]]
        grouped = [[label, *TOTAL_HEADERS]] + [[g["name"], *_totals(g)] for g in stats["groups"]]
        sheets.insert(0, ("分组", grouped))
    return export_response(args.get("format", "xlsx"), sheets, "订单统计")


def _date(value) -> str:
    return value.isoformat() if value else ""

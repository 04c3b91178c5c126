"""`GET /loans/export`: the loan list (same filters and scope as `GET /loans`) as `.xlsx` or `.csv`, written
by `xyd_common.spreadsheets`, which keeps user text as text. Beyond LOAN_EXPORT_MAX_ROWS (counted first,
capped) the answer is 422 `export_too_large`, nothing written."""

from flask import Response, current_app
from sqlalchemy import func, select

from xyd_common.errors import ApiError
from xyd_common.labels import REPAYMENT_METHOD_NAMES
from xyd_common.spreadsheets import export_response
from xyd_common.tokens import Identity

from .access import NEWEST
from .models import NON_PERFORMING, OVERDUE, REPAYING, SETTLED, WRITTEN_OFF, db
from .queries import select_loans
from .statistics import loan_stats

STATUS_LABELS = {REPAYING: "正常还款", OVERDUE: "逾期", NON_PERFORMING: "不良", SETTLED: "已结清",
                 WRITTEN_OFF: "已核销"}
LOAN_COLUMNS = [
    ("订单号", lambda loan: loan.order_no),
    ("企业名称", lambda loan: loan.enterprise_name),
    ("统一社会信用代码", lambda loan: loan.enterprise_uscc),
    ("金融机构", lambda loan: loan.institution_name),
    ("行政区", lambda loan: loan.region_code),
    ("放款日", lambda loan: loan.disbursed_on),
    ("本金（万元）", lambda loan: loan.principal),
    ("年利率（%）", lambda loan: loan.rate),
    ("期限（月）", lambda loan: loan.term_months),
    ("还款方式", lambda loan: REPAYMENT_METHOD_NAMES.get(loan.repayment_method, loan.repayment_method)),
    ("首贷", lambda loan: "是" if loan.first_loan else "否"),
    ("续贷", lambda loan: "是" if loan.renewal else "否"),
    ("状态", lambda loan: STATUS_LABELS.get(loan.status, loan.status)),
    ("未还本金（万元）", lambda loan: loan.outstanding_principal),
    ("逾期天数", lambda loan: loan.days_past_due),
    ("逾期分档", lambda loan: loan.overdue_bucket),
    ("结清日", lambda loan: loan.settled_on or ""),
    ("核销金额（万元）", lambda loan: loan.written_off_amount if loan.written_off_amount is not None else ""),
]


def export_loans(identity: Identity, args: dict) -> Response:
    stmt = select_loans(identity, args)
    limit = current_app.config["LOAN_EXPORT_MAX_ROWS"]
    count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(limit + 1).subquery()))
    if count > limit:
        raise ApiError(422, "export_too_large", f"符合条件的贷款超过 {limit:,} 笔，请缩小筛选范围后再导出")
    ordered = stmt.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in NEWEST])

    def rows():
        yield [header for header, _ in LOAN_COLUMNS]
        for loan in db.session.scalars(ordered.execution_options(yield_per=2000)):
            yield [value(loan) for _, value in LOAN_COLUMNS]

    return export_response(args.get("format", "xlsx"), [("贷款", rows())], "贷款")


# (header, figure): the statistics' columns, in the order of the contract's figures.
STATS_COLUMNS = [
    ("贷款笔数", "loans"), ("放款金额（万元）", "principal"), ("贷款余额（万元）", "outstanding"),
    ("首贷笔数", "first_loans"), ("首贷金额（万元）", "first_loan_principal"), ("续贷笔数", "renewals"),
    ("加权平均利率（%）", "avg_rate"), ("申请到放款平均天数", "avg_days_apply_to_disburse"),
    ("逾期贷款余额（万元）", "overdue_outstanding"), ("不良贷款余额（万元）", "npl_outstanding"),
    ("不良率", "npl_ratio"), ("核销金额（万元）", "written_off"),
]


def _figures(row: dict) -> list:
    return ["" if row[name] is None else row[name] for _, name in STATS_COLUMNS]


def export_stats(identity: Identity, args: dict) -> Response:
    """The statistics for the filters (same scope as `/loans/stats`): per group when `group_by` is given
    (the CSV's table), and the whole scope (another sheet of the .xlsx)."""
    stats = loan_stats(identity, args)
    headers = [header for header, _ in STATS_COLUMNS]
    scope = [["统计范围", "金融机构", "放款日起", "放款日止", "业务日期", *headers],
             [stats["region_code"] or "全部", stats["institution_id"] or "全部", _date(stats["date_from"]),
              _date(stats["date_to"]), _date(stats["business_date"]), *_figures(stats)]]
    sheets = [("汇总", scope)]
    if stats.get("groups") is not None:
        label = {"day": "放款日", "week": "周", "month": "月份", "region": "行政区"}[stats["group_by"]]
        sheets.insert(0, ("分组", [[label, *headers]] + [[g["name"], *_figures(g)] for g in stats["groups"]]))
    return export_response(args.get("format", "xlsx"), sheets, "贷款统计")


def _date(value) -> str:
    return value.isoformat() if value else ""

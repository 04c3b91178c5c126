"""order-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask import request
from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.tokens import current_identity, require_auth

from . import examples, exports, needs, portal, queries, scorecards, services, statistics
from .schemas import (
    ClaimSchema,
    DisburseSchema,
    GrantSchema,
    IdempotencyHeaders,
    NeedCreateSchema,
    NeedListArgs,
    NeedPageSchema,
    NeedSchema,
    OrderCreateSchema,
    OrderDetailSchema,
    OrderExportArgs,
    OrderListArgs,
    OrderPageSchema,
    OrderSchema,
    PortalFiguresSchema,
    PostedNeedSchema,
    RemarkSchema,
    ScorecardPageSchema,
    StatsArgs,
    StatsExportArgs,
    StatsQueryArgs,
    StatsSchema,
    TerminateSchema,
    UrgeSchema,
)

orders = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="融资订单")

ALL_ROLES = ("admin", "institution", "government", "enterprise")


@orders.post("")
@errors("enterprise_unverified", "product_unavailable", "amount_out_of_range", "term_out_of_range",
        "region_not_served", "credit_authorization_required", "whitelist_required", "idempotency_key_reused",
        "duplicate_open_order")
@require_auth("enterprise")
@orders.arguments(IdempotencyHeaders, location="headers")
@orders.arguments(OrderCreateSchema, example=examples.ORDER_CREATE)
@orders.response(201, OrderSchema)
def apply(headers, body):
    """申请融资（企业）：须授权机构查询信用记录；可带 Idempotency-Key 请求头防止重复提交"""
    application = services.apply_for_loan(current_identity(), body, headers.get("idempotency_key"),
                                          request.remote_addr)
    return application.order, 201, ({"Idempotent-Replayed": "true"} if application.replayed else {})


@orders.get("")
@require_auth(*ALL_ROLES)
@orders.arguments(OrderListArgs, location="query")
@orders.response(200, OrderPageSchema)
def list_orders(args):
    """订单列表：企业看本企业的，机构看本机构的，政府看本区域及下级区域的，管理员看全部；按申请时间倒序"""
    return queries.list_orders(current_identity(), args)


@orders.get("/stats")
@require_auth("government", "admin")
@orders.arguments(StatsQueryArgs, location="query")
@orders.response(200, StatsSchema)
def stats(args):
    """订单统计（政府：本区域及下级区域；管理员：全部或指定区域）"""
    return statistics.order_stats(current_identity(), args)


SPREADSHEET = {200: {"description": "表格文件（Content-Disposition: attachment）", "content": {
    exports.XLSX: {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}}}}}


@orders.get("/export")
@errors("export_too_large")
@require_auth("government", "admin", "institution")
@orders.arguments(OrderExportArgs, location="query")
@orders.doc(responses=SPREADSHEET)
def export_orders(args):
    """导出订单（筛选条件同订单列表；政府：本区域及下级，机构：本机构）；超过 100 万行 → 422 export_too_large"""
    return exports.export_orders(current_identity(), args)


@orders.get("/stats/export")
@require_auth("government", "admin")
@orders.arguments(StatsExportArgs, location="query")
@orders.doc(responses=SPREADSHEET)
def export_stats(args):
    """导出订单统计（同 /orders/stats 的筛选与分组）：分组、汇总、各机构三个工作表（csv 只含第一个）"""
    return exports.export_stats(current_identity(), args)


@orders.get("/scorecards")
@require_auth("government", "admin", "institution")
@orders.arguments(StatsArgs, location="query")
@orders.response(200, ScorecardPageSchema)
def order_scorecards(args):
    """机构考核：收到、受理、按期受理率、平均与 P90 受理时长、终止、被督办、授信与放款、抢单、超期未受理；
    按按期受理率、平均受理时长排名（政府：本区域及下级；管理员：任意；机构：仅本机构）"""
    return scorecards.scorecards(current_identity(), args)


@orders.get("/<int:order_id>")
@require_auth(*ALL_ROLES)
@orders.response(200, OrderDetailSchema)
def get_order(order_id):
    """订单详情：含办理记录与申请企业的信用记录（信用服务不可用时 credit_record 为 null 并说明原因）"""
    return queries.order_details(current_identity(), order_id)


@orders.post("/<int:order_id>/accept")
@errors("invalid_transition")
@require_auth("institution")
@orders.arguments(RemarkSchema, required=False, example=examples.ACCEPT)
@orders.response(200, OrderSchema)
def accept(body, order_id):
    """受理（本机构；待受理 → 已受理）"""
    return services.move_order(current_identity(), order_id, "accept", body)


@orders.post("/<int:order_id>/grant")
@errors("invalid_transition")
@require_auth("institution")
@orders.arguments(GrantSchema, example=examples.GRANT)
@orders.response(200, OrderSchema)
def grant(body, order_id):
    """授信（本机构；已受理 → 已授信）：金额不超过申请金额"""
    return services.move_order(current_identity(), order_id, "grant", body)


@orders.post("/<int:order_id>/disburse")
@errors("invalid_transition")
@require_auth("institution")
@orders.arguments(DisburseSchema, example=examples.DISBURSE)
@orders.response(200, OrderSchema)
def disburse(body, order_id):
    """放款（本机构；已授信 → 已放款）：金额不超过授信金额"""
    return services.move_order(current_identity(), order_id, "disburse", body)


@orders.post("/<int:order_id>/terminate")
@errors("invalid_transition")
@require_auth("institution")
@orders.arguments(TerminateSchema, example=examples.TERMINATE)
@orders.response(200, OrderSchema)
def terminate(body, order_id):
    """终止（本机构；待受理、已受理或已授信的订单），须填写原因"""
    return services.move_order(current_identity(), order_id, "terminate", body)


@orders.post("/<int:order_id>/withdraw")
@errors("invalid_transition")
@require_auth("enterprise")
@orders.arguments(RemarkSchema, required=False, example=examples.WITHDRAW)
@orders.response(200, OrderSchema)
def withdraw(body, order_id):
    """撤回申请（申请企业；待受理或已受理的订单）"""
    return services.move_order(current_identity(), order_id, "withdraw", body)


@orders.post("/<int:order_id>/urge")
@errors("invalid_transition", "already_urged")
@require_auth("government", "admin")
@orders.arguments(UrgeSchema, example=examples.URGE)
@orders.response(200, OrderSchema)
def urge(body, order_id):
    """督办：政府部门（本区域及下级）或管理员督促受理机构办理未办结的订单；同一订单 24 小时内一次"""
    return services.urge_order(current_identity(), order_id, body["message"])


needs_bp = Blueprint("needs", __name__, url_prefix="/api/v1/needs",
                     description="融资需求：企业发布，服务本地区的金融机构抢单（受理即生成已受理订单）")


@needs_bp.post("")
@errors("enterprise_unverified", "credit_authorization_required", "too_many_open_needs")
@require_auth("enterprise")
@needs_bp.arguments(NeedCreateSchema, example=examples.NEED_CREATE)
@needs_bp.response(201, PostedNeedSchema)
def post_need(body):
    """发布融资需求（须完成企业认证并同意授权书；同时最多 3 条未办结需求），返回最匹配的 5 个产品"""
    need, matches = needs.post_need(current_identity(), body, request.remote_addr)
    need.matches = matches
    return need


@needs_bp.get("")
@require_auth(*ALL_ROLES)
@needs_bp.arguments(NeedListArgs, location="query")
@needs_bp.response(200, NeedPageSchema)
def list_needs(args):
    """融资需求列表：企业看本企业的；机构看其在售产品服务地区的待抢单需求及本机构抢到的；政府看本区域及下级；管理员看全部"""
    return needs.list_needs(current_identity(), args)


@needs_bp.post("/<int:need_id>/cancel")
@errors("invalid_transition", "need_taken")
@require_auth("enterprise")
@needs_bp.response(200, NeedSchema)
def cancel_need(need_id):
    """撤销本企业的待抢单需求"""
    return needs.cancel_need(current_identity(), need_id)


@needs_bp.post("/<int:need_id>/claim")
@errors("product_unavailable", "amount_out_of_range", "term_out_of_range", "region_not_served", "whitelist_required",
        "need_taken", "duplicate_open_order")
@require_auth("institution")
@needs_bp.arguments(ClaimSchema, example=examples.CLAIM)
@needs_bp.response(201, OrderSchema)
def claim_need(body, need_id):
    """抢单：用本机构符合条件的在售产品受理需求，生成已受理的订单；已被抢走时 409 need_taken"""
    return needs.claim_need(current_identity(), need_id, body["product_id"])


portal_bp = Blueprint("portal", __name__, url_prefix="/api/v1/portal", description="门户网站（公开）")


@portal_bp.get("/figures")
@portal_bp.response(200, PortalFiguresSchema)
def portal_figures():
    """门户首页数据（公开）：入驻机构、在售产品、融资申请、累计授信与放款（万元），全平台，缓存不超过 60 秒"""
    return portal.figures(), 200, {"Cache-Control": "public, max-age=60"}

"""order-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask import request
from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.spreadsheets import SPREADSHEET_RESPONSES
from xyd_common.tokens import current_identity, require_auth, require_service

from . import examples, exports, needs, portal, pushes, queries, scorecards, services, statistics, visits
from .schemas import (
    ClaimSchema,
    DisburseSchema,
    GrantSchema,
    IdempotencyHeaders,
    InternalDisbursedPageSchema,
    InternalPageArgs,
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
    PushAcceptSchema,
    PushBatchSchema,
    PushCreateSchema,
    PushDeclineSchema,
    PushListArgs,
    PushPageSchema,
    PushSchema,
    RemarkSchema,
    ResubmitSchema,
    ReturnSchema,
    ScorecardPageSchema,
    StatsArgs,
    StatsExportArgs,
    StatsQueryArgs,
    StatsSchema,
    TerminateSchema,
    UrgeSchema,
    VisitCreateSchema,
    VisitExportArgs,
    VisitListArgs,
    VisitPageSchema,
    VisitSchema,
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


@orders.get("/export")
@errors("export_too_large")
@require_auth("government", "admin", "institution")
@orders.arguments(OrderExportArgs, location="query")
@orders.doc(responses=SPREADSHEET_RESPONSES)
def export_orders(args):
    """导出订单（筛选条件同订单列表；政府：本区域及下级，机构：本机构）；超过 100 万行 → 422 export_too_large"""
    return exports.export_orders(current_identity(), args)


@orders.get("/stats/export")
@require_auth("government", "admin")
@orders.arguments(StatsExportArgs, location="query")
@orders.doc(responses=SPREADSHEET_RESPONSES)
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
@errors("invalid_transition", "repayment_method_not_offered")
@require_auth("institution")
@orders.arguments(DisburseSchema, example=examples.DISBURSE)
@orders.response(200, OrderSchema)
def disburse(body, order_id):
    """放款（本机构；已授信 → 已放款）：金额不超过授信金额；还款方式须为产品提供的一种，可标明续贷"""
    return services.move_order(current_identity(), order_id, "disburse", body)


@orders.post("/<int:order_id>/terminate")
@errors("invalid_transition")
@require_auth("institution")
@orders.arguments(TerminateSchema, example=examples.TERMINATE)
@orders.response(200, OrderSchema)
def terminate(body, order_id):
    """终止（本机构；待受理、已受理、待补正或已授信的订单），须填写原因"""
    return services.move_order(current_identity(), order_id, "terminate", body)


@orders.post("/<int:order_id>/withdraw")
@errors("invalid_transition")
@require_auth("enterprise")
@orders.arguments(RemarkSchema, required=False, example=examples.WITHDRAW)
@orders.response(200, OrderSchema)
def withdraw(body, order_id):
    """撤回申请（申请企业；待受理、已受理或待补正的订单）"""
    return services.move_order(current_identity(), order_id, "withdraw", body)


@orders.post("/<int:order_id>/return")
@errors("invalid_transition")
@require_auth("institution")
@orders.arguments(ReturnSchema, example=examples.RETURN)
@orders.response(200, OrderSchema)
def return_order(body, order_id):
    """退回补正（本机构；待受理或已受理的订单）：写明原因与需补充的材料，等企业补正后重新提交"""
    return services.move_order(current_identity(), order_id, "return", body)


@orders.post("/<int:order_id>/resubmit")
@errors("invalid_transition")
@require_auth("enterprise")
@orders.arguments(ResubmitSchema, required=False, example=examples.RESUBMIT)
@orders.response(200, OrderSchema)
def resubmit(body, order_id):
    """补正后重新提交（申请企业；待补正的订单 → 待受理，受理期限重新计算）"""
    return services.move_order(current_identity(), order_id, "resubmit", body)


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


# Why taking a need with a product may fail, for a claim and an accepted push alike (needs.take_need).
TAKING_ERRORS = ("product_unavailable", "amount_out_of_range", "term_out_of_range", "region_not_served",
                 "whitelist_required", "duplicate_open_order")


@needs_bp.post("/<int:need_id>/claim")
@errors(*TAKING_ERRORS, "need_taken")
@require_auth("institution")
@needs_bp.arguments(ClaimSchema, example=examples.CLAIM)
@needs_bp.response(201, OrderSchema)
def claim_need(body, need_id):
    """抢单：用本机构符合条件的在售产品受理需求，生成已受理的订单；已被抢走时 409 need_taken"""
    return needs.claim_need(current_identity(), need_id, body["product_id"])


@needs_bp.post("/<int:need_id>/pushes")
@errors("institution_unavailable", "invalid_transition", "already_pushed")
@require_auth("government", "admin")
@needs_bp.arguments(PushCreateSchema, example=examples.PUSH_CREATE)
@needs_bp.response(201, PushBatchSchema)
def push_need(body, need_id):
    """推荐清单：把本区域及下级区域的待抢单需求推送给服务该地区的机构（每家一条推送，答复期限
    RECOMMENDATION_DECISION_DAYS 天）；需求已办结 409 invalid_transition，已推送过 409 already_pushed"""
    return {"items": pushes.push_need(current_identity(), need_id, body)}, 201


@needs_bp.get("/<int:need_id>/pushes")
@require_auth("government", "admin")
@needs_bp.arguments(PushListArgs, location="query")
@needs_bp.response(200, PushPageSchema)
def list_need_pushes(args, need_id):
    """一条需求的推送及各机构的答复（政府：本区域及下级区域的需求；管理员）"""
    return pushes.list_pushes(current_identity(), args, need_id)


@needs_bp.get("/pushes")
@require_auth("institution", "government", "admin")
@needs_bp.arguments(PushListArgs, location="query")
@needs_bp.response(200, PushPageSchema)
def list_pushes(args):
    """推荐清单：机构看推送给本机构的（含需求与企业信用记录），政府看本区域及下级区域需求的推送，管理员看全部；新的在前"""
    return pushes.list_pushes(current_identity(), args)


@needs_bp.post("/pushes/<int:push_id>/accept")
@errors(*TAKING_ERRORS, "invalid_transition")
@require_auth("institution")
@needs_bp.arguments(PushAcceptSchema, example=examples.PUSH_ACCEPT)
@needs_bp.response(200, PushSchema)
def accept_push(body, push_id):
    """接受推送（本机构）：用本机构符合条件的在售产品受理，生成待受理订单（来源 push）并关闭该需求"""
    return pushes.accept_push(current_identity(), push_id, body["product_id"])


@needs_bp.post("/pushes/<int:push_id>/decline")
@errors("invalid_transition")
@require_auth("institution")
@needs_bp.arguments(PushDeclineSchema, example=examples.PUSH_DECLINE)
@needs_bp.response(200, PushSchema)
def decline_push(body, push_id):
    """拒绝推送（本机构），须填写原因"""
    return pushes.decline_push(current_identity(), push_id, body["reason"])


visits_bp = Blueprint("visits", __name__, url_prefix="/api/v1/visits",
                      description="走访：政府部门登记对企业的走访（小微企业融资协调工作机制）")


@visits_bp.post("")
@errors("not_found")
@require_auth("government", "admin")
@visits_bp.arguments(VisitCreateSchema, example=examples.VISIT_CREATE)
@visits_bp.response(201, VisitSchema)
def record_visit(body):
    """登记走访（政府：本区域及下级区域的企业；管理员）"""
    return visits.record_visit(current_identity(), body), 201


@visits_bp.get("")
@require_auth("government", "admin")
@visits_bp.arguments(VisitListArgs, location="query")
@visits_bp.response(200, VisitPageSchema)
def list_visits(args):
    """走访记录（政府：本区域及下级区域；管理员：全部），按走访日期倒序"""
    return visits.list_visits(current_identity(), args)


@visits_bp.get("/export")
@require_auth("government", "admin")
@visits_bp.arguments(VisitExportArgs, location="query")
@visits_bp.doc(responses=SPREADSHEET_RESPONSES)
def export_visits(args):
    """导出走访记录（筛选条件同走访列表）"""
    return visits.export_visits(current_identity(), args)


portal_bp = Blueprint("portal", __name__, url_prefix="/api/v1/portal", description="门户网站（公开）")


@portal_bp.get("/figures")
@portal_bp.response(200, PortalFiguresSchema)
def portal_figures():
    """门户首页数据（公开）：入驻机构、在售产品、融资申请、累计授信与放款（万元），全平台，缓存不超过 60 秒"""
    return portal.figures(), 200, {"Cache-Control": "public, max-age=60"}


internal = Blueprint("internal_orders", __name__, url_prefix="/internal/orders", description="服务间接口（需服务令牌）")


@internal.get("/disbursed")
@require_service
@internal.arguments(InternalPageArgs, location="query")
@internal.response(200, InternalDisbursedPageSchema)
def internal_disbursed_orders(args):
    """全部已放款订单（服务间：贷后服务初次部署或恢复后据此开立贷款；
    与 order.disbursed 事件数据同形；按放款日、id 翻页）"""
    return services.disbursed_after(args.get("after"))

"""order-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask import request
from flask_smorest import Blueprint

from xyd_common.tokens import current_identity, require_auth

from . import queries, services
from .schemas import (
    DisburseSchema,
    GrantSchema,
    IdempotencyHeaders,
    OrderCreateSchema,
    OrderDetailSchema,
    OrderListArgs,
    OrderPageSchema,
    OrderSchema,
    RemarkSchema,
    StatsArgs,
    StatsSchema,
    TerminateSchema,
    UrgeSchema,
)

orders = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="融资订单")

ALL_ROLES = ("admin", "institution", "government", "enterprise")


@orders.post("")
@require_auth("enterprise")
@orders.arguments(IdempotencyHeaders, location="headers")
@orders.arguments(OrderCreateSchema)
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
@orders.arguments(StatsArgs, location="query")
@orders.response(200, StatsSchema)
def stats(args):
    """订单统计（政府：本区域及下级区域；管理员：全部或指定区域）"""
    return queries.order_stats(current_identity(), args)


@orders.get("/<int:order_id>")
@require_auth(*ALL_ROLES)
@orders.response(200, OrderDetailSchema)
def get_order(order_id):
    """订单详情：含办理记录与申请企业的信用记录（信用服务不可用时 credit_record 为 null 并说明原因）"""
    return queries.order_details(current_identity(), order_id)


@orders.post("/<int:order_id>/accept")
@require_auth("institution")
@orders.arguments(RemarkSchema, required=False)
@orders.response(200, OrderSchema)
def accept(body, order_id):
    """受理（本机构；待受理 → 已受理）"""
    return services.move_order(current_identity(), order_id, "accept", body)


@orders.post("/<int:order_id>/grant")
@require_auth("institution")
@orders.arguments(GrantSchema)
@orders.response(200, OrderSchema)
def grant(body, order_id):
    """授信（本机构；已受理 → 已授信）：金额不超过申请金额"""
    return services.move_order(current_identity(), order_id, "grant", body)


@orders.post("/<int:order_id>/disburse")
@require_auth("institution")
@orders.arguments(DisburseSchema)
@orders.response(200, OrderSchema)
def disburse(body, order_id):
    """放款（本机构；已授信 → 已放款）：金额不超过授信金额"""
    return services.move_order(current_identity(), order_id, "disburse", body)


@orders.post("/<int:order_id>/terminate")
@require_auth("institution")
@orders.arguments(TerminateSchema)
@orders.response(200, OrderSchema)
def terminate(body, order_id):
    """终止（本机构；待受理、已受理或已授信的订单），须填写原因"""
    return services.move_order(current_identity(), order_id, "terminate", body)


@orders.post("/<int:order_id>/withdraw")
@require_auth("enterprise")
@orders.arguments(RemarkSchema, required=False)
@orders.response(200, OrderSchema)
def withdraw(body, order_id):
    """撤回申请（申请企业；待受理或已受理的订单）"""
    return services.move_order(current_identity(), order_id, "withdraw", body)


@orders.post("/<int:order_id>/urge")
@require_auth("government", "admin")
@orders.arguments(UrgeSchema)
@orders.response(200, OrderSchema)
def urge(body, order_id):
    """督办：政府部门（本区域及下级）或管理员督促受理机构办理未办结的订单；同一订单 24 小时内一次"""
    return services.urge_order(current_identity(), order_id, body["message"])

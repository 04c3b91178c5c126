"""What every service's OpenAPI document says about errors and tokens, said once here.

- `ERROR_CODES`: every `code` the platform answers with, its HTTP status and its meaning — the one list
  a client developer reads (it is the `code` enum of the `Error` schema in every document).
- `errors(*codes)`: a view decorator naming the business codes an operation can answer with besides the
  ones every operation of its kind has (`duplicate_open_order`, `invalid_transition`, …).
- `document_access(view, ...)`: used by the token decorators of `xyd_common.tokens`, so an operation's
  `security` (and the 401/403 it brings) follows from the decorator that actually checks the token.
- `ErrorAnswersPlugin`: the apispec plugin that writes each operation's error answers from these — 400
  for a body, 401/403 for a token, 404 for a path id, 422 for parameters — each with the contract's
  error shape, the `code` values it can carry and an example. No catch-all `default` answer: a status
  an operation does not document is a finding of the fuzzing suite, not something the document hides.
"""

from copy import deepcopy

from apispec import BasePlugin

# code: (HTTP status, meaning). Statuses of the codes a client can meet; the order is the reading order
# of the list in the documents.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "请求体不是合法的 JSON，或嵌套过深、编码错误"),
    "unauthorized": (401, "未登录、令牌无效或已失效：重新登录（或用刷新令牌换新）"),
    "invalid_credentials": (401, "手机号、密码或短信验证码不正确（不区分哪一项）"),
    "forbidden": (403, "已登录，但当前角色或账号无权做此事"),
    "password_change_required": (403, "首次登录或密码被重置：先修改密码（POST /auth/password）"),
    "enterprise_unverified": (403, "企业尚未通过企业认证，暂不能申请、发布需求或查看本企业信用"),
    "not_found": (404, "资源不存在，或不属于当前用户（他人的订单、产品等一律答 404）"),
    "method_not_allowed": (405, "该路径不支持此请求方法"),
    "conflict": (409, "与当前状态冲突"),
    "invalid_transition": (409, "当前状态不允许此操作（如已受理的订单不能再次受理）"),
    "duplicate_open_order": (409, "同一产品已有办理中的申请"),
    "duplicate_product": (409, "本机构已有同名产品"),
    "duplicate_region": (409, "行政区代码已存在"),
    "duplicate_institution": (409, "同名或同一统一社会信用代码的机构已存在"),
    "institution_exists": (409, "申请入驻的机构（同名或同一统一社会信用代码）已在平台上"),
    "duplicate_application": (409, "该统一社会信用代码已有待审核的入驻申请"),
    "phone_registered": (409, "手机号已注册"),
    "phone_in_use": (409, "手机号已被其他账号使用"),
    "enterprise_registered": (409, "该统一社会信用代码已有通过认证的企业账号"),
    "verification_pending": (409, "已有待审核的企业认证申请"),
    "already_verified": (409, "企业已通过认证"),
    "institution_disabled": (409, "机构已停用，不能发布或上架产品"),
    "unknown_institution": (409, "机构尚未同步到产品服务，请稍后再试"),
    "need_taken": (409, "融资需求已被其他机构受理或已结束"),
    "too_many_open_needs": (409, "同时进行中的融资需求已达上限（3 个）"),
    "already_pushed": (409, "该融资需求已推送给所选机构（推荐清单）"),
    "already_urged": (409, "该订单 24 小时内已督办过"),
    "already_revoked": (409, "授权已撤回"),
    "authorization_ended": (409, "授权已结束，无需撤回"),
    "dispute_open": (409, "该信用记录已有处理中的异议"),
    "webhook_limit_reached": (409, "Webhook 数量已达上限"),
    "duplicate_reference": (409, "该还款流水号已登记过另一笔内容不同的还款"),
    "claim_exists": (409, "该贷款在此资金池已有未结的代偿申请"),
    "subsidy_exists": (409, "该贷款已申请过此贴息项目"),
    "payload_too_large": (413, "请求体过大（JSON 1 MB，上传文件 5 MB）"),
    "unsupported_media_type": (415, "请求体格式不受支持"),
    "validation_error": (422, "参数校验失败：`errors` 按字段列出原因"),
    "invalid_cursor": (422, "翻页游标无效（请使用上一页返回的 next_cursor）"),
    "invalid_sms_code": (422, "短信验证码错误或已失效"),
    "weak_password": (422, "新密码强度不足（见 GET /auth/password-policy）"),
    "wrong_password": (422, "原密码错误（计入登录失败次数）"),
    "invalid_target": (422, "不能对自己的账号做此操作"),
    "product_unavailable": (422, "产品不存在、已下架或所属机构已停用"),
    "amount_out_of_range": (422, "申请金额不在产品的金额范围内"),
    "term_out_of_range": (422, "申请期限不在产品的期限范围内"),
    "region_not_served": (422, "产品不服务申请企业所在地区"),
    "credit_authorization_required": (422, "需同意当前版本的信用信息查询授权书"),
    "institution_unavailable": (422, "推送的机构不存在、已停用或没有服务该企业所在地区的在售产品"),
    "whitelist_required": (422, "白名单专属产品，仅限当日在信易贷白名单内的企业"),
    "repayment_method_not_offered": (422, "放款所选的还款方式不在产品提供的还款方式中"),
    "idempotency_key_reused": (422, "该 Idempotency-Key 已用于另一份内容不同的申请"),
    "export_too_large": (422, "导出行数超过上限，请缩小筛选范围"),
    "overpayment": (422, "还款超过未还本金或未还利息"),
    "not_covered": (422, "该贷款不在资金池的补偿范围内（状态、机构类型、白名单、放款日期、区域或申请期限）"),
    "over_fund_limit": (422, "核准金额超过分担比例、单笔上限或资金池可用余额"),
    "not_eligible": (422, "该贷款不符合贴息项目的条件"),
    "over_budget": (422, "核准金额超过测算金额或项目剩余预算"),
    "account_locked": (429, "连续输错密码，账号暂时锁定（Retry-After 秒后再试）"),
    "throttled": (429, "请求过于频繁（Retry-After 秒后再试）"),
    "internal_error": (500, "服务器内部错误（不应出现，请附 X-Request-ID 报告）"),
    "bad_gateway": (502, "网关后的服务应答异常"),
    "service_unavailable": (503, "服务暂不可用，稍后重试"),
    "gateway_timeout": (504, "网关后的服务应答超时"),
}

STATUS_TEXT = {400: "请求无法解析", 401: "未认证", 403: "无权限", 404: "不存在", 405: "方法不支持",
               409: "状态冲突", 413: "请求体过大", 415: "格式不支持", 422: "参数或业务校验失败",
               429: "请求过于频繁", 503: "服务暂不可用"}

# A plausible message per code, for the examples of the documents.
_EXAMPLE_FIELD_ERRORS = {"validation_error": {"phone": ["手机号格式不正确"]}}

AUTH_REQUIRED = "required"
AUTH_OPTIONAL = "optional"
AUTH_SERVICE = "service"
_AUTH_KEY = "x-xyd-auth"
_ERRORS_KEY = "x-xyd-errors"

BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                 "description": "登录（POST /api/v1/auth/login）得到的 access_token，放在 "
                                "`Authorization: Bearer <token>` 请求头中"}
SECURITY_OF_AUTH = {AUTH_REQUIRED: [{"bearerAuth": []}], AUTH_OPTIONAL: [{}, {"bearerAuth": []}],
                    AUTH_SERVICE: [{"bearerAuth": []}]}



def error_codes_markdown() -> str:
    """The list of codes with their status and meaning, for the documents' descriptions."""
    rows = "\n".join(f"| `{code}` | {status} | {meaning} |" for code, (status, meaning) in ERROR_CODES.items())
    return ("错误应答一律为 JSON：`{code, message, errors?}`。`code` 供程序判断，`message` 为中文说明，"
            "`errors` 仅在字段校验失败时出现（`{字段: [原因]}`）。\n\n| code | HTTP | 含义 |\n|---|---|---|\n"
            + rows)


def _add_manual_doc(view, **doc):
    """Merge `doc` into what flask-smorest documents for `view` (as its `Blueprint.doc` does)."""
    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    for key, value in doc.items():
        if isinstance(value, list) and isinstance(manual.get(key), list):
            manual[key] = manual[key] + [v for v in value if v not in manual[key]]
        else:
            manual[key] = value
    view._apidoc = apidoc
    return view


def document_access(view, auth: str, roles: tuple[str, ...] = ()):
    """Record on `view` how the token decorator wrapping it treats the caller's token."""
    doc = {_AUTH_KEY: auth, "security": SECURITY_OF_AUTH[auth]}
    if roles:
        doc["x-roles"] = list(roles)
    return _add_manual_doc(view, **doc)


def errors(*codes: str):
    """Decorator (under the route's): the business error codes the operation can answer with."""
    unknown = [code for code in codes if code not in ERROR_CODES]
    if unknown:
        raise ValueError(f"codes missing from ERROR_CODES: {unknown}")

    def decorator(view):
        return _add_manual_doc(view, **{_ERRORS_KEY: list(codes)})

    return decorator


def error_answer(codes: list[str]) -> dict:
    """An OpenAPI response object for answers carrying one of `codes` (all of one status)."""
    status = ERROR_CODES[codes[0]][0]
    described = "；".join(f"`{code}` {ERROR_CODES[code][1]}" for code in codes)
    example = {"code": codes[0], "message": ERROR_CODES[codes[0]][1]}
    if codes[0] in _EXAMPLE_FIELD_ERRORS:
        example["errors"] = _EXAMPLE_FIELD_ERRORS[codes[0]]
    answer = {
        "description": f"{STATUS_TEXT.get(status, '错误')}：{described}",
        "content": {"application/json": {
            "schema": {"allOf": [{"$ref": "#/components/schemas/Error"},
                                 {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}}]},
            "example": example,
        }},
    }
    if status == 429:
        answer["headers"] = {"Retry-After": {"description": "多少秒后可以再试（向上取整）",
                                             "schema": {"type": "integer", "minimum": 1}}}
    return answer


def operation_error_codes(path: str, operation: dict) -> list[str]:
    """The codes an operation can answer with, from what it takes and how it treats tokens."""
    auth = operation.get(_AUTH_KEY)
    codes = []
    if operation.get("requestBody"):
        codes += ["bad_request", "payload_too_large"]
    if auth in (AUTH_REQUIRED, AUTH_OPTIONAL, AUTH_SERVICE):
        codes.append("unauthorized")
    if auth in (AUTH_REQUIRED, AUTH_OPTIONAL):
        codes.append("password_change_required")
    if auth == AUTH_REQUIRED:
        codes.append("forbidden")
    if "{" in path:
        codes.append("not_found")
    if operation.get("requestBody") or operation.get("parameters"):
        codes.append("validation_error")
    if any(p.get("in") == "query" and p.get("name") == "after" for p in operation.get("parameters", [])):
        codes.append("invalid_cursor")
    codes += [code for code in operation.get(_ERRORS_KEY, []) if code not in codes]
    return codes


# Examples of the properties a client meets in answers, by property name (and, where one name means
# different things, by schema name first): Swagger UI builds its example answers from them.
PROPERTY_EXAMPLES = {
    "Product.name": "科创信用贷", "Institution.name": "中原银行许昌分行", "Region.name": "魏都区",
    "Enterprise.name": "许昌魏都精密制造有限公司",
    "name": "王建国", "order_no": "XYD202611270001", "product_name": "科创信用贷",
    "institution_name": "中原银行许昌分行", "enterprise_name": "许昌魏都精密制造有限公司",
    "enterprise_uscc": "91411002MA45L8XK1L", "uscc": "91411002MA45L8XK1L", "contact_name": "王建国",
    "contact_phone": "13912345678", "phone": "13912345678", "contact": "王建国 13912345678",
    "purpose": "采购数控机床及原材料，扩大产能", "reason": "企业近半年纳税异常，暂不符合授信条件",
    "remark": "材料齐全，已安排客户经理对接", "message": "该企业为市重点扶持项目，请于 2 个工作日内受理",
    "note": "经核实，处罚已修复，记录不再向机构展示", "dispute_note": "处罚已履行完毕并完成信用修复",
    "legal_representative": "王建国", "industry": "通用设备制造业", "batch": "2026年第一批",
    "title": "许昌市专精特新中小企业", "authority": "许昌市工业和信息化局",
    "content": "认定为 2025 年度许昌市专精特新中小企业",
    "target_customers": "许昌市内纳税信用 B 级以上的科技型中小企业",
    "requirements": "成立满 2 年；近 12 个月纳税正常", "features": "纯信用、随借随还，最快 3 个工作日放款",
    "description": "面向科技型中小企业的纯信用贷款", "email": "wangjianguo@weidu-precision.cn",
    "url": "https://gov-finance.xuchang.example.cn/xyd/webhook", "token_type": "Bearer",
    "access_token": "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
    "refresh_token": "Qk1yWm9ZbmF0aG9uZ2VyLXJlZnJlc2gtdG9rZW4", "secret": "whsec_5f2b7c0e9a4d4e0fb1c3",
    "region_code": "411002", "parent_code": "411000", "registered_region_code": "411002",
    "claimed_region_code": "411002", "event_type": "order.accepted", "tax_credit_rating": "A",
    "credit_record_error": "信用服务暂不可用", "next_cursor": "WyIyMDI2LTExLTI3VDA4OjAwOjAwWiIsIDQyXQ",
    "text": "本企业同意许昌市信易贷平台向所申请产品的金融机构提供本企业的信用信息……",
    "tags": ["行政处罚"], "reasons": ["金额、期限均在产品范围内", "本地区白名单企业专属产品"],
}


class ErrorAnswersPlugin(BasePlugin):
    """Writes every operation's error answers and `security` (see the module's docstring), and gives
    the properties of every schema the examples of PROPERTY_EXAMPLES they lack."""

    def schema_helper(self, name, definition=None, **kwargs):
        for prop, schema in ((definition or {}).get("properties") or {}).items():
            example = PROPERTY_EXAMPLES.get(f"{name}.{prop}", PROPERTY_EXAMPLES.get(prop))
            if example is None or "example" in schema or "$ref" in schema or "enum" in schema:
                continue
            kind = schema.get("type")
            if (kind == "string" and isinstance(example, str) and "format" not in schema) or \
                    (kind == "array" and isinstance(example, list)):
                schema["example"] = example
        return None

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            # flask-smorest's generic answers are replaced by the platform's own below.
            for status in [s for s in responses if str(s) == "default" or str(s).startswith(("4", "5"))]:
                del responses[status]
            by_status: dict[int, list[str]] = {}
            for code in operation_error_codes(path, operation):
                by_status.setdefault(ERROR_CODES[code][0], []).append(code)
            for status, codes in sorted(by_status.items()):
                responses[str(status)] = error_answer(codes)
            operation.setdefault("security", [])  # no token decorator: a public operation
            operation.pop(_AUTH_KEY, None)
            operation.pop(_ERRORS_KEY, None)

"""The contract's JSON error shape: `{code, message, errors?}` with a 4xx/5xx status.

Use cases raise `ApiError` (or a subclass); the HTTP layer turns it, and every werkzeug/webargs error,
into that shape, so no service ever answers an HTML page or a bare 500 for bad input.
"""

import logging
import math

import marshmallow as ma
import redis
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from .api_docs import ERROR_CODES

log = logging.getLogger(__name__)

# Default machine-readable code and Chinese message per HTTP status.
STATUS_CODES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "未登录或登录已失效"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持的请求方法"),
    409: ("conflict", "状态冲突"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "请使用 JSON 格式"),
    422: ("validation_error", "参数校验失败"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
    502: ("bad_gateway", "上游服务异常"),
    503: ("service_unavailable", "服务暂不可用"),
    504: ("gateway_timeout", "上游服务超时"),
}


class ApiError(Exception):
    """An error the user should see, with its status, code, message and optional field errors."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 errors: dict | None = None, headers: dict | None = None):
        default_code, default_message = STATUS_CODES.get(status, ("error", "请求失败"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.errors = errors
        self.headers = headers or {}
        super().__init__(f"{status} {self.code}: {self.message}")

    def body(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class NotFound(ApiError):
    def __init__(self, message: str = "资源不存在"):
        super().__init__(404, "not_found", message)


class Conflict(ApiError):
    def __init__(self, code: str = "conflict", message: str = "状态冲突"):
        super().__init__(409, code, message)


class ValidationFailed(ApiError):
    def __init__(self, errors: dict | None = None, code: str = "validation_error",
                 message: str = "参数校验失败"):
        super().__init__(422, code, message, errors=errors)


class Throttled(ApiError):
    """429 with `Retry-After`: `retry_after` seconds (fractions allowed) rounded UP to whole seconds, so a
    client that waits exactly that long is not refused again."""

    def __init__(self, retry_after: float, code: str = "throttled", message: str = "请求过于频繁，请稍后再试"):
        retry_after = max(1, math.ceil(retry_after))
        super().__init__(429, code, message, headers={"Retry-After": str(retry_after)})


def flatten_errors(messages) -> dict:
    """webargs nests field errors under the location (`{"json": {"phone": [...]}}`); the contract
    wants them flat (`{"phone": [...]}`), with nested fields joined by dots."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "headers", "files",
                                                        "view_args", "path", "cookies"}:
        for inner in messages.values():
            walk("", inner)
    else:
        walk("", messages)
    return flat


class ErrorSchema(ma.Schema):
    """The error body, for the OpenAPI document: `code` is one of the list in `xyd_common.api_docs`."""

    code = ma.fields.String(required=True, validate=ma.validate.OneOf(list(ERROR_CODES)),
                            metadata={"description": "供程序判断的错误码（含义见文档开头的错误码表）"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明，可直接展示给用户"})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "字段校验失败时：{字段: [原因]}（嵌套字段以点连接）"})


def error_response(status: int, code: str | None = None, message: str | None = None,
                   errors: dict | None = None, headers: dict | None = None):
    err = ApiError(status, code, message, errors, headers)
    return err.body(), err.status, err.headers


def handle_api_error(error: ApiError):
    return error.body(), error.status, error.headers


# A store that cannot be reached (restarting, cut off, out of connections) is an outage, not a bug:
# the request is refused with 503 and nothing was written (the transaction never committed). Redis
# failing this way keeps everything that depends on it closed: a revocation or a lock-out that could not
# be written or read must not let the request through.
UNAVAILABLE_ERRORS = (redis.RedisError, sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def handle_unexpected_error(error: Exception):
    if isinstance(error, HTTPException):  # pragma: no cover - HTTPException has its own handler
        return error
    if isinstance(error, UNAVAILABLE_ERRORS):
        log.warning("a store is unavailable: %s", error.__class__.__name__)
        return error_response(503, message="服务暂不可用，请稍后再试")
    log.exception("unhandled error")
    return error_response(500)

"""Every answer the gateway itself gives is the contract's JSON error shape, never an HTML page."""

from flask import Flask, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from xyd_common.errors import ApiError, error_response, handle_api_error, handle_unexpected_error


def handle_http_exception(error: HTTPException):
    if error.code is not None and error.code < 400:  # a redirect is not an error
        return error
    headers = {k: v for k, v in error.get_headers() if k.lower() in {"allow", "retry-after"}}
    message = None
    if isinstance(error, RequestEntityTooLarge):
        # The limit of this request (document uploads have a larger one than other requests).
        message = f"请求体过大，上限 {request.max_content_length // 1024} KB"
    return error_response(error.code or 500, message=message, headers=headers)


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)

"""The gunicorn worker of the gateway and every service: gthread, answering in the contract's JSON the
requests gunicorn refuses before any application sees them.

gunicorn checks the request line, the headers and the framing itself and writes a small HTML page for
what it refuses: 414 for a request line over `limit_request_line`, 431 for too many or too large header
fields, 400 for bytes that are not HTTP (a raw non-ASCII byte in a header, Content-Length together with
Transfer-Encoding), 501 for a transfer coding it does not know. The platform promises JSON for every
answer, so `deploy/gunicorn.conf.py` names `xyd_common.gunicorn_worker.JsonErrorWorker`, and importing
this module replaces the one function gunicorn writes those pages with.
"""

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from .errors import STATUS_CODES

# Chinese messages for what only gunicorn answers; the rest come from the platform's table.
SERVER_REFUSALS = {
    400: ("bad_request", "请求格式错误"),
    414: ("uri_too_long", "请求地址过长"),
    417: ("expectation_failed", "不支持的 Expect 请求头"),
    431: ("headers_too_large", "请求头过大或过多"),
    501: ("not_implemented", "不支持的传输编码"),
}


def json_error_bytes(status: int, reason: str) -> bytes:
    """The whole HTTP answer gunicorn sends for a request it refused: status line, headers, JSON body.
    gunicorn's own detail (what it could not parse) is logged by it, not echoed to the client."""
    code, message = SERVER_REFUSALS.get(status) or STATUS_CODES.get(status, ("bad_request", "请求格式错误"))
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_json_error(sock, status_int, reason, mesg):
    util.write_nonblock(sock, json_error_bytes(int(status_int), reason))


# gunicorn's workers call `util.write_error` (looked up at call time) for every answer they write
# themselves; this is the documented extension point's only gap, so it is filled here, once.
util.write_error = write_json_error


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker; importing its module makes gunicorn's own error answers JSON."""

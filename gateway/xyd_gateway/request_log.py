"""Request ids and the access log: one JSON line per request, carrying the id the services log too."""

import logging
import time
import uuid

from flask import Flask, g, request

from xyd_common.app import REQUEST_ID_PATTERN

access_log = logging.getLogger("xyd_gateway.access")


def init_app(app: Flask) -> None:
    log_access = app.config["GATEWAY_ACCESS_LOG"]

    @app.before_request
    def assign_request_id():
        g.started = time.perf_counter()
        # A client may bring its own id (to find its request in the logs); anything odd is replaced.
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def return_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if log_access:
            identity = g.get("identity")
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "upstream": g.get("upstream"),
                "user_id": identity.subject if identity else None,
                "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
                "client": request.remote_addr,
            })
        return response

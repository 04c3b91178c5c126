"""Structured JSON logs, one object a line, each carrying the request id of the request it belongs to."""

import logging
import sys

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (from the gateway's X-Request-ID) to every record made inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record to stderr as JSON. Idempotent: safe to call from each app factory."""
    root = logging.getLogger()
    if any(getattr(h, "_xyd", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._xyd = True
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields={"service": service},
        json_ensure_ascii=False,
    ))
    root.addHandler(handler)
    root.setLevel(level)
    # pika logs every reconnect attempt at length; its warnings are enough.
    logging.getLogger("pika").setLevel(logging.WARNING)

"""gunicorn settings shared by the gateway and every service (threads: the apps do blocking I/O)."""

import os

# gthread, answering in JSON (not gunicorn's HTML) the requests gunicorn itself refuses.
worker_class = "xyd_common.gunicorn_worker.JsonErrorWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# A listening socket per worker (SO_REUSEPORT) lets the kernel spread connections over the workers;
# without it one gthread worker accepts nearly every keep-alive connection while the others idle.
reuse_port = True
# Application logs are JSON on stderr; gunicorn's access log would duplicate them without request ids.
accesslog = None
errorlog = "-"
# gunicorn 27 opens a control socket at one fixed path per user; every service would fight over it.
control_socket_disable = True
# Request size limits (gunicorn refuses more with 414 or 431, in JSON): a request line (method, path,
# query) of 8190 bytes, gunicorn's maximum (its default, 4094, cut long list filters short); 100 header
# fields of up to 16 KB each (a bearer token and cookies fit many times over).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384

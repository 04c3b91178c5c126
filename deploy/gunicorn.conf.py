"""gunicorn settings shared by the gateway and every service (threads: the apps do blocking I/O)."""

import os

worker_class = "gthread"
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

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

# Prometheus multiprocess mode: every worker writes its samples to files in one directory, and /metrics
# (or the gateway's metrics port) adds them up. The directory must exist, be empty at start (stale files
# of an earlier run would be counted again) and be set before a worker imports prometheus_client, which
# this file, loaded by the master before it forks, guarantees. Kubernetes mounts an emptyDir there,
# since the root filesystem is read-only.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="xyd-metrics-")
else:
    import glob

    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(stale)


def child_exit(server, worker):
    # A dead worker's live gauges must stop counting; its counters stay in the sums.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    # The gateway's metrics are served by the master on GATEWAY_METRICS_PORT, never on the public port
    # (whatever the gateway answers there is the public API). The services serve /metrics themselves,
    # on their own ports, which the gateway does not route.
    port = os.environ.get("GATEWAY_METRICS_PORT")
    app_uri = getattr(server.app, "app_uri", None) or server.cfg.wsgi_app
    if port and str(app_uri).startswith("xyd_gateway:"):
        from prometheus_client import CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(int(port), addr=os.environ.get("BIND_HOST", "127.0.0.1"), registry=registry)
        server.log.info("gateway metrics on port %s", port)


def on_exit(server):
    if _own_metrics_dir:
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)

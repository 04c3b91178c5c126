"""The gateway: the platform's single public entry — routing, token checks, request ids, API docs, and
the built web app at `/`."""

from flask import Flask

from xyd_common.app import untyped_options_answers
from xyd_common.logs import configure_logging
from xyd_common.metrics import instrument_requests
from xyd_common.trusted_proxies import TrustedProxies, parse_trusted_proxies

from . import access, cors, docs, errors, health, page_cache, proxy, ratelimit, request_log, security_headers, web
from .config import load_settings


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config.update(load_settings())
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    configure_logging(app.config["SERVICE_NAME"], app.config["LOG_LEVEL"])
    # `//` in a path is the service's business, not a redirect issued by the gateway.
    app.url_map.merge_slashes = False
    # Only a trusted proxy in front may name the client (for the services' per-IP throttles).
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_trusted_proxies(app.config["TRUSTED_PROXIES"]))

    errors.init_app(app)
    # nosniff on every answer; the page policy (CSP, no framing) on every HTML answer.
    security_headers.init_app(app)
    untyped_options_answers(app)
    request_log.init_app(app)
    # Preflights are answered before anything else looks at the request (they carry no token).
    cors.init_app(app)
    # Counted here, served on GATEWAY_METRICS_PORT (deploy/gunicorn.conf.py), never on the public port.
    instrument_requests(app)
    access.install_verifier(app)
    ratelimit.init_app(app)
    proxy.init_app(app)
    page_cache.init_app(app)
    health.init_app(app)
    app.register_blueprint(proxy.api)
    app.register_blueprint(health.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(docs.merged_bp)
    app.register_blueprint(web.bp)
    return app

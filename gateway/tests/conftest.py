import logging
import os
import uuid

import pytest
import redis

from xyd_common.config import DEFAULT_REDIS_URL
from xyd_common.redis_store import get_redis, revoke_sessions, revoked_session_key  # noqa: F401
from xyd_gateway import create_app
from xyd_gateway.config import SERVICE_URL_SETTINGS
from xyd_testing.helpers import WsgiServer

from .support import SigningKey, Upstream, access_claims

REDIS_URL = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)

# The stand-in service's request lines would drown the gateway's own log in a failing test's output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def signing_key():
    return SigningKey("test-key")


@pytest.fixture(scope="session")
def upstream(signing_key):
    server = Upstream(signing_key)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_prefix():
    """This test run's own Redis keys, removed afterwards; a local `make run` keeps its own."""
    prefix = f"xyd-gateway-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture
def make_app(upstream, redis_prefix, tmp_path):
    """A gateway whose every service is the echo upstream, with `overrides` on top. It serves no web
    app unless a test gives it one (WEB_DIST_DIR), whether or not the repository's web/dist is built."""

    def make(**overrides):
        config = {
            "TESTING": True,
            "WEB_DIST_DIR": str(tmp_path / "no-web-build"),
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": redis_prefix,
            "GATEWAY_READ_TIMEOUT": 2.0,
            "GATEWAY_HEALTH_TIMEOUT": 0.5,
            "GATEWAY_ACCESS_LOG": False,
            # test_page_cache.py turns it on with a broker of its own.
            "GATEWAY_PAGE_CACHE_SECONDS": 0,
            **{setting: upstream.url for setting, _ in SERVICE_URL_SETTINGS.values()},
        }
        config.update(overrides)
        return create_app(config)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(signing_key):
    """Sign an access token; keyword arguments replace or add claims."""

    def make(**claims) -> str:
        return signing_key.sign(access_claims(**claims))

    return make


@pytest.fixture
def revoke(app):
    """Mark a session revoked the way auth-service does on logout."""

    def revoke_session(sid: str) -> None:
        with app.app_context():
            revoke_sessions([sid], 60)

    return revoke_session


@pytest.fixture
def gateway_server(app):
    """The gateway itself on a real socket, for what only a real HTTP server shows (chunked bodies)."""
    with WsgiServer(app) as served:
        yield f"127.0.0.1:{served.port}"

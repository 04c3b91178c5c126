"""One Redis client per app, with the key prefix that keeps test runs apart from a local run."""

import redis
from flask import current_app


def get_redis(app=None) -> redis.Redis:
    app = app or current_app
    client = app.extensions.get("xyd_redis")
    if client is None:
        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=1.0,
                                      socket_connect_timeout=1.0, health_check_interval=30)
        app.extensions["xyd_redis"] = client
    return client


def redis_key(*parts: str, app=None) -> str:
    app = app or current_app
    return app.config["REDIS_KEY_PREFIX"] + ":".join(str(p) for p in parts)


def revoked_session_key(sid: str, app=None) -> str:
    """The key whose presence means every access token of session `sid` is refused."""
    return redis_key("revoked", "sid", sid, app=app)

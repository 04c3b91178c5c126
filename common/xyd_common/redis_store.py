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


def revocation_channel(app=None) -> str:
    """The pub/sub channel on which each revoked session id is announced (see `revoke_sessions`)."""
    return redis_key("revocations", app=app)


def revoke_sessions(session_ids: list[str], ttl: int, app=None) -> None:
    """Put sessions into the revocation list for `ttl` seconds and announce each on the revocation
    channel, in one MULTI/EXEC: whoever remembers that a session was not revoked (the gateway) hears of
    it at once, and whoever asks the list afterwards finds it there."""
    app = app or current_app
    pipe = get_redis(app).pipeline(transaction=True)
    for sid in session_ids:
        pipe.set(revoked_session_key(sid, app=app), 1, ex=ttl)
    for sid in session_ids:
        pipe.publish(revocation_channel(app), sid)
    pipe.execute()

"""Who may pass the gateway: the token check each route's policy in the route table asks for.

Verifying an EdDSA signature costs more than everything else the gateway does for a request, and a
client sends the same access token for its whole lifetime, so a verified token's claims are kept until
the token expires. Caching a signature never lets a revoked token through: revocation is checked apart.

Asking Redis whether a session was revoked was then the largest part of the gateway's own work per
request (a round trip, measured with py-spy at about a third of it). `RevocationWatch` asks once per
session and then listens: auth-service announces every revocation on a Redis channel in the same
MULTI/EXEC that writes it (`xyd_common.redis_store.revoke_sessions`), so a session the gateway found
clean is forgotten the moment it is revoked. Only while that subscription is confirmed live are such
answers reused; when it drops (Redis down, a network cut) every remembered answer is void and each
request asks Redis again — failing closed with 503 when Redis cannot answer. The services behind check
the list on every request themselves, so neither path ever depends on the gateway alone.
"""

import logging
import threading
import time

import redis
from cachetools import TLRUCache, TTLCache
from flask import Flask

from xyd_common.redis_store import get_redis, revocation_channel
from xyd_common.tokens import ACCESS, Identity, TokenVerifier, authenticate, session_revoked, unauthorized

from .listening import Subscription
from .routes import TOKEN_IGNORED, TOKEN_OPTIONAL

log = logging.getLogger(__name__)


class CachingTokenVerifier(TokenVerifier):
    """A TokenVerifier remembering tokens whose signature and claims passed, until their `exp`.

    Only successes are kept (a bounded LRU), so a refused token is checked afresh each time and the
    cache cannot be filled with garbage that pushes real tokens out faster than real clients do. A key
    removed from the JWKS keeps its already verified tokens valid until they expire (at most the access
    token lifetime); revoking sessions is the way to cut them off at once. `cache_size` 0 turns it off.
    """

    def __init__(self, jwks_url: str, issuer: str, audience: str, cache_size: int = 10_000):
        super().__init__(jwks_url, issuer, audience)
        # Expiry per entry: a token is valid while now < exp, exactly as PyJWT checks it.
        self._verified = TLRUCache(maxsize=cache_size, ttu=lambda _key, claims, _now: float(claims["exp"]),
                                   timer=time.time) if cache_size > 0 else None
        self._verified_lock = threading.Lock()  # cachetools caches are not thread-safe

    def decode(self, token: str, typ: str = ACCESS) -> dict:
        if self._verified is None:
            return super().decode(token, typ)
        key = (typ, token)
        with self._verified_lock:
            claims = self._verified.get(key)
        if claims is None:
            claims = super().decode(token, typ)
            with self._verified_lock:
                self._verified[key] = claims
        return claims


class RevocationWatch(Subscription):
    """Which sessions are revoked: Redis asked once per session, then kept current by the revocation
    channel while the subscription to it is live (see the module's docstring and listening.py)."""

    name = "revocation-watch"
    connection_errors = (redis.RedisError, OSError)
    PING_SECONDS = 2.0     # how often the idle subscription proves it is alive
    SILENCE_LIMIT = 6.0    # no answer for this long: the subscription counts as lost

    def __init__(self, app: Flask, remember_seconds: float, size: int = 100_000):
        super().__init__()
        self.app = app
        self.remember_seconds = remember_seconds
        # Sessions found not revoked, and sessions heard revoked, while the subscription was live.
        self._clean = TTLCache(maxsize=size, ttl=remember_seconds, timer=time.monotonic)
        self._heard = TTLCache(maxsize=size, ttl=remember_seconds, timer=time.monotonic)

    def revoked(self, session_id: str | None, app=None) -> bool:
        """`xyd_common.tokens.session_revoked`, answered from memory when that is safe."""
        if not session_id:
            return False
        self.ensure_started()
        with self._lock:
            if session_id in self._heard:
                return True
            if self._live and self._clean.get(session_id) == self._generation:
                return False
            live, generation = self._live, self._generation
        revoked = session_revoked(session_id, self.app)  # 503 when Redis cannot answer
        if not revoked and live:
            with self._lock:
                # Kept only if the subscription stayed up throughout and no revocation came meanwhile.
                if self._live and self._generation == generation and session_id not in self._heard:
                    self._clean[session_id] = generation
        return revoked

    def forget(self) -> None:
        self._clean.clear()

    def _listen(self) -> None:
        pubsub = get_redis(self.app).pubsub()
        try:
            pubsub.subscribe(revocation_channel(self.app))
            heard_at = pinged_at = time.monotonic()
            while not self.stop.is_set():
                message = pubsub.get_message(timeout=0.5)
                now = time.monotonic()
                if message is not None:
                    heard_at = now
                    if message["type"] == "subscribe":
                        self._set_live(True)
                    elif message["type"] == "message":
                        sid = message["data"].decode() if isinstance(message["data"], bytes) else message["data"]
                        with self._lock:
                            self._heard[sid] = True
                            self._clean.pop(sid, None)
                if now - heard_at > self.SILENCE_LIMIT:
                    raise redis.ConnectionError("no answer on the revocation channel")
                if now - pinged_at > self.PING_SECONDS:
                    pubsub.ping()
                    pinged_at = now
        finally:
            pubsub.close()


def install_verifier(app: Flask) -> None:
    """Make xyd_common.tokens use the caching verifier for this app, and the revocation watch."""
    app.extensions["xyd_token_verifier"] = CachingTokenVerifier(
        app.config["AUTH_SERVICE_URL"].rstrip("/") + "/.well-known/jwks.json",
        app.config["JWT_ISSUER"], app.config["JWT_AUDIENCE"],
        cache_size=app.config["GATEWAY_TOKEN_CACHE_SIZE"])
    seconds = app.config["GATEWAY_REVOCATION_MEMORY_SECONDS"]
    app.extensions["xyd_revocation_watch"] = RevocationWatch(app, seconds) if seconds > 0 else None


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def check_access(app: Flask, policy: str, path: str, authorization: str | None) -> Identity | None:
    """The caller's identity, or None when the route's token `policy` lets it pass without one.

    Raises ApiError: 401 without a valid token where one is needed (or with an invalid one where one is
    looked at), 403 password_change_required, 503 when the key set or the revocation list cannot be read."""
    if policy == TOKEN_IGNORED:
        return None
    token = bearer_token(authorization)
    if token is None:
        if policy == TOKEN_OPTIONAL:
            return None
        raise unauthorized()
    watch = app.extensions.get("xyd_revocation_watch")
    return authenticate(token, path, app=app, revoked=watch.revoked if watch is not None else None)

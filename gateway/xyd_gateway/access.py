"""Who may pass the gateway: the token check each route's policy in the route table asks for.

Verifying an EdDSA signature costs more than everything else the gateway does for a request, and a
client sends the same access token for its whole lifetime, so a verified token's claims are kept until
the token expires. The revocation check (logout, password change, disabled user) still asks Redis on
every request: caching a signature never lets a revoked token through.
"""

import threading
import time

from cachetools import TLRUCache
from flask import Flask

from xyd_common.tokens import ACCESS, Identity, TokenVerifier, authenticate, unauthorized

from .routes import TOKEN_IGNORED, TOKEN_OPTIONAL


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


def install_verifier(app: Flask) -> None:
    """Make xyd_common.tokens use the caching verifier for this app."""
    app.extensions["xyd_token_verifier"] = CachingTokenVerifier(
        app.config["AUTH_SERVICE_URL"].rstrip("/") + "/.well-known/jwks.json",
        app.config["JWT_ISSUER"], app.config["JWT_AUDIENCE"],
        cache_size=app.config["GATEWAY_TOKEN_CACHE_SIZE"])


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
    return authenticate(token, path, app=app)

"""Access-token checks shared by the gateway and every service.

Tokens are EdDSA (Ed25519) JWTs signed by auth-service and published in its JWKS. Verification hard-codes
the algorithm (no `alg: none`, no algorithm confusion), requires `iss`, `aud`, `exp`, `iat`, `sub`, `typ`,
caches the keys, and asks Redis whether the token's session was revoked (logout, password change,
disabled user) so that a revoked token is refused everywhere at once.
"""

import functools
import threading
import time
from dataclasses import dataclass, field

import jwt
import redis
import requests
from flask import current_app, g, request

from .api_docs import AUTH_OPTIONAL, AUTH_REQUIRED, AUTH_SERVICE, document_access
from .errors import ApiError
from .redis_store import get_redis, revoked_session_key

ALGORITHMS = ["EdDSA"]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "typ"]
ACCESS = "access"
SERVICE = "service"
ROLES = ("admin", "institution", "government", "enterprise")
# 企业认证: the states of an enterprise account's identity verification.
UNVERIFIED, PENDING, VERIFIED, REJECTED = "unverified", "pending", "verified", "rejected"
VERIFICATION_STATUSES = (UNVERIFIED, PENDING, VERIFIED, REJECTED)

# While must_change_password is true, only these paths answer; everything else is 403.
PASSWORD_CHANGE_ALLOWED_PATHS = frozenset({
    "/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/logout",
})


@dataclass(frozen=True)
class Identity:
    """Who is calling, as the verified token says."""

    subject: str
    role: str
    session_id: str | None = None
    institution_id: int | None = None
    enterprise_uscc: str | None = None
    region_code: str | None = None
    must_change_password: bool = False
    # Enterprises only: unverified|pending|verified|rejected (企业认证). A token without the claim
    # counts as unverified, so a token issued before verification existed grants nothing new.
    verification_status: str | None = None
    claims: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def user_id(self) -> int | None:
        return int(self.subject) if self.subject.isdigit() else None

    @property
    def verified_uscc(self) -> str | None:
        """The USCC this caller may act for and read the data of: set only for an enterprise whose
        verification auth-service approved. The registration claim alone (`enterprise_uscc`) is what a
        stranger can type in, so rules about an enterprise's data use this, never that."""
        if self.role == "enterprise" and self.verification_status == VERIFIED:
            return self.enterprise_uscc
        return None

    @classmethod
    def from_claims(cls, claims: dict) -> "Identity":
        return cls(subject=str(claims["sub"]), role=claims.get("role", ""), session_id=claims.get("sid"),
                   institution_id=claims.get("institution_id"),
                   enterprise_uscc=claims.get("enterprise_uscc"),
                   region_code=claims.get("region_code"),
                   must_change_password=bool(claims.get("mcp")),
                   verification_status=(claims.get("evs") or UNVERIFIED) if claims.get("role") == "enterprise"
                   else None,
                   claims=claims)


def unauthorized(message: str = "未登录或登录已失效") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


class _JwksClient(jwt.PyJWKClient):
    """PyJWKClient that keeps serving the last key set it fetched while the JWKS cannot be reached, so
    an auth-service outage does not turn into 503s everywhere once the cached set is due for refresh."""

    _last_good = None

    def fetch_data(self):
        try:
            self._last_good = super().fetch_data()
        except jwt.PyJWKClientConnectionError:
            if self._last_good is None:
                raise
        return self._last_good


class TokenVerifier:
    """Verifies tokens against the auth-service JWKS; one per process, safe across threads."""

    def __init__(self, jwks_url: str, issuer: str, audience: str, jwks_timeout: float = 3.0,
                 jwks_lifespan: float = 300):
        self.issuer = issuer
        self.audience = audience
        # The key set is cached for `jwks_lifespan` seconds and refetched (at most every cooldown) for an
        # unknown kid, so a new key is picked up at once and a withdrawn key stops verifying within the
        # lifespan. Keys are not cached one by one: PyJWKClient would keep those for the process's life.
        self._jwks = _JwksClient(jwks_url, cache_keys=False, cache_jwk_set=True, lifespan=jwks_lifespan,
                                 timeout=jwks_timeout, cooldown_duration=5)
        self._lock = threading.Lock()

    def decode(self, token: str, typ: str = ACCESS) -> dict:
        """The token's claims if its signature, issuer, audience, expiry and type are right."""
        try:
            with self._lock:  # PyJWKClient's cache refresh is not thread-safe
                key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.audience,
                                issuer=self.issuer, options={"require": REQUIRED_CLAIMS})
        except jwt.PyJWKClientConnectionError as exc:
            raise ApiError(503, "service_unavailable", "认证服务暂不可用") from exc
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise unauthorized() from exc
        if claims.get("typ") != typ:
            raise unauthorized()
        return claims


def verifier(app=None) -> TokenVerifier:
    app = app or current_app
    v = app.extensions.get("xyd_token_verifier")
    if v is None:
        v = TokenVerifier(app.config["AUTH_SERVICE_URL"].rstrip("/") + "/.well-known/jwks.json",
                          app.config["JWT_ISSUER"], app.config["JWT_AUDIENCE"])
        app.extensions["xyd_token_verifier"] = v
    return v


def session_revoked(session_id: str | None, app=None) -> bool:
    if not session_id:
        return False
    try:
        return bool(get_redis(app).exists(revoked_session_key(session_id, app=app)))
    except redis.RedisError as exc:
        # Fail closed: without the revocation list a logged-out token could pass.
        raise ApiError(503, "service_unavailable", "会话服务暂不可用") from exc


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(token: str, path: str, app=None) -> Identity:
    """Verify an access token for a request to `path`: signature and claims, revocation, and the
    forced password change. Raises ApiError (401/403/503)."""
    claims = verifier(app).decode(token, ACCESS)
    identity = Identity.from_claims(claims)
    if session_revoked(identity.session_id, app):
        raise unauthorized()
    if identity.must_change_password and path not in PASSWORD_CHANGE_ALLOWED_PATHS:
        raise ApiError(403, "password_change_required", "首次登录或密码已重置，请先修改密码")
    return identity


def enterprise_unverified() -> ApiError:
    return ApiError(403, "enterprise_unverified", "企业尚未完成认证，请先提交企业认证并等待审核通过")


def require_verified_enterprise(identity: Identity) -> str:
    """The caller's verified USCC; 403 `enterprise_unverified` for an enterprise account that is not
    verified (yet), 403 `forbidden` for any other role."""
    if identity.role != "enterprise":
        raise ApiError(403, "forbidden", "没有权限")
    if identity.verified_uscc is None:
        raise enterprise_unverified()
    return identity.verified_uscc


def current_identity() -> Identity | None:
    """The caller of this request, if it sent a valid token (set by `require_auth`/`optional_auth`)."""
    return g.get("identity")


def require_auth(*roles: str):
    """Decorator: the request needs a valid access token, and one of `roles` when any are given."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise unauthorized()
            identity = authenticate(token, request.path)
            if roles and identity.role not in roles:
                raise ApiError(403, "forbidden", "没有权限")
            g.identity = identity
            return view(*args, **kwargs)

        return document_access(wrapped, AUTH_REQUIRED, roles)

    return decorator


def optional_auth(view):
    """Decorator for public routes: a token, when sent, must be valid and identifies the caller."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        token = bearer_token()
        g.identity = authenticate(token, request.path) if token else None
        return view(*args, **kwargs)

    return document_access(wrapped, AUTH_OPTIONAL)


def require_service(view):
    """Decorator for `/internal/` endpoints: only a service token from auth-service passes."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        token = bearer_token()
        if token is None:
            raise unauthorized("需要服务令牌")
        claims = verifier().decode(token, SERVICE)
        g.identity = Identity(subject=str(claims["sub"]), role="service", claims=claims)
        return view(*args, **kwargs)

    return document_access(wrapped, AUTH_SERVICE)


class ServiceTokenClient:
    """Obtains and caches this service's token for `/internal/` calls.

    A service proves itself to auth-service with `SERVICE_TOKEN_SECRET` (shared by the platform's
    services, never by clients) at `POST /internal/service-tokens`, and gets a short-lived JWT of type
    `service` that every service's `require_service` accepts.
    """

    def __init__(self, auth_url: str, service: str, secret: str, timeout: float = 3.0):
        self._url = auth_url.rstrip("/") + "/internal/service-tokens"
        self._service = service
        self._secret = secret
        self._timeout = timeout
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() > self._expires_at - 30:
                resp = requests.post(self._url, json={"service": self._service, "secret": self._secret},
                                     timeout=self._timeout)
                resp.raise_for_status()
                body = resp.json()
                self._token = body["access_token"]
                self._expires_at = time.time() + body["expires_in"]
            return self._token

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token()}"}

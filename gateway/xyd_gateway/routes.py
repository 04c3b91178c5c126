"""The gateway's one route table: which service answers a public path, and what it asks of a token.

Services mount their endpoints under the same `/api/v1/...` paths, so a request is forwarded with its
path unchanged. A path matching no row is answered 404 by the gateway itself; `/internal/**` (service
to service) is never routed.

Patterns: `/a/b/**` is anything below `/a/b/`; `/a/b**` is `/a/b` itself and anything below it;
`{id}` is one path segment holding a record id (digits, or a UUID). Any number of digits: a number too
large for an id is the service's 404 to give, not a reason to treat a public route as a secured one.
"""

import re

ROUTES = (
    ("/api/v1/auth/**", "auth-service"),
    # Rows are tried in order: credit-service's and loan-service's administration before the rest of /admin.
    ("/api/v1/admin/credit/**", "credit-service"),
    ("/api/v1/admin/loans/**", "loan-service"),
    ("/api/v1/admin/**", "auth-service"),
    ("/api/v1/regions**", "auth-service"),
    ("/api/v1/institution-applications**", "auth-service"),
    ("/api/v1/portal/**", "order-service"),
    ("/api/v1/products**", "product-service"),
    ("/api/v1/market/**", "product-service"),
    ("/api/v1/policies**", "product-service"),
    ("/api/v1/orders**", "order-service"),
    ("/api/v1/needs**", "order-service"),
    ("/api/v1/visits**", "order-service"),
    ("/api/v1/credit/**", "credit-service"),
    ("/api/v1/notifications**", "notification-service"),
    ("/api/v1/webhooks**", "notification-service"),
    ("/api/v1/dev/**", "notification-service"),
    ("/api/v1/loans**", "loan-service"),
    ("/api/v1/funds**", "loan-service"),
    ("/api/v1/claims**", "loan-service"),
    ("/api/v1/subsidy-programs**", "loan-service"),
    ("/api/v1/subsidy-applications**", "loan-service"),
    ("/api/v1/instruments/**", "loan-service"),
)

# What a route asks of the caller's access token. Every route not listed below needs one.
TOKEN_REQUIRED = "required"
# Public data: a token, when sent, is verified like anywhere else (invalid: 401) and passed on, because
# the answer may depend on who asks (the owner of a disabled product still sees it).
TOKEN_OPTIONAL = "optional"
# Where a client gets a token: whatever token it still holds (expired, or revoked by the password change
# it just made) is not looked at and not passed on, so a stale one never stands in the way of signing in.
TOKEN_IGNORED = "ignored"

# HEAD counts as GET.
PUBLIC_ROUTES = (
    ("POST", "/api/v1/auth/sms-codes", TOKEN_IGNORED),
    ("POST", "/api/v1/auth/login", TOKEN_IGNORED),
    ("POST", "/api/v1/auth/register", TOKEN_IGNORED),
    ("POST", "/api/v1/auth/refresh", TOKEN_IGNORED),
    ("POST", "/api/v1/auth/password/reset", TOKEN_IGNORED),
    ("GET", "/api/v1/auth/password-policy", TOKEN_IGNORED),
    ("GET", "/api/v1/dev/sms", TOKEN_IGNORED),
    # 申请入驻: institutions not yet on the platform (no account); the SMS code proves the phone.
    ("POST", "/api/v1/institution-applications", TOKEN_IGNORED),
    ("GET", "/api/v1/institution-applications/status", TOKEN_IGNORED),
    ("GET", "/api/v1/portal/figures", TOKEN_IGNORED),
    ("GET", "/api/v1/regions**", TOKEN_OPTIONAL),
    ("GET", "/api/v1/market/products", TOKEN_OPTIONAL),
    ("GET", "/api/v1/credit/authorization-text", TOKEN_OPTIONAL),
    # An id only: /api/v1/products/mine is the institution's own list and needs a token.
    ("GET", "/api/v1/products/{id}", TOKEN_OPTIONAL),
    # 政策资讯: the portal's list and a policy (its managers also see one not on the portal).
    ("GET", "/api/v1/policies", TOKEN_OPTIONAL),
    ("GET", "/api/v1/policies/{id}", TOKEN_OPTIONAL),
)

# Public pages the gateway answers from its own memory when asked without a token (page_cache.py), and
# the events after which that memory is dropped: whatever changes what these pages show. A request with a
# token always reaches the service (whitelist-only products, a disabled product its owner still sees).
CACHED_PAGES = (
    "/api/v1/market/products",
    "/api/v1/products/{id}",
    "/api/v1/regions**",
)
CACHED_PAGES_CHANGE_ON = ("product.#", "institution.#", "region.#")

# Requests that carry documents (multipart uploads): their bodies may be up to MAX_UPLOAD_BYTES rather
# than MAX_BODY_BYTES. The service behind checks each file's own size and type.
UPLOAD_ROUTES = frozenset({
    ("POST", "/api/v1/auth/enterprise-verification"),
})

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
ID_PATTERN = rf"(?:[0-9]+|{_UUID})"


def _pattern_regex(pattern: str) -> str:
    if pattern.endswith("/**"):
        return re.escape(pattern[:-3]) + r"/.+"
    if pattern.endswith("**"):
        return re.escape(pattern[:-2]) + r"(?:/.*)?"
    return re.escape(pattern).replace(re.escape("{id}"), ID_PATTERN)


_ROUTE_REGEXES = tuple((re.compile(_pattern_regex(p)), service) for p, service in ROUTES)
_PUBLIC_REGEXES = {
    method: tuple((re.compile(_pattern_regex(p)), policy) for m, p, policy in PUBLIC_ROUTES if m == method)
    for method in {m for m, _, _ in PUBLIC_ROUTES}
}

_CACHED_REGEXES = tuple(re.compile(_pattern_regex(p)) for p in CACHED_PAGES)


def is_safe_path(path: str) -> bool:
    """False for segments starting with a dot (`.`, `..`) and for backslashes: a server behind the
    gateway could resolve them to a path the gateway never routes (/api/v1/products/../../internal/x)."""
    return "/." not in path and "\\" not in path


def service_for(path: str) -> str | None:
    """The service answering `path` (already percent-decoded), or None when the gateway routes it nowhere."""
    if not is_safe_path(path):
        return None
    for regex, service in _ROUTE_REGEXES:
        if regex.fullmatch(path):
            return service
    return None


def token_policy(method: str, path: str) -> str:
    """TOKEN_REQUIRED, TOKEN_OPTIONAL or TOKEN_IGNORED for `method path`."""
    for regex, policy in _PUBLIC_REGEXES.get("GET" if method == "HEAD" else method, ()):
        if regex.fullmatch(path):
            return policy
    return TOKEN_REQUIRED


def is_upload(method: str, path: str) -> bool:
    """Whether `method path` takes a document upload (and so the larger body limit)."""
    return (method, path) in UPLOAD_ROUTES


def is_cached_page(path: str) -> bool:
    """Whether `path` is one of the CACHED_PAGES (the method and the token are the caller's to check)."""
    return any(regex.fullmatch(path) for regex in _CACHED_REGEXES)

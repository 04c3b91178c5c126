"""Rate limits at the gateway, counted in Redis so that every gateway replica shares them.

Each request falls in one route group, limited per client IP where nobody is signed in and per user
where a token says who asks:

- `auth` [`RATE_LIMIT_AUTH`, 60/minute]: where a client gets a token (sign-in, SMS codes,
  registration, refresh, password reset), per client IP;
- `public` [`RATE_LIMIT_PUBLIC`, 300/minute]: public reads (market, products, regions, …), per client
  IP, or per user when a token is sent;
- `user` [`RATE_LIMIT_USER`, 600/minute]: everything that needs a token, per user;
- `export` [`RATE_LIMIT_EXPORT`, 10/minute]: spreadsheet exports (whole result sets), per user.

A limit is `<count>/<period>`, the period `second`, `minute`, `hour`, `day` or a number of seconds
(`20/30`); `off` (or `0`) switches a group off. The client IP is the one `TRUSTED_PROXIES` established.

The algorithm is GCRA (a token bucket of `count` tokens refilled evenly over the period) in one Lua
script: a single round trip and a single key per client and group, with Redis's clock so that replicas
agree. A refused request answers 429 `throttled` with `Retry-After` in whole seconds rounded up, so a
client that waits that long is let through. When Redis cannot be reached the gateway lets requests
through (a limit is protection, not a reason to refuse everyone) and logs a warning, at most once a
minute per process.
"""

import logging
import math
import re
import threading
import time
from dataclasses import dataclass

import redis
from flask import Flask, Request

from xyd_common.errors import Throttled
from xyd_common.redis_store import get_redis
from xyd_common.tokens import Identity

from .routes import TOKEN_IGNORED, TOKEN_OPTIONAL

log = logging.getLogger(__name__)

# Group -> (setting, default).
LIMIT_SETTINGS = {
    "auth": ("RATE_LIMIT_AUTH", "60/minute"),
    "public": ("RATE_LIMIT_PUBLIC", "300/minute"),
    "user": ("RATE_LIMIT_USER", "600/minute"),
    "export": ("RATE_LIMIT_EXPORT", "10/minute"),
}
# Answers that read a whole result set: their own, tighter group.
EXPORT_PATHS = frozenset({"/api/v1/orders/export", "/api/v1/orders/stats/export", "/api/v1/loans/export",
                          "/api/v1/loans/stats/export", "/api/v1/instruments/figures/export"})

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\w+)\s*")
_EXTENSION = "xyd_rate_limiter"

# KEYS[1]: the bucket. ARGV: milliseconds per token, bucket size (tokens).
# The key holds the theoretical arrival time (TAT) in ms; a request is let through when, after adding
# its token's interval, the TAT is at most `size` intervals ahead of now. Answers 0 (let through) or the
# milliseconds until a token is free.
_GCRA = """
local interval = tonumber(ARGV[1])
local size = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - size * interval - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil(next_tat - now))
return 0
"""


@dataclass(frozen=True)
class Limit:
    count: int
    period_seconds: float

    @property
    def interval_ms(self) -> float:
        return self.period_seconds * 1000 / self.count


def parse_limit(name: str, value: str) -> Limit | None:
    """`60/minute` → Limit(60, 60); `off` or `0` → None. Raises ValueError naming the setting."""
    if value.strip().lower() in {"off", "0", "none"}:
        return None
    match = _LIMIT.fullmatch(value)
    if match is None:
        raise ValueError(f"{name} must look like 60/minute, 20/30 (seconds) or off, got {value!r}")
    count, period = int(match[1]), match[2].lower()
    seconds = int(period) if period.isdigit() else _PERIODS.get(period.removesuffix("s"))
    if seconds is None or seconds <= 0:
        raise ValueError(f"{name}: unknown period {match[2]!r} (second, minute, hour, day or seconds)")
    return None if count == 0 else Limit(count, seconds)


def limit_settings(env_str) -> dict:
    """The RATE_LIMIT_* settings as Flask config keys (strings, parsed by `init_app`)."""
    return {setting: env_str(setting, default) for setting, default in LIMIT_SETTINGS.values()}


class RateLimiter:
    def __init__(self, app: Flask, limits: dict[str, Limit | None]):
        self.app = app
        self.limits = limits
        self.prefix = app.config["REDIS_KEY_PREFIX"] + "rl:"
        self._script = None
        self._warned_at = -math.inf
        self._warn_lock = threading.Lock()

    def group(self, policy: str, path: str) -> str:
        if policy == TOKEN_IGNORED:
            return "auth"
        if policy == TOKEN_OPTIONAL:
            return "public"
        return "export" if path in EXPORT_PATHS else "user"

    def check(self, policy: str, identity: Identity | None, request: Request) -> None:
        """Count this request; raises Throttled (429 with Retry-After) when its group's limit is used up."""
        group = self.group(policy, request.path)
        limit = self.limits[group]
        if limit is None:
            return
        who = f"u:{identity.subject}" if identity is not None else f"ip:{request.remote_addr}"
        try:
            if self._script is None:
                self._script = get_redis(self.app).register_script(_GCRA)
            wait_ms = self._script(keys=[f"{self.prefix}{group}:{who}"], args=[limit.interval_ms, limit.count])
        except redis.RedisError as exc:
            self._warn(exc)
            return
        if wait_ms:
            raise Throttled(int(wait_ms) / 1000)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._warn_lock:
            if now - self._warned_at < 60:
                return
            self._warned_at = now
        log.warning("rate limits not applied: Redis unavailable", extra={"error": str(exc)})


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = RateLimiter(app, {
        group: parse_limit(setting, app.config[setting]) for group, (setting, _) in LIMIT_SETTINGS.items()
    })


def check_rate_limit(app: Flask, policy: str, identity: Identity | None, request: Request) -> None:
    """Count `request` against its route group's limit (see the module's docstring)."""
    app.extensions[_EXTENSION].check(policy, identity, request)

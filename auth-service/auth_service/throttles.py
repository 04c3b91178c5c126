"""SMS send throttles, kept in Redis so that every auth-service replica sees the same counts.

- per phone and purpose: one code every SMS_RESEND_SECONDS;
- per phone: SMS_DAILY_LIMIT codes a (China) day;
- per client IP: SMS_IP_HOURLY_LIMIT requests an hour.

Without Redis the throttles fail open: a code is still sent (a person waiting to log in or register
matters more than a few extra SMS while Redis is down), with a warning in the log and
`xyd_fail_open_total{check="sms_throttles"}` counting each such request so that an alert can fire.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis
from flask import current_app

from xyd_common import metrics
from xyd_common.errors import Throttled
from xyd_common.redis_store import get_redis, redis_key

CHINA = ZoneInfo("Asia/Shanghai")

log = logging.getLogger(__name__)


def seconds_left(r, key: str) -> float:
    """What is left of `key`'s expiry, in (fractional) seconds: PTTL, because TTL rounds down and a
    client told `Retry-After: 1` with 1.4 s left would be refused again. Throttled rounds it up."""
    return max(r.pttl(key), 0) / 1000


def check_sms_throttles(phone: str, purpose: str, client_ip: str | None) -> None:
    """Count this request against every throttle; raise Throttled (429, Retry-After) if one is hit."""
    try:
        _count_sms_request(phone, purpose, client_ip)
    except redis.RedisError as exc:
        log.warning("SMS throttles unchecked, Redis unavailable (%s)", exc.__class__.__name__)
        metrics.FAIL_OPEN.labels(current_app.config["SERVICE_NAME"], "sms_throttles").inc()


def _count_sms_request(phone: str, purpose: str, client_ip: str | None) -> None:
    cfg = current_app.config
    r = get_redis()
    if client_ip:
        key = redis_key("sms", "ip", client_ip)
        count, _ = r.pipeline().incr(key).expire(key, 3600, nx=True).execute()
        if count > cfg["SMS_IP_HOURLY_LIMIT"]:
            raise Throttled(seconds_left(r, key))

    resend_key = redis_key("sms", "resend", purpose, phone)
    if cfg["SMS_RESEND_SECONDS"] > 0 and not r.set(resend_key, 1, nx=True, ex=cfg["SMS_RESEND_SECONDS"]):
        raise Throttled(seconds_left(r, resend_key), message="验证码发送过于频繁，请稍后再试")

    now = datetime.now(CHINA)
    day_key = redis_key("sms", "daily", phone, now.strftime("%Y%m%d"))
    count, _ = r.pipeline().incr(day_key).expire(day_key, 2 * 86400, nx=True).execute()
    if count > cfg["SMS_DAILY_LIMIT"]:
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        raise Throttled((midnight - now).total_seconds(), message="今日验证码发送次数已达上限")


def check_application_throttle(client_ip: str | None) -> None:
    """Public applications to join (申请入驻) from one client IP: at most SMS_IP_HOURLY_LIMIT an hour,
    like the SMS codes each of them needs (their per-phone limits already bound one applicant)."""
    if not client_ip:
        return
    r = get_redis()
    key = redis_key("apply", "ip", client_ip)
    count, _ = r.pipeline().incr(key).expire(key, 3600, nx=True).execute()
    if count > current_app.config["SMS_IP_HOURLY_LIMIT"]:
        raise Throttled(seconds_left(r, key), message="提交过于频繁，请稍后再试")


def check_status_guesses(client_ip: str | None) -> None:
    """Application status lookups (申请入驻进度) from one client IP: after
    APPLICATION_STATUS_GUESSES_PER_HOUR wrong ones (a wrong code or an unknown USCC) within an hour, 429
    until the hour is over. Counted per caller, not on the applicant's code: a
    stranger's guesses must not use up the code the applicant looks with."""
    if not client_ip:
        return
    r = get_redis()
    key = redis_key("apply-status", "ip", client_ip)
    if int(r.get(key) or 0) >= current_app.config["APPLICATION_STATUS_GUESSES_PER_HOUR"]:
        raise Throttled(seconds_left(r, key), message="验证码错误次数过多，请稍后再试")


def count_status_guess(client_ip: str | None) -> None:
    """One wrong status lookup (an unknown USCC or a wrong code: the same to the caller)."""
    if not client_ip:
        return
    key = redis_key("apply-status", "ip", client_ip)
    get_redis().pipeline().incr(key).expire(key, 3600, nx=True).execute()

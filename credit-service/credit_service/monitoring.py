"""An enterprise's announced state: its risk (level and tags) and whether it is on the whitelist.

Whenever an import, a dispute decision or the daily refresh may have changed it, `refresh_enterprise` works the
state out again from the enterprise's flags and whitelist entries and, where it differs from what was
last announced, records `credit.risk_changed` / `credit.whitelist_changed` in the outbox, in the same
transaction as the change. Nothing changed, nothing published.
"""

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import or_, select

from xyd_common.events.outbox import record_event

from .disclosure import suppressed_indicators
from .models import CreditRecord, Enterprise, OutboxMessage, WhitelistEntry, db
from .risk import assess

SOURCE = "credit-service"
# China has kept UTC+8 all year since 1991: a fixed offset needs no time zone database.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def china_today() -> date:
    """Today's date in China, which decides whether a whitelist entry is valid."""
    return datetime.now(UTC).astimezone(CHINA).date()


def entry_valid_on(entry: WhitelistEntry, day: date) -> bool:
    return entry.listed_on <= day and (entry.valid_until is None or entry.valid_until >= day)


def valid_entry_clause(day: date):
    """The SQL form of `entry_valid_on`."""
    return (WhitelistEntry.listed_on <= day) & (
        or_(WhitelistEntry.valid_until.is_(None), WhitelistEntry.valid_until >= day))


def current_entry(entries, day: date) -> WhitelistEntry | None:
    """The entry that makes the enterprise whitelisted today: of the valid ones, the one valid the
    longest (open-ended first), then the latest listed."""
    valid = [e for e in entries if entry_valid_on(e, day)]
    if not valid:
        return None
    return max(valid, key=lambda e: (e.valid_until or date.max, e.listed_on, e.id or 0))


def refresh_enterprise(enterprise: Enterprise, day: date) -> list[dict]:
    """Recompute and store the enterprise's risk and whitelist state; returns the events recorded."""
    events = []
    risk = assess(enterprise.risk_flags, suppressed_indicators(enterprise.records, day))
    if (risk.level, list(risk.tags)) != (enterprise.risk_level, list(enterprise.risk_tags or [])):
        events.append(record_event(db.session, OutboxMessage, "credit.risk_changed", {
            "uscc": enterprise.uscc, "level": risk.level, "tags": list(risk.tags),
            "previous_level": enterprise.risk_level,
        }, SOURCE))
        enterprise.risk_level, enterprise.risk_tags = risk.level, list(risk.tags)

    entry = current_entry(enterprise.whitelist_entries, day)
    state = (entry is not None, entry.batch if entry else None, entry.valid_until if entry else None)
    if state != (enterprise.whitelisted, enterprise.whitelist_batch, enterprise.whitelist_valid_until):
        events.append(record_event(db.session, OutboxMessage, "credit.whitelist_changed", {
            "uscc": enterprise.uscc, "whitelisted": state[0], "batch": state[1],
            "valid_until": state[2].isoformat() if state[2] else None,
        }, SOURCE))
        enterprise.whitelisted, enterprise.whitelist_batch, enterprise.whitelist_valid_until = state
    return events


def refresh_daily_states(day: date | None = None) -> int:
    """Whitelist entries start and expire, and records leave publication (公示期限, 信用修复), with the
    calendar, not with an import: announce every enterprise whose whitelist state or risk changed
    since it was last worked out (run daily, after midnight China time). Commits; returns how many
    changed."""
    day = day or china_today()
    candidates = select(Enterprise).where(or_(
        Enterprise.whitelisted,
        Enterprise.uscc.in_(select(WhitelistEntry.uscc).where(valid_entry_clause(day))),
        # Records that left publication by `day`, of enterprises whose flags they may stop counting.
        Enterprise.uscc.in_(select(CreditRecord.uscc).where(or_(CreditRecord.publish_until < day,
                                                                  CreditRecord.repaired_on <= day))),
    ))
    changed = 0
    for enterprise in db.session.scalars(candidates).all():
        changed += bool(refresh_enterprise(enterprise, day))
    db.session.commit()
    return changed

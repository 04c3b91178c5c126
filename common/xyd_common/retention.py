"""Retention: rows kept only for a configurable period, then deleted in batches by a periodic job.

Each service lists what it keeps for how long as `RetentionRule`s; `flask --app <service>
purge-expired` (a Procfile process looping every `RETENTION_INTERVAL_SECONDS`, or a CronJob with
`--once`) deletes the expired rows of every rule. Every service has two: published outbox rows
(`OUTBOX_RETENTION_DAYS` [7]; pending rows are never touched) and, where it consumes events, the ids
of processed events (`PROCESSED_EVENTS_RETENTION_DAYS` [30], far longer than any redelivery: an event
redelivered after its id is gone would be handled twice). Deleting in batches of
`RETENTION_BATCH_SIZE` [1000], each its own short transaction, keeps locks short and lets any number of
replicas run side by side (each deletes what it finds; a row deleted twice is simply not found).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from sqlalchemy import delete, select

from . import metrics
from .config import SettingError
from .events.outbox import utcnow
from .processes import run_periodic

log = logging.getLogger(__name__)

_RULES = "xyd_retention_rules"


@dataclass(frozen=True)
class RetentionRule:
    """Rows of `model` whose `column` is older than `app.config[setting]` days (and that match
    `condition`, if given: a callable of the model returning a SQL condition) are deleted."""

    name: str
    model: type
    column: str
    setting: str
    condition: Callable | None = None


@dataclass(frozen=True)
class RetentionJob:
    """What a row delete cannot do alone (files kept beside the rows, say): `purge(now)` deletes what
    expired by `now` and answers how many; it commits itself."""

    name: str
    purge: Callable[[datetime], int]


def purge_expired(app, rules: list[RetentionRule] | None = None, now: datetime | None = None) -> dict[str, int]:
    """Delete every expired row of `rules` (default: the app's); returns {rule name: rows deleted}.
    Runs in an app context; commits after each batch."""
    db = app.extensions["sqlalchemy"]
    now = now or utcnow()
    batch_size = app.config["RETENTION_BATCH_SIZE"]
    deleted = {}
    for rule in app.extensions.get(_RULES, []) if rules is None else rules:
        if isinstance(rule, RetentionJob):
            deleted[rule.name] = rule.purge(now)
            metrics.HEARTBEAT.beat()
            continue
        days = app.config[rule.setting]
        if days < 1:
            raise SettingError(f"{rule.setting} must be at least 1 (days), got {days}")
        cutoff = now - timedelta(days=days)
        model = rule.model
        (key,) = model.__mapper__.primary_key
        expired = getattr(model, rule.column) < cutoff
        if rule.condition is not None:
            expired = expired & rule.condition(model)
        total = 0
        while True:
            # Oldest first along the key (ids grow with time), so each batch finds its rows at once.
            batch = select(key).where(expired).order_by(key).limit(batch_size).scalar_subquery()
            count = db.session.execute(delete(model).where(key.in_(batch)),
                                       execution_options={"synchronize_session": False}).rowcount
            db.session.commit()
            metrics.HEARTBEAT.beat()  # a long purge is work, not a stuck process
            total += count
            if count < batch_size:
                break
        deleted[rule.name] = total
        if total:
            log.info("retention: deleted %d %s rows older than %d days", total, rule.name, days)
    return deleted


def register_retention(app, *rules: RetentionRule | RetentionJob) -> None:
    """Add `rules` to what the app's `flask purge-expired` deletes (the command is registered once)."""
    if _RULES not in app.extensions:
        app.extensions[_RULES] = []

        @app.cli.command("purge-expired")
        @click.option("--once", is_flag=True, help="Purge once and exit (for cron) instead of looping.")
        def purge_expired_command(once):
            """Delete rows past their retention period, every RETENTION_INTERVAL_SECONDS."""
            def purge_expired_rows() -> None:
                purge_expired(app)

            run_periodic(app, purge_expired_rows, "RETENTION_INTERVAL_SECONDS", once)

    app.extensions[_RULES].extend(rules)

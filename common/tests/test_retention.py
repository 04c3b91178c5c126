"""Retention: expired rows are deleted in batches, nothing younger and no pending outbox row."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from xyd_common.config import SettingError
from xyd_common.events.outbox import utcnow
from xyd_common.retention import RetentionRule, purge_expired, register_retention

from .support import Outbox, Processed, db

RULES = [
    RetentionRule("published outbox", Outbox, "published_at", "OUTBOX_RETENTION_DAYS",
                  lambda model: model.published_at.is_not(None)),
    RetentionRule("processed event ids", Processed, "processed_at", "PROCESSED_EVENTS_RETENTION_DAYS"),
]


def retention_app(make_app, database_uri, broker_url, batch_size=3):
    app = make_app(database_uri, broker_url)
    app.config.update(OUTBOX_RETENTION_DAYS=7, PROCESSED_EVENTS_RETENTION_DAYS=30, RETENTION_BATCH_SIZE=batch_size,
                      RETENTION_INTERVAL_SECONDS=3600)
    register_retention(app, *RULES)
    return app


def add_outbox(app, n, created_days_ago, published_days_ago):
    now = utcnow()
    with app.app_context():
        for i in range(n):
            db.session.add(Outbox(
                event_id=f"{created_days_ago}-{published_days_ago}-{i}-{now.timestamp()}", event_type="t.x",
                payload="{}", created_at=now - timedelta(days=created_days_ago),
                published_at=None if published_days_ago is None else now - timedelta(days=published_days_ago)))
        db.session.commit()


def add_processed(app, n, days_ago):
    now = utcnow()
    with app.app_context():
        for i in range(n):
            db.session.add(Processed(event_id=f"p{days_ago}-{i}-{now.timestamp()}", event_type="t.x",
                                     processed_at=now - timedelta(days=days_ago)))
        db.session.commit()


def counts(app):
    with app.app_context():
        published = db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.published_at.is_not(None)))
        pending = db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.published_at.is_(None)))
        processed = db.session.scalar(select(func.count()).select_from(Processed))
    return published, pending, processed


def test_expired_rows_are_deleted_in_batches_and_the_rest_is_kept(make_app, postgres_uri, broker_url):
    app = retention_app(make_app, postgres_uri, broker_url, batch_size=3)
    add_outbox(app, 8, created_days_ago=10, published_days_ago=9)   # expired: 8 rows, three batches
    add_outbox(app, 2, created_days_ago=3, published_days_ago=2)    # published recently: kept
    add_outbox(app, 2, created_days_ago=40, published_days_ago=None)  # old but never published: kept
    add_processed(app, 5, days_ago=31)
    add_processed(app, 4, days_ago=29)
    with app.app_context():
        deleted = purge_expired(app)
    assert deleted == {"published outbox": 8, "processed event ids": 5}
    assert counts(app) == (2, 2, 4)
    with app.app_context():
        assert purge_expired(app) == {"published outbox": 0, "processed event ids": 0}


def test_purge_expired_command_runs_once_for_a_cron_job(make_app, postgres_uri, broker_url):
    app = retention_app(make_app, postgres_uri, broker_url)
    add_processed(app, 2, days_ago=45)
    result = app.test_cli_runner().invoke(args=["purge-expired", "--once"])
    assert result.exit_code == 0, result.output
    assert counts(app) == (0, 0, 0)


def test_a_retention_period_below_one_day_is_refused(make_app, sqlite_uri, broker_url):
    app = retention_app(make_app, sqlite_uri, broker_url)
    app.config["PROCESSED_EVENTS_RETENTION_DAYS"] = 0
    add_processed(app, 1, days_ago=0)
    with app.app_context(), pytest.raises(SettingError, match="PROCESSED_EVENTS_RETENTION_DAYS"):
        purge_expired(app)
    result = app.test_cli_runner().invoke(args=["purge-expired", "--once"])
    assert result.exit_code == 1  # a cron job's failure must show
    assert counts(app) == (0, 0, 1)

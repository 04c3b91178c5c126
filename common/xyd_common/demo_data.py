"""The demo marker and the demo-history commands.

A platform started for the first time with `DEMO_DATA=true` is a demo platform: `flask migrate-locked`
then records so in each service's database (a one-row table `demo_marker`, created by this module, never
by a service's own migrations, so a production database never has it). Commands that write what the
public API cannot — history in the past, enterprises beyond the SMS and sign-in limits — are registered
through `register_demo_command` and refuse to run (exit code 3, message in Chinese and English) on a
database without the marker. The marker is only ever added, on a database that has no tables of the
service's own yet or that already carries it: setting DEMO_DATA=true later on a database in use does not
turn it into a demo database.
"""

from datetime import UTC, datetime

import click
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, inspect, select

from .config import env_bool

MARKER_TABLE = "demo_marker"
REFUSAL = ("此数据库不是演示数据库（首次启动时未设置 DEMO_DATA=true），拒绝写入演示数据。\n"
           "This database carries no demo marker (the platform was not first started with DEMO_DATA=true): "
           "refusing to write demo data.")

_metadata = MetaData()
marker = Table(MARKER_TABLE, _metadata, Column("id", Integer, primary_key=True),
               Column("created_at", DateTime(timezone=True), nullable=False))


def service_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {MARKER_TABLE}


def mark_if_requested(engine, fresh: bool) -> bool:
    """Record the marker when DEMO_DATA=true and the database was fresh before this migration (`fresh`:
    it had none of the service's tables). True if the database is (now) a demo database."""
    if env_bool("DEMO_DATA", False) and fresh:
        marker.create(engine, checkfirst=True)
        with engine.begin() as conn:
            if conn.scalar(select(marker.c.id)) is None:
                conn.execute(marker.insert().values(id=1, created_at=datetime.now(UTC)))
    return is_demo_database(engine)


def is_demo_database(engine) -> bool:
    if MARKER_TABLE not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        return conn.scalar(select(marker.c.id)) is not None


def register_demo_command(app, db, name: str, **click_options):
    """Decorator: `flask --app <service> <name>`, which runs the function only on a demo database."""

    def decorate(function):
        def command(**kwargs):
            if not is_demo_database(db.engine):
                click.echo(REFUSAL, err=True)
                raise SystemExit(3)
            function(**kwargs)

        command.__name__ = function.__name__
        command.__doc__ = function.__doc__
        wrapped = command
        for option in reversed(click_options.get("options", [])):
            wrapped = option(wrapped)
        return app.cli.command(name)(wrapped)

    return decorate

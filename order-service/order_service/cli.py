"""Operator commands of order-service."""

import logging

import click

from xyd_common.demo_data import register_demo_command
from xyd_common.figures import register_rebuild_command
from xyd_common.processes import run_periodic
from xyd_common.reference import register_sync_command

from .figures import rebuild
from .models import db

log = logging.getLogger(__name__)


def register_cli(app):
    from .reference import sync_reference_data

    register_sync_command(app, sync_reference_data)

    @app.cli.command("mark-overdue")
    @click.option("--once", is_flag=True, help="Check once and exit (for cron) instead of looping.")
    def mark_overdue(once):
        """Mark orders still submitted after their acceptance deadline, and pushes of the 推荐清单 still
        unanswered after their date, every ORDER_OVERDUE_CHECK_SECONDS.

        Publishes order.accept_overdue once per order and need.push_overdue once per push. Any number of
        these may run at once."""
        from .pushes import mark_overdue_pushes
        from .services import mark_overdue_orders

        def mark_overdue_orders_now() -> None:
            marked = mark_overdue_orders()
            if marked:
                log.info("marked %d orders as past their acceptance deadline", marked)
            pushes = mark_overdue_pushes()
            if pushes:
                log.info("marked %d pushes as past their decision date", pushes)

        run_periodic(app, mark_overdue_orders_now, "ORDER_OVERDUE_CHECK_SECONDS", once)

    register_rebuild_command(app, db.session, rebuild, "order figures")

    @register_demo_command(app, db, "seed-demo-history", options=[
        click.option("--seed", "seed_value", type=int, default=2026, help="random seed (same seed, same history)"),
        click.option("--enterprises", type=int, default=240, help="synthetic enterprises of 许昌's districts"),
        click.option("--orders-per-month", type=int, default=40, help="orders in an average month"),
        click.option("--expect-products", type=int, default=1,
                     help="exit with status 75 (try again) while fewer products have reached order-service")])
    def seed_demo_history(seed_value, enterprises, orders_per_month, expect_products):
        """A year of orders in the past, for a demo database only (DEMO_DATA=true at first start)."""
        from .demo_history import known_products, seed

        if (known := known_products()) < expect_products:
            click.echo(f"order-service knows {known} of {expect_products} products yet; try again", err=True)
            raise SystemExit(75)
        done = seed(seed_value, enterprises, orders_per_month)
        click.echo("演示历史订单已存在，未改动" if done["skipped"] else
                   f"演示历史订单：{done['orders']} 笔，{done['enterprises']} 家企业")

    @app.cli.command("reconcile-credit")
    @click.option("--once", is_flag=True, help="Reconcile once and exit (for cron) instead of looping.")
    def reconcile_credit(once):
        """Every CREDIT_RECONCILE_SECONDS, ask credit-service about enterprises whose orders' risk is
        still "unknown" (applied while it was down) and correct them. Any number of these may run at once."""
        from .enterprise_credit import reconcile_unknown_risk

        def reconcile_credit_state() -> None:
            asked = reconcile_unknown_risk()
            if asked is None:
                log.warning("credit-service unavailable; orders with unknown risk wait for the next round")
            elif asked:
                log.info("asked credit-service about %d enterprises with orders of unknown risk", asked)

        run_periodic(app, reconcile_credit_state, "CREDIT_RECONCILE_SECONDS", once)

    @app.cli.command("expire-needs")
    @click.option("--once", is_flag=True, help="Expire once and exit (for cron) instead of looping.")
    @click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S"]), default=None,
                  help="with --once: judge by this UTC time instead of now (to rehearse or catch up)")
    def expire_needs_command(once, as_of):
        """End the open financing needs past their end date (need.expired for each), every
        NEED_EXPIRY_CHECK_SECONDS. Any number of these may run at once."""
        from datetime import UTC

        from .needs import expire_needs

        def expire_financing_needs() -> None:
            count = expire_needs(as_of.replace(tzinfo=UTC) if as_of else None)
            if count:
                log.info("%d financing needs expired", count)

        run_periodic(app, expire_financing_needs, "NEED_EXPIRY_CHECK_SECONDS", once or as_of is not None)

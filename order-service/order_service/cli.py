"""Operator commands of order-service."""

import logging

import click

log = logging.getLogger(__name__)


def register_cli(app):
    @app.cli.command("mark-overdue")
    @click.option("--once", is_flag=True, help="Check once and exit (for cron) instead of looping.")
    def mark_overdue(once):
        """Mark orders still submitted after their acceptance deadline, every ORDER_OVERDUE_CHECK_SECONDS.

        Publishes order.accept_overdue once per order. Any number of these may run at once."""
        from xyd_common.app import run_until_signalled

        from .models import db
        from .services import mark_overdue_orders

        def check() -> None:
            with app.app_context():
                try:
                    marked = mark_overdue_orders()
                except Exception:  # the database may be down for a while: log, retry next round
                    db.session.rollback()
                    log.exception("marking overdue orders failed; retrying in the next round")
                    return
                if marked:
                    log.info("marked %d orders as past their acceptance deadline", marked)

        if once:
            check()
            return

        def loop(stop) -> None:
            interval = app.config["ORDER_OVERDUE_CHECK_SECONDS"]
            log.info("checking acceptance deadlines every %.0fs", interval)
            while not stop.is_set():
                check()
                stop.wait(interval)

        run_until_signalled(loop)

    @app.cli.command("reconcile-credit")
    @click.option("--once", is_flag=True, help="Reconcile once and exit (for cron) instead of looping.")
    def reconcile_credit(once):
        """Every CREDIT_RECONCILE_SECONDS, ask credit-service about enterprises whose orders' risk is
        still "unknown" (applied while it was down) and correct them. Any number of these may run at once."""
        from xyd_common.app import run_until_signalled

        from .credit_state import reconcile_unknown_risk
        from .models import db

        def reconcile() -> None:
            with app.app_context():
                try:
                    asked = reconcile_unknown_risk()
                except Exception:  # the database may be down for a while: log, retry next round
                    db.session.rollback()
                    log.exception("credit reconciliation failed; retrying in the next round")
                    return
                if asked is None:
                    log.warning("credit-service unavailable; orders with unknown risk wait for the next round")
                elif asked:
                    log.info("asked credit-service about %d enterprises with orders of unknown risk", asked)

        if once:
            reconcile()
            return

        def loop(stop) -> None:
            interval = app.config["CREDIT_RECONCILE_SECONDS"]
            log.info("reconciling unknown credit states every %.0fs", interval)
            while not stop.is_set():
                reconcile()
                stop.wait(interval)

        run_until_signalled(loop)

    @app.cli.command("expire-needs")
    @click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S"]), default=None,
                  help="judge by this UTC time instead of now (to rehearse or catch up)")
    def expire_needs_command(as_of):
        """End the open financing needs past their end date (need.expired for each). Safe to run in
        several processes at once; run it at least daily (cron or a Kubernetes CronJob)."""
        from datetime import UTC

        from .needs import expire_needs

        count = expire_needs(as_of.replace(tzinfo=UTC) if as_of else None)
        click.echo(f"order-service: {count} financing needs expired")

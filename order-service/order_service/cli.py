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

"""Operator commands of loan-service."""

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

    @app.cli.command("age-loans")
    @click.option("--once", is_flag=True, help="Age once and exit (for cron) instead of looping.")
    def age_loans_command(once):
        """Age every live loan to the business date (overdue, non-performing, recovered, due soon), every
        LOAN_AGING_CHECK_SECONDS. Any number of these may run at once."""
        from .services import age_loans

        def age_loans_now() -> None:
            changed = age_loans()
            if changed:
                log.info("%d loans changed standing", changed)

        run_periodic(app, age_loans_now, "LOAN_AGING_CHECK_SECONDS", once)

    register_rebuild_command(app, db.session, rebuild, "loan figures")

    @register_demo_command(app, db, "seed-demo-history", options=[
        click.option("--seed", "seed_value", type=int, default=2026, help="random seed (same seed, same history)")])
    def seed_demo_history(seed_value):
        """The loans of the demo's disbursed orders, repaid over the past year, for a demo database only
        (DEMO_DATA=true at first start)."""
        from .demo_history import seed

        done = seed(seed_value)
        click.echo(f"演示贷款：新开 {done['opened']} 笔，补记还款 {done['repaid']} 笔贷款，"
                   f"逾期 {done['overdue']} 笔，不良 {done['non_performing']} 笔")

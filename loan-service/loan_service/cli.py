"""Operator commands of loan-service."""

import logging

import click

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

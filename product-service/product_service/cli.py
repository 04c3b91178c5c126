"""Operator commands of product-service."""

import logging

import click

from xyd_common.processes import run_periodic
from xyd_common.reference import register_sync_command

log = logging.getLogger(__name__)


def register_cli(app):
    from .reference import sync_reference_data

    register_sync_command(app, sync_reference_data)

    @app.cli.command("publish-due-policies")
    @click.option("--once", is_flag=True, help="Publish once and exit (for cron) instead of looping.")
    def publish_due_policies_command(once):
        """Announce (policy.published) the scheduled policies whose publication day has come, every
        POLICY_PUBLISH_CHECK_SECONDS. Any number of these may run at once."""
        from .policies import publish_due_policies

        def publish_scheduled_policies() -> None:
            count = publish_due_policies()
            if count:
                log.info("%d scheduled policies published", count)

        run_periodic(app, publish_scheduled_policies, "POLICY_PUBLISH_CHECK_SECONDS", once)

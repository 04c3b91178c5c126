"""Operator commands of notification-service."""

from xyd_common.processes import run_until_signalled
from xyd_common.reference import register_sync_command


def register_cli(app):
    from .reference import sync_reference_data

    register_sync_command(app, sync_reference_data)

    @app.cli.command("deliver-webhooks")
    def deliver_webhooks():
        """Send due webhook deliveries and their retries until stopped (any number of replicas)."""
        from .delivery import WebhookDispatcher

        run_until_signalled(WebhookDispatcher(app).run, app)

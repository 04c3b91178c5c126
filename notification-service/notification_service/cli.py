"""Operator commands of notification-service."""

from xyd_common.app import run_until_signalled


def register_cli(app):
    @app.cli.command("deliver-webhooks")
    def deliver_webhooks():
        """Send due webhook deliveries and their retries until stopped (any number of replicas)."""
        from .delivery import WebhookDispatcher

        run_until_signalled(WebhookDispatcher(app).run, app)

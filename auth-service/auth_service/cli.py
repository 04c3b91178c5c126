"""Operator commands of auth-service."""

import click

from . import services


def register_cli(app):
    @app.cli.command("bootstrap-admin")
    def bootstrap_admin():
        """Create the platform admin from BOOTSTRAP_ADMIN_PHONE/PASSWORD unless an admin exists."""
        user, generated = services.bootstrap_admin(app.config["BOOTSTRAP_ADMIN_PHONE"],
                                                   app.config["BOOTSTRAP_ADMIN_PASSWORD"])
        if user is None:
            click.echo("auth-service: platform admin already exists")
        elif generated:
            # Printed once, to the operator's terminal only (never to the logs).
            click.echo(f"auth-service: created platform admin {user.phone} with generated password "
                       f"{generated} (must be changed at first login)")
        else:
            click.echo(f"auth-service: created platform admin {user.phone}")

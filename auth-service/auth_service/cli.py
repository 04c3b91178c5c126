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

    @app.cli.command("reset-password")
    @click.argument("phone")
    @click.option("--password", help="the new password; without it, INITIAL_PASSWORD (to be changed at login)")
    def reset_password(phone, password):
        """Reset a user's password from the server (e.g. a locked-out platform admin)."""
        from sqlalchemy import select

        from .admin import reset_user_password
        from .audit import Actor
        from .models import User, db
        from .passwords import check_new_password, hash_password

        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            raise click.ClickException(f"no user with phone {phone}")
        reset_user_password(user.id, Actor(None, "operator"))
        if password:
            try:
                check_new_password(password)
            except Exception as exc:
                raise click.ClickException(f"password rejected: {getattr(exc, 'errors', exc)}") from exc
            user.password_hash = hash_password(password)
            user.must_change_password = False
            db.session.commit()
        click.echo(f"auth-service: password of {phone} reset; sessions ended")

    @app.cli.command("verify-enterprises")
    @click.argument("usccs", nargs=-1, required=True)
    def verify_enterprises(usccs):
        """Mark enterprise accounts an operator has reviewed (e.g. those that existed before 企业认证)
        as verified owners of their USCCs. A USCC claimed by several accounts is left to the review
        queue. Audit-logged."""
        from .audit import Actor
        from .verification import verify_reviewed_accounts

        for uscc, outcome in verify_reviewed_accounts(list(usccs), Actor(None, "operator")):
            click.echo(f"{uscc}: {outcome}")

    @app.cli.command("purge-verification-files")
    def purge_verification_files():
        """Delete verification documents kept longer than VERIFICATION_FILE_RETENTION_DAYS after their
        request was decided (run daily, e.g. by cron or a Kubernetes CronJob)."""
        from .verification import purge_expired_documents

        click.echo(f"auth-service: {purge_expired_documents()} verification document(s) deleted")

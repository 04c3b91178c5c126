"""Operator commands of product-service."""

import click
import requests


def register_cli(app):
    @app.cli.command("sync-reference-data")
    def sync_reference_data():
        """Load all regions (and, with SERVICE_TOKEN_SECRET, institutions) from auth-service.

        Run once when product-service is deployed after regions and institutions were created;
        from then on the region.created and institution.* events keep the copies current."""
        from .reference import sync_from_auth_service

        try:
            counts = sync_from_auth_service()
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise click.ClickException(f"could not load reference data from {app.config['AUTH_SERVICE_URL']}: "
                                       f"{exc}") from exc
        institutions = counts["institutions"]
        click.echo(f"product-service: {counts['regions']} regions loaded; "
                   + ("institutions not loaded (they arrive by events; set SERVICE_TOKEN_SECRET and make sure "
                      "auth-service offers GET /internal/institutions to load them here)"
                      if institutions is None else f"{institutions} institutions loaded"))

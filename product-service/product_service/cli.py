"""Operator commands of product-service."""

from xyd_common.reference import register_sync_command


def register_cli(app):
    from .reference import sync_reference_data

    register_sync_command(app, sync_reference_data)

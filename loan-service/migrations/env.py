"""Alembic environment: the same for every service (see xyd_common.migration_env)."""

from xyd_common.migration_env import run

run()

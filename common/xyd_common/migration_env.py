"""The Alembic environment every service's `migrations/env.py` runs (Flask-Migrate, Flask-SQLAlchemy 3).

Each service's env.py is two lines, `from xyd_common.migration_env import run; run()`, so the way
migrations connect, compare and skip hand-made objects is decided once.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")


def include_object(obj, name, type_, reflected, compare_to):
    """Leave out of autogenerate and `flask db check` the PostgreSQL-only indexes that migrations make
    by hand and models do not declare (trigram GIN indexes, named `*_trgm`)."""
    return not (type_ == "index" and reflected and compare_to is None and name and name.endswith("_trgm"))


def run() -> None:
    config = context.config
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    target_db = current_app.extensions["migrate"].db
    engine = target_db.engine
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))

    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                          literal_binds=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return

    def process_revision_directives(context_, revision, directives):
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("include_object", include_object)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()

"""order-service tables: so far only the outbox its order events will go through."""

from flask_sqlalchemy import SQLAlchemy

from xyd_common.events.outbox import OutboxMixin

db = SQLAlchemy()


class OutboxMessage(OutboxMixin, db.Model):
    pass

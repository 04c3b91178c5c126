"""Column types that behave the same on PostgreSQL and SQLite.

Money (万元, 4 places) and rates (percent, 2 places) must be exact: PostgreSQL stores NUMERIC; SQLite
has no exact decimal type (its NUMERIC affinity turns 0.1 into a float), so there `ExactDecimal` keeps a
whole number of the smallest unit (yuan for 万元 amounts, hundredths of a percent for rates).
Comparison and ordering stay correct on both, because every bound parameter is scaled the same way.
"""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer, Numeric
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite drops the zone and hands back naive datetimes, which cannot be compared with aware ones;
    this type stores UTC and gives it back aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ExactDecimal(TypeDecorator):
    """A Decimal column with `scale` places: NUMERIC(precision, scale), or scaled integers on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        # Kept here too: on SQLite `self.impl` is the BIGINT, which knows no scale.
        self.precision, self.scale = precision, scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(str(value)) if not isinstance(value, Decimal) else value
        if dialect.name != "sqlite":
            return value
        scaled = value.scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)


# The contract's units, for every service's models: 万元 with 4 places (whole yuan), percent a year with 2
# places, and a primary key that is BIGINT on PostgreSQL (SQLite autoincrements INTEGER PRIMARY KEY only).
Money = ExactDecimal(14, 4)
Rate = ExactDecimal(5, 2)
Id = BigInteger().with_variant(Integer, "sqlite")

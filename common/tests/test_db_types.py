from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Integer, create_engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from xyd_common.db_types import UtcDateTime

BEIJING = timezone(timedelta(hours=8))


class Base(DeclarativeBase):
    pass


class Stamp(Base):
    __tablename__ = "stamps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'stamps.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_timestamp_comes_back_from_sqlite_as_the_same_instant_in_aware_utc(session):
    written = datetime(2026, 11, 27, 16, 0, 0, 123456, tzinfo=BEIJING)
    session.add(Stamp(id=1, at=written))
    session.commit()
    session.expunge_all()
    read = session.get(Stamp, 1).at
    assert read == written
    assert read.tzinfo is UTC and read.hour == 8 and read.microsecond == 123456


def test_timestamps_from_sqlite_compare_with_aware_now(session):
    session.add(Stamp(id=1, at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()
    session.expunge_all()
    assert session.get(Stamp, 1).at < datetime.now(UTC)


def test_timestamps_are_ordered_and_filtered_as_instants_across_zones(session):
    session.add_all([Stamp(id=1, at=datetime(2026, 1, 1, 9, 0, tzinfo=BEIJING)),    # 01:00 UTC
                     Stamp(id=2, at=datetime(2026, 1, 1, 2, 0, tzinfo=UTC))])
    session.commit()
    cutoff = datetime(2026, 1, 1, 1, 30, tzinfo=UTC)
    assert session.scalars(select(Stamp.id).where(Stamp.at > cutoff)).all() == [2]


def test_null_stays_null(session):
    session.add(Stamp(id=1, at=None))
    session.commit()
    session.expunge_all()
    assert session.get(Stamp, 1).at is None


def test_naive_datetime_is_refused_rather_than_guessed(session):
    session.add(Stamp(id=1, at=datetime(2026, 11, 27, 8, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()

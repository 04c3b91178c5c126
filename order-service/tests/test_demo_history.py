"""`flask --app order_service seed-demo-history`: refused without the demo marker; on a demo database a
year of orders in the past, counted by the figures as a recount counts them, the same on every run."""

from sqlalchemy import func, select

from order_service.demo_history import DISTRICTS
from order_service.models import Order, db
from xyd_common.demo_data import is_demo_database, mark_if_requested


def test_refused_on_a_database_without_the_demo_marker(seeded):
    result = seeded.test_cli_runner().invoke(args=["seed-demo-history"])
    assert result.exit_code == 3
    assert "DEMO_DATA=true" in result.output and "refusing" in result.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_the_marker_is_only_set_on_a_fresh_database_with_demo_data(seeded, monkeypatch):
    with seeded.app_context():
        assert not mark_if_requested(db.engine, fresh=True)
        monkeypatch.setenv("DEMO_DATA", "true")
        assert not mark_if_requested(db.engine, fresh=False)
        assert mark_if_requested(db.engine, fresh=True) and is_demo_database(db.engine)


def test_a_year_of_history_in_every_district_counted_by_the_figures(seeded, monkeypatch):
    from order_service import figures

    monkeypatch.setenv("DEMO_DATA", "true")
    with seeded.app_context():
        mark_if_requested(db.engine, fresh=True)
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["seed-demo-history", "--enterprises", "60", "--orders-per-month", "12"])
    assert result.exit_code == 0, result.output
    with seeded.app_context():
        first, last = db.session.execute(select(func.min(Order.created_at), func.max(Order.created_at))).one()
        assert (last - first).days >= 360
        assert set(db.session.scalars(select(Order.region_code).distinct())) == set(DISTRICTS)
        statuses = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
        assert statuses["disbursed"] > statuses["terminated"] > 0 and statuses.get("submitted")
        assert figures.stored(db.session) == figures.recount(db.session)
        count = db.session.scalar(select(func.count()).select_from(Order))
    again = runner.invoke(args=["seed-demo-history"])
    assert again.exit_code == 0 and "已存在" in again.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == count

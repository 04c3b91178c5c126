"""The shared bookkeeping of pre-aggregated figures: a day's and a month's row per contribution, deltas
summed and written in key order, days grouped into weeks and months, regions into a scope's districts."""

from datetime import date

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.orm import Session

from xyd_common import figures


def test_a_contribution_goes_to_its_day_and_its_month_and_cancels_out():
    totals = figures.new_totals()
    figures.add_contribution(totals, (date(2026, 9, 14), "411002", 7), {"loans": 1, "principal": 5}, 1)
    figures.add_contribution(totals, (date(2026, 9, 30), "411002", 7), {"loans": 1, "principal": 2}, 1)
    figures.add_contribution(totals, (date(2026, 9, 14), "411002", 7), {"loans": 1, "principal": 5}, -1)
    assert figures.nonzero(totals) == {("d", date(2026, 9, 30), "411002", 7): {"loans": 1, "principal": 2},
                                       ("m", date(2026, 9, 1), "411002", 7): {"loans": 1, "principal": 2}}


def test_deltas_are_added_to_existing_rows_and_new_ones_inserted():
    table = Table("t_figures", MetaData(), Column("grain", String(1), primary_key=True),
                  Column("period", Date, primary_key=True), Column("region_code", String(12), primary_key=True),
                  Column("loans", Integer, nullable=False))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with Session(engine) as session:
        for sign in (1, 1, -1, 1):
            totals = figures.new_totals()
            figures.add_contribution(totals, (date(2026, 9, 14), "411002"), {"loans": 2}, sign)
            figures.add_contribution(totals, (date(2026, 10, 1), "411024"), {"loans": 1}, 1)
            figures.apply_deltas(session, table, totals, ("loans",))
        rows = session.execute(select(table).order_by(table.c.grain, table.c.period)).all()
    assert [tuple(r) for r in rows] == [("d", date(2026, 9, 14), "411002", 4), ("d", date(2026, 10, 1), "411024", 4),
                                        ("m", date(2026, 9, 1), "411002", 4), ("m", date(2026, 10, 1), "411024", 4)]


def test_days_are_grouped_into_days_weeks_and_months():
    day = date(2026, 12, 3)  # a Thursday
    assert figures.time_group("day", day) == (day, "2026-12-03", "2026年12月3日")
    assert figures.time_group("week", day) == (date(2026, 11, 30), "2026-11-30", "2026年第49周（11月30日起）")
    assert figures.time_group("month", day) == (date(2026, 12, 1), "2026-12", "2026年12月")


def test_regions_are_grouped_into_the_scopes_districts():
    regions = {"411000": ("许昌市", ["410000", "411000"]), "411002": ("魏都区", ["410000", "411000", "411002"]),
               "41100201": ("某街道", ["410000", "411000", "411002", "41100201"])}
    assert figures.region_group(regions, "411000", "41100201") == "411002"
    assert figures.region_group(regions, "411000", "411000") == "411000"
    assert figures.region_group_name(regions, "411000", "411000") == "许昌市（本级）"
    assert figures.region_group(regions, None, "411002") == "410000"

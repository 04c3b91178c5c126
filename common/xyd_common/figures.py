"""Pre-aggregated figures: the bookkeeping that order-service's `order_figures` and loan-service's
`loan_figures` share (docs/architecture.md, "Statistics, scorecards and exports").

A figures table has a row per (grain, period, *dimensions): `grain` DAY with the day itself as `period`,
or MONTH with the month's first day. Each counted object contributes to exactly two rows, its day's and
its month's (`add_contribution`); when it changes, its old contribution is taken away and its new one
added (`flushed_changes` reads both from the ORM's attribute history), and the summed deltas are written
in key order (`apply_deltas`), so two transactions lock the rows in the same order and cannot deadlock
on them. A date range is then answered from the monthly rows for whole months and the daily rows for the
days around them (`period_conditions`), so any range costs a few rows per month.
"""

import calendar
from collections import defaultdict
from datetime import date, timedelta

import click
from sqlalchemy import BigInteger, and_, delete, func, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import mapped_column

from .db_types import ExactDecimal

DAY, MONTH = "d", "m"
GROUPINGS = ("day", "week", "month", "region")
SUM = ExactDecimal(20, 4)  # 万元: a million objects of up to 10^7 万元 each still fit
RATE_SUM = ExactDecimal(24, 6)  # % × 万元: the same at rates up to 36 %


def add_figure_columns(model, counts: tuple[str, ...], amounts: tuple[str, ...], rate_weighted: tuple[str, ...]):
    """A figures table's counted columns, all NOT NULL default 0: `counts` as BIGINT, `amounts` (万元)
    as NUMERIC(20, 4), `rate_weighted` sums (rate × 万元) as NUMERIC(24, 6)."""
    for names, type_ in ((counts, BigInteger), (amounts, SUM), (rate_weighted, RATE_SUM)):
        for name in names:
            setattr(model, name, mapped_column(name, type_, nullable=False, default=0))


# --- writing ---------------------------------------------------------------------------------------------

def add_contribution(totals: dict, key: tuple, figures: dict, sign: int) -> None:
    """Add (`sign` 1) or take away (-1) one object's `figures` to the rows of `key` = (day, *dimensions):
    its day's row and its month's, keyed (grain, period, *dimensions) in `totals`."""
    day, *dimensions = key
    for grain, period in ((DAY, day), (MONTH, day.replace(day=1))):
        row = totals[(grain, period, *dimensions)]
        for name, value in figures.items():
            row[name] = row.get(name, 0) + sign * value


def new_totals() -> dict:
    """An empty map of row keys to their figures, for `add_contribution`."""
    return defaultdict(dict)


def apply_deltas(session, table, totals: dict, columns: tuple[str, ...]) -> None:
    """Add `totals` (row key → {column: delta}) to the figures `table` in this session's transaction:
    one INSERT ... ON CONFLICT DO UPDATE, rows in key order (the lock order every writer keeps); keys name
    the table's primary-key columns in order, rows whose deltas are all zero are left alone."""
    key_names = [c.name for c in table.primary_key]
    rows = []
    for key in sorted(totals):
        deltas = {name: value for name, value in totals[key].items() if value}
        if deltas:
            rows.append({**dict(zip(key_names, key, strict=True)), **dict.fromkeys(columns, 0), **deltas})
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(rows)
    stmt = stmt.on_conflict_do_update(index_elements=key_names,
                                      set_={name: table.c[name] + stmt.excluded[name] for name in columns})
    session.connection().execute(stmt)


def insert_rows(session, table, totals: dict, columns: tuple[str, ...], batch: int = 5000) -> int:
    """Insert `totals` as new rows of an empty figures table (a recount's rows); returns how many."""
    key_names = [c.name for c in table.primary_key]
    rows = [{**dict(zip(key_names, key, strict=True)), **dict.fromkeys(columns, 0), **figures}
            for key, figures in sorted(totals.items())]
    for start in range(0, len(rows), batch):
        session.execute(table.insert(), rows[start:start + batch])
    return len(rows)


def recount_rows(session, model, attributes: tuple[str, ...], contribution, batch_size: int = 10_000) -> dict:
    """The figures as the `model` objects say them now, keyed like the table (zero columns left out):
    `contribution(values of attributes)` → (the day's key, figures) of each, read in batches."""
    totals = new_totals()
    columns = [getattr(model, name) for name in attributes]
    for row in session.execute(select(*columns).execution_options(yield_per=batch_size)):
        add_contribution(totals, *contribution(dict(zip(attributes, row, strict=True))), 1)
    return nonzero(totals)


def rebuild_table(session, model, columns: tuple[str, ...], source: str, statements, recount) -> int:
    """Replace a figures table's rows with a recount; returns the number of rows. On PostgreSQL the
    `source` table is locked against changes meanwhile (so that none falls between the count and the
    write) and `statements()` (INSERT ... SELECT, the same figures counted by the database) fill it;
    elsewhere `recount(session)`'s rows are inserted."""
    session.execute(delete(model))
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"LOCK TABLE {source} IN SHARE MODE")
        for statement in statements():
            session.execute(statement)
        # Every row is new: the planner's statistics of the table are rebuilt with it.
        session.connection().exec_driver_sql(f"ANALYZE {model.__tablename__}")
        return session.scalar(select(func.count()).select_from(model))
    return insert_rows(session, model.__table__, recount(session), columns)


def register_rebuild_command(app, session, rebuild, what: str) -> None:
    """`flask rebuild-figures`: recount the service's figures table (`rebuild(session)`) and commit."""

    @app.cli.command("rebuild-figures", help=f"Recount the pre-aggregated {what} from their source rows: after "
                     "a restore from a backup that lacks them, or a repair by hand. Changes wait while it runs.")
    def rebuild_figures():
        rows = rebuild(session)
        session.commit()
        click.echo(f"{what} rebuilt: {rows} rows")


def attribute_values(obj, attributes: tuple[str, ...], before: bool) -> dict:
    """The object's `attributes` now, or as they were before this flush's changes (`before`). The
    attributes must be `active_history`, so that the old value of a column loaded from the database is
    at hand; one set for the first time (a column the session's INSERT left NULL) was None."""
    state = inspect(obj)
    values = {}
    for name in attributes:
        history = state.attrs[name].history
        if not before or not history.has_changes():
            values[name] = getattr(obj, name)
        elif history.deleted:
            values[name] = history.deleted[0]
        else:
            values[name] = None
    return values


def flushed_changes(session, model, attributes: tuple[str, ...]) -> list[tuple[dict | None, dict]]:
    """(before, after) values of `attributes` of every `model` object this flush inserted (before None) or
    changed in one of them. For an `after_flush` hook; objects are never deleted."""
    changes: list[tuple[dict | None, dict]] = []
    for obj in session.new:
        if isinstance(obj, model):
            changes.append((None, attribute_values(obj, attributes, before=False)))
    for obj in session.dirty:
        if isinstance(obj, model) and any(inspect(obj).attrs[name].history.has_changes() for name in attributes):
            changes.append((attribute_values(obj, attributes, before=True),
                            attribute_values(obj, attributes, before=False)))
    return changes


def stored_rows(session, model, columns: tuple[str, ...]) -> dict[tuple, dict]:
    """A figures table's rows keyed by their primary key, with their non-zero `columns` (rows of zeros
    left out): the shape a recount is compared with."""
    key_names = [c.name for c in model.__table__.primary_key]
    out = {}
    for row in session.scalars(select(model)):
        figures = {name: getattr(row, name) for name in columns if getattr(row, name)}
        if figures:
            out[tuple(getattr(row, name) for name in key_names)] = figures
    return out


def nonzero(totals: dict) -> dict[tuple, dict]:
    """A recount's totals with zero figures (and rows left empty by them) taken out, as `stored_rows`."""
    out = {}
    for key, figures in totals.items():
        kept = {name: value for name, value in figures.items() if value}
        if kept:
            out[key] = kept
    return out


# --- reading ---------------------------------------------------------------------------------------------

def summed_rows(session, model, conditions: list, group: tuple[str, ...], columns: tuple[str, ...]) -> list[dict]:
    """A figures table's `columns` summed over the rows that meet the conditions, per `group` columns."""
    keys = [getattr(model, name) for name in group]
    stmt = select(*keys, *(func.sum(getattr(model, name)).label(name) for name in columns)).where(*conditions)
    if keys:
        stmt = stmt.group_by(*keys)
    return [row._asdict() for row in session.execute(stmt)]


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def whole_months(date_from: date | None, date_to: date | None) -> tuple[date | None, date | None, bool]:
    """(first, last) month starts lying wholly inside the range (None: unbounded), and whether any does."""
    first = None if date_from is None else (
        date_from if date_from.day == 1 else month_end(date_from) + timedelta(days=1))
    last = None if date_to is None else (
        date_to.replace(day=1) if date_to == month_end(date_to) else date_to.replace(day=1) - timedelta(days=1))
    if last is not None:
        last = last.replace(day=1)
    some = first is None or last is None or first <= last
    return first, last, some


def period_conditions(grain, period, date_from: date | None, date_to: date | None, by_day: bool = False) -> list:
    """Conditions on a figures table's `grain` and `period` columns selecting each day of the range
    exactly once: whole months from the monthly rows, the days around them from the daily rows (every day
    from the daily rows when `by_day`). Each part is one range of the primary key (grain, period, ...),
    so the database reads just those rows."""

    def days(start: date | None, end: date | None) -> list:
        return [grain == DAY, *([period >= start] if start else []), *([period <= end] if end else [])]

    first, last, some = whole_months(date_from, date_to)
    if by_day or not some:
        return [and_(*days(date_from, date_to))]
    parts = [and_(grain == MONTH, *([period >= first] if first else []), *([period <= last] if last else []))]
    if first is not None and date_from < first:
        parts.append(and_(*days(date_from, first - timedelta(days=1))))
    if last is not None and (date_to is None or date_to > month_end(last)):
        parts.append(and_(*days(month_end(last) + timedelta(days=1), date_to)))
    return [or_(*parts)] if len(parts) > 1 else parts


def time_group(grouping: str, period: date) -> tuple[date, str, str]:
    """(the group's first day, its key, its Chinese name) of a day for `group_by` day, week (from Monday)
    or month."""
    if grouping == "day":
        return period, period.isoformat(), f"{period.year}年{period.month}月{period.day}日"
    if grouping == "week":
        start = period - timedelta(days=period.weekday())
        year, week, _ = start.isocalendar()
        return start, start.isoformat(), f"{year}年第{week}周（{start.month}月{start.day}日起）"
    start = period.replace(day=1)
    return start, f"{start:%Y-%m}", f"{start.year}年{start.month}月"


def region_group(regions: dict[str, tuple[str, list]], scope: str | None, code: str) -> str:
    """The region directly below `scope` (a city's district) that `code` lies in, or `scope` itself for its
    own objects; `regions` maps codes to (name, path from the root)."""
    depth = len(regions[scope][1]) if scope in regions else 0
    path = regions.get(code, (None, [code]))[1]
    return path[depth] if len(path) > depth else path[-1]


def region_group_name(regions: dict[str, tuple[str, list]], scope: str | None, key: str) -> str:
    name = regions.get(key, (key,))[0]
    return f"{name}（本级）" if key == scope else name

"""The contract's list convention: `?page=&per_page=` or `?after=<next_cursor>`, answered as
`{items, total, page, per_page, next_cursor[, total_is_estimate]}`.

Pages are keyset pages: the statement is ordered by a list of sort keys that ends in a unique column
(the id), and `next_cursor` carries the last row's sort-key values, so `after` continues in constant
time however deep the reader scrolls. `page=N` is offered for short lists and jumps; `total` is exact
up to 10,000 and an estimate (PostgreSQL's planner) beyond.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import marshmallow as ma
from cachetools import TTLCache
from marshmallow import validate
from sqlalchemy import BigInteger, and_, func, inspect, literal, or_, select, text, tuple_

from .errors import ValidationFailed
from .input_bounds import date_fits, has_forbidden_characters, int32_fits, int64_fits

EXACT_TOTAL_LIMIT = 10_000
# From this many rows skipped, `page=N` finds its rows' ids first (a deferred join): skipping rows in
# an index that holds the filter, the sort keys and the id reads the index alone, where skipping whole
# rows fetches every skipped row from the table (page 500 of an institution's orders: 85 ms → a few).
DEFERRED_JOIN_OFFSET = 200


class PageArgsSchema(ma.Schema):
    """Query arguments every list accepts; list schemas extend it with their filters."""

    class Meta:
        unknown = ma.EXCLUDE

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    after = ma.fields.String(load_default=None, validate=validate.Length(max=500))


def page_schema(item_schema, name: str):
    """The list convention's envelope around `item_schema`."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "total": ma.fields.Integer(), "page": ma.fields.Integer(), "per_page": ma.fields.Integer(),
        "next_cursor": ma.fields.String(allow_none=True),
        "total_is_estimate": ma.fields.Boolean(),
    }, name=name)


@dataclass(frozen=True)
class SortKey:
    column: object  # a mapped column
    descending: bool = False
    # The row's attribute holding this key's value, when the column is not the selected entity's own
    # (sorting orders by a joined table's copy of created_at and id, say); default: the column's key.
    attribute: str | None = None


def _encode(values: list) -> str:
    def plain(v):
        if isinstance(v, datetime):
            return {"t": "dt", "v": v.isoformat()}
        if isinstance(v, date):
            return {"t": "d", "v": v.isoformat()}
        if isinstance(v, Decimal):
            return {"t": "dec", "v": str(v)}
        return v

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, keys: list[SortKey]) -> list:
    """The sort-key values `cursor` carries, each checked against its key's column type, so a forged
    cursor (`[null, null]`, `[true]`, a string for an id) is bad input and never reaches the query."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        out = []
        for key, v in zip(keys, values, strict=True):
            if isinstance(v, dict):
                kind = v["t"]
                v = (datetime.fromisoformat(v["v"]) if kind == "dt" else date.fromisoformat(v["v"]) if kind == "d"
                     else Decimal(v["v"]))
            if not _fits_column(key.column, v):
                raise ValueError
            out.append(v)
        return out
    except (ValueError, KeyError, TypeError, ArithmeticError, RecursionError) as exc:
        raise ValidationFailed({"after": ["游标无效"]}, code="invalid_cursor", message="游标无效") from exc


def _fits_column(column, value) -> bool:
    """True when `value` can be compared with `column` on every database."""
    column_type = column.type
    # A TypeDecorator (UtcDateTime, ExactDecimal) states its Python type through the type it wraps.
    try:
        expected = getattr(column_type, "impl_instance", column_type).python_type
    except NotImplementedError:
        expected = object
    if value is None or isinstance(value, bool) or not isinstance(value, expected):
        return False
    if isinstance(value, int):
        # PostgreSQL compares the value cast to the column's type: 32 bits unless the column is BIGINT.
        impl = getattr(column_type, "impl_instance", column_type)
        return int64_fits(value) if isinstance(impl, BigInteger) else int32_fits(value)
    if isinstance(value, str):
        return len(value) <= 500 and not has_forbidden_characters(value)
    if isinstance(value, datetime):
        return value.tzinfo is not None and date_fits(value)
    if isinstance(value, date):
        return expected is date and date_fits(value)
    if isinstance(value, Decimal):
        # Within the column's NUMERIC(precision, scale): no more places, no more whole digits.
        scale = getattr(column_type, "scale", None) or 0
        precision = getattr(column_type, "precision", None) or 38
        return value.is_finite() and -value.as_tuple().exponent <= scale and abs(value) < 10 ** (precision - scale)
    return True


def _after_clause(keys: list[SortKey], values: list):
    """Rows strictly after `values` in the order of `keys` (mixed directions allowed)."""
    if len({k.descending for k in keys}) == 1:
        # One direction: a row comparison, which PostgreSQL (and SQLite) use as an index range on the
        # keys' columns behind any equality prefix (an institution's orders: institution_id = 1 and
        # (created_at, id) < (…)), so a deep page starts exactly at the cursor.
        columns, bound = (tuple_(*[k.column for k in keys]),
                          tuple_(*[literal(v, k.column.type) for k, v in zip(keys, values, strict=True)]))
        return columns < bound if keys[0].descending else columns > bound
    clauses = []
    for i, key in enumerate(keys):
        equal_before = [k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal_before, beyond))
    # The OR above is exact but no index can seek with it: PostgreSQL would read the index from the
    # start and filter, so a deep page cost as much as the pages before it. The redundant bound on the
    # first key is an index condition that starts the scan at the cursor.
    first = keys[0]
    seek = first.column <= values[0] if first.descending else first.column >= values[0]
    return and_(seek, or_(*clauses))


def count_total(session, stmt) -> tuple[int, bool]:
    """(total, is_estimate): exact up to EXACT_TOTAL_LIMIT, the planner's estimate beyond on
    PostgreSQL, so a count never scans a million rows."""
    capped = select(func.count()).select_from(stmt.order_by(None).limit(EXACT_TOTAL_LIMIT + 1).subquery())
    total = session.scalar(capped)
    if total <= EXACT_TOTAL_LIMIT:
        return total, False
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        compiled = stmt.order_by(None).compile(bind, compile_kwargs={"literal_binds": True})
        plan = session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return max(int(plan[0]["Plan"]["Plan Rows"]), total), True
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())), False


class CachedTotals:
    """`total`s of a much-read list kept for `ttl` seconds per filter, in this process.

    Counting is what grows with a table: the page itself is an index range of `per_page` rows, but a
    broad filter's `total` reads up to EXACT_TOTAL_LIMIT rows, and a narrow one joined to other tables
    may read many more than it finds, on every request. A public list asked with the same filters over
    and over (the market) needs that number once per `ttl`. Only counts that took at least
    `min_seconds` are kept: a cheap count is simply done again and stays exact at once. The owner calls
    `clear` after its own writes; other processes' writes show within `ttl`. `ttl` 0 turns it off.
    """

    def __init__(self, ttl: float, min_seconds: float = 0.002, maxsize: int = 4096):
        self.min_seconds = min_seconds
        self._cache = TTLCache(maxsize=maxsize, ttl=ttl, timer=time.monotonic) if ttl > 0 else None
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def count(self, session, stmt, key) -> tuple[int, bool]:
        """(total, is_estimate) of `stmt`, whose filters `key` (hashable) names completely."""
        if self._cache is None:
            return count_total(session, stmt)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        started = time.perf_counter()
        result = count_total(session, stmt)
        if time.perf_counter() - started >= self.min_seconds:
            with self._lock:
                self._cache[key] = result
        return result

    def clear(self) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache.clear()


def _single_primary_key(stmt):
    """The primary-key column of the one entity `stmt` selects, or None (no entity, composite key)."""
    entity = stmt.column_descriptions[0].get("entity") if len(stmt.column_descriptions) == 1 else None
    if entity is None:
        return None
    primary_key = inspect(entity).primary_key
    return primary_key[0] if len(primary_key) == 1 else None


def paginate(session, stmt, keys: list[SortKey], args: dict, serialize=lambda row: row,
             count_stmt=None, totals: CachedTotals | None = None, totals_key=None) -> dict:
    """One page of `stmt` (a select of one entity) in the order of `keys`, per the list convention.

    `count_stmt`, when given, is counted for `total` instead of `stmt`: a statement matching the same
    rows that selects only indexed columns (so PostgreSQL answers it from the index alone). `totals`
    with `totals_key` (the filters, without paging and sorting) reuses a recent count."""
    per_page = args.get("per_page", 20)
    page = args.get("page", 1)
    counted = stmt if count_stmt is None else count_stmt
    if totals is not None:
        total, estimate = totals.count(session, counted, totals_key)
    else:
        total, estimate = count_total(session, counted)
    ordered = stmt.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in keys])
    offset = (page - 1) * per_page
    if args.get("after"):
        ordered = ordered.where(_after_clause(keys, _decode(args["after"], keys)))
    elif offset >= DEFERRED_JOIN_OFFSET and (key := _single_primary_key(stmt)) is not None:
        page_keys = ordered.with_only_columns(key, maintain_column_froms=True).offset(offset).limit(per_page + 1)
        ordered = ordered.where(key.in_(page_keys.scalar_subquery()))
    else:
        ordered = ordered.offset(offset)
    rows = session.scalars(ordered.limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode([getattr(last, k.attribute or k.column.key) for k in keys])
    body = {"items": [serialize(r) for r in rows], "total": total, "page": page, "per_page": per_page,
            "next_cursor": next_cursor}
    if estimate:
        body["total_is_estimate"] = True
    return body

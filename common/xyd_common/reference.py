"""Copies of other services' data (read models): one shape for every service that keeps them.

A service keeps what it needs of other services' data from their events — regions, institutions,
users, products — in tables of its own (its `reference.py` owns them and their handlers). Here:
- the common shapes as mixins (`RegionCopy`, `InstitutionCopy`), so a copy looks the same everywhere;
- `upsert_if_newer`, which keeps a row as its source described it at the event's `occurred_at` and
  ignores an older event (a redelivery, or one overtaken by a later change);
- `upsert_region`, which also keeps the region's path from the root;
- what `flask sync-reference-data` loads the copies with, when a service is deployed after the data
  exists or restored from a backup (`fetch_regions`, `fetch_internal`).
"""

import logging
from datetime import datetime

import requests
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .db_types import UtcDateTime

log = logging.getLogger(__name__)


class RegionCopy:
    """auth-service's region (`region.created`), with its path from the root `[root, ..., code]`."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(12))
    path: Mapped[list] = mapped_column(JSON, nullable=False)


class InstitutionCopy:
    """auth-service's institution (`institution.*`) as of `source_at`, the occurred_at of the event (or
    sync) that said so: an older event never overwrites a newer state."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


def upsert_if_newer(session, model, key, values: dict, occurred_at: datetime) -> bool:
    """Keep the row of `model` at primary key `key` as its source described it at `occurred_at` (the
    model has a `source_at` column); False, and nothing changed, when what is held is newer."""
    row = session.get(model, key)
    if row is not None and row.source_at > occurred_at:
        log.info("%s %s: an event of %s is older than what is held; ignored", model.__tablename__, key,
                 occurred_at.isoformat())
        return False
    if row is None:
        mapper = model.__mapper__
        keys = key if isinstance(key, tuple) else (key,)
        row = model(**{column.key: value for column, value in zip(mapper.primary_key, keys, strict=True)})
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.source_at = occurred_at
    return True


def institution_values(data: dict) -> dict:
    """What every copy of an institution keeps, from `institution.*` data or auth-service's listing."""
    return {"name": data["name"], "region_code": data.get("region_code"), "status": data.get("status") or "active"}


def region_paths(regions: list[dict]) -> dict[str, list[str]]:
    """Each region's path from its root, from a flat list of `{code, parent_code}`."""
    parents = {r["code"]: r.get("parent_code") for r in regions}
    paths = {}
    for code in parents:
        path, seen, current = [], set(), code
        while current is not None and current not in seen:  # a cycle would be a data error; stop there
            seen.add(current)
            path.append(current)
            current = parents.get(current)
        paths[code] = list(reversed(path))
    return paths


def fetch_internal(url: str, headers: dict, timeout: float = 10.0) -> list[dict] | None:
    """Every item of an owner's internal, service-token-protected listing (`{"items": [...]}`, pages
    followed by `next_cursor`); None when the owner has no such listing (an older version)."""
    items, cursor = [], None
    while True:
        response = requests.get(url, headers=headers, params={"after": cursor} if cursor else None, timeout=timeout)
        if response.status_code == 404 and not items:
            log.warning("%s does not exist; these copies come by events only", url)
            return None
        response.raise_for_status()
        body = response.json()
        items.extend(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return items


def fetch_regions(auth_service_url: str, timeout: float = 10.0) -> list[dict]:
    """Every region from auth-service's `GET /api/v1/regions`, each with its `path` from the root
    (the same shape as a `region.created` event's data)."""
    response = requests.get(f"{auth_service_url.rstrip('/')}/api/v1/regions", timeout=timeout)
    response.raise_for_status()
    regions = response.json()["items"]
    paths = region_paths(regions)
    return [{**r, "path": paths[r["code"]]} for r in regions]


def upsert_region(session, model, code: str, name: str, parent_code: str | None, path: list | None):
    """Keep a service's copy of a region (a model with code, name, parent_code and a JSON `path`)
    with its path from the root (`[root, ..., code]`), as `region.created` announces it."""
    if not (isinstance(path, list) and path and path[-1] == code and all(isinstance(c, str) for c in path)):
        # An event without a usable path: build it from the parent we know, if we know it.
        parent = session.get(model, parent_code) if parent_code else None
        path = [*(parent.path if parent else ([parent_code] if parent_code else [])), code]
    region = session.get(model, code)
    if region is None:
        region = model(code=code)
        session.add(region)
    region.name, region.parent_code, region.path = name, parent_code, list(path)
    return region


def service_headers() -> dict | None:
    """A service token's Authorization header for this service's calls to other services' internal
    APIs; None without SERVICE_TOKEN_SECRET (then only public data can be loaded)."""
    from flask import current_app

    from .tokens import ServiceTokenClient

    config = current_app.config
    if not config.get("SERVICE_TOKEN_SECRET"):
        return None
    client = ServiceTokenClient(config["AUTH_SERVICE_URL"].rstrip("/"), config["SERVICE_NAME"],
                                config["SERVICE_TOKEN_SECRET"])
    return client.headers()


def sync_regions(session, model, timeout: float = 10.0) -> list:
    """Every region from auth-service, kept with its path; returns the rows."""
    from flask import current_app

    regions = fetch_regions(current_app.config["AUTH_SERVICE_URL"], timeout)
    return [upsert_region(session, model, r["code"], r["name"], r.get("parent_code"), r["path"]) for r in regions]


def sync_internal(path: str, base_url: str, keep, timeout: float = 10.0) -> int | None:
    """`keep(item)` for every item of another service's internal listing at `base_url + path`; how many
    were kept (None without a service secret or when the owner has no such listing)."""
    headers = service_headers()
    if headers is None:
        return None
    items = fetch_internal(base_url.rstrip("/") + path, headers, timeout)
    if items is None:
        return None
    return sum(1 for item in items if keep(item) is not False)


def register_sync_command(app, sync) -> None:
    """`flask sync-reference-data`, the same in every service that keeps copies: `sync()` loads them
    from their owners, commits, and returns {copy: how many, or None when its owner could not list
    them}."""
    import click

    @app.cli.command("sync-reference-data")
    def sync_reference_data():
        """Load this service's copies of other services' data (regions, institutions, users, products
        as it keeps them) from their owners: for a service deployed after that data exists, or restored
        from a backup. Copies newer than the owner's answer (from events) are kept. Safe to run again."""
        try:
            counts = sync()
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise click.ClickException(f"could not load reference data: {exc}") from exc
        click.echo(f"{app.config['SERVICE_NAME']}: " + "; ".join(
            f"{count} {name} loaded" if count is not None else
            f"{name} not loaded (they arrive by events; set SERVICE_TOKEN_SECRET so that their owner's "
            "internal listing can be read)" for name, count in counts.items()))


def file_under_ancestors(session, region, link_model, owner_model, owner_column: str, sort_column: str) -> None:
    """Rows of `owner_model` (orders, loans) in `region` that were filed under their own region only,
    while the region was unknown here: file them under its ancestors too. `link_model` has the owner's
    id in `owner_column`, `region_code` and the owner's `sort_column` (the government lists' order).
    A full scan of the owners, but a new region is a rare administrative event."""
    from sqlalchemy import exists, insert, literal, select

    owner_id = getattr(link_model, owner_column)
    for ancestor in region.path[:-1]:
        session.execute(insert(link_model).from_select(
            ["region_code", sort_column, owner_column],
            select(literal(ancestor), getattr(owner_model, sort_column), owner_model.id).where(
                owner_model.region_code == region.code,
                ~exists().where(owner_id == owner_model.id, link_model.region_code == ancestor))))

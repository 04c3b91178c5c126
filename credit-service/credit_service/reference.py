"""credit-service's copy of auth-service's region tree, its handler, and "a region and everything below it".

Regions arrive as `region.created` events with their path from the root; a credit-service deployed
after regions already exist, or restored from a backup, loads them with `flask sync-reference-data`.
Each region is kept
with one `RegionAncestor` row per region on its path, so government users' scope and the whitelist's
region filter are one indexed lookup.
"""

from flask import current_app
from sqlalchemy import delete, or_, select

from xyd_common.reference import fetch_regions, upsert_region

from .models import Region, RegionAncestor, db


def keep_region(code: str, name: str, parent_code: str | None, path: list | None) -> Region:
    """Keep a region with its path from the root, and its ancestors' rows."""
    region = upsert_region(db.session, Region, code, name, parent_code, path)
    db.session.execute(delete(RegionAncestor).where(RegionAncestor.region_code == code))
    db.session.add_all(RegionAncestor(ancestor_code=a, region_code=code) for a in dict.fromkeys(region.path))
    return region


def on_region_created(event: dict) -> None:
    data = event["data"]
    keep_region(str(data["code"]), data["name"], data.get("parent_code"), data.get("path"))


HANDLERS = {"region.created": on_region_created}


def within(column, region_code: str):
    """A condition: `column` (a region code) is `region_code` or a region below it."""
    below = select(RegionAncestor.region_code).where(RegionAncestor.ancestor_code == region_code)
    # The region itself counts even before its region.created arrived.
    return or_(column == region_code, column.in_(below))


def is_within(code: str | None, region_code: str) -> bool:
    if code is None:
        return False
    if code == region_code:
        return True
    return db.session.get(RegionAncestor, (region_code, code)) is not None


def sync_reference_data() -> dict:
    """Every region from auth-service's public `GET /api/v1/regions`; committed."""
    regions = fetch_regions(current_app.config["AUTH_SERVICE_URL"])
    for r in regions:
        keep_region(r["code"], r["name"], r.get("parent_code"), r["path"])
    db.session.commit()
    return {"regions": len(regions)}

"""product-service's copies of auth-service's regions and institutions, and their handlers.

They arrive as events (`region.created`, `institution.*`); a product-service deployed after regions and
institutions exist, or restored from a backup, loads them with `flask sync-reference-data`.
"""

from datetime import datetime

from flask import current_app

from xyd_common.events.envelope import occurred_at
from xyd_common.events.outbox import utcnow
from xyd_common.reference import institution_values, sync_internal, sync_regions, upsert_if_newer, upsert_region

from .models import Institution, Region, db


def upsert_institution(data: dict, source_at: datetime) -> bool:
    """Keep an institution as auth-service described it at `source_at`; False when what we hold is newer."""
    return upsert_if_newer(db.session, Institution, int(data["id"]), {
        **institution_values(data), "type": data.get("type") or "other"}, source_at)


def on_region_created(event: dict) -> None:
    """Keep the region with its path, which the market's region filter walks up."""
    data = event["data"]
    upsert_region(db.session, Region, data["code"], data["name"], data.get("parent_code"), data.get("path"))


def on_institution_changed(event: dict) -> None:
    """Keep the institution's name and status: a disabled institution's products leave the market
    (by a join on this row) and its name shows on every product."""
    upsert_institution(event["data"], occurred_at(event))


HANDLERS = {
    "region.created": on_region_created,
    "institution.created": on_institution_changed,
    "institution.updated": on_institution_changed,
    "institution.disabled": on_institution_changed,
    "institution.enabled": on_institution_changed,
}


def sync_reference_data() -> dict:
    """Every region (public `GET /api/v1/regions`) and, with SERVICE_TOKEN_SECRET, every institution
    (`GET /internal/institutions`) from auth-service; committed."""
    started = utcnow()  # events from before this moment are older than the snapshot
    regions = sync_regions(db.session, Region)
    institutions = sync_internal("/internal/institutions", current_app.config["AUTH_SERVICE_URL"],
                                 lambda item: upsert_institution(item, started))
    db.session.commit()
    return {"regions": len(regions), "institutions": institutions}

"""Reference data a service copies from auth-service when it is deployed after that data exists.

Services keep their own copies of regions (and institutions) from events; a late deployment loads
what was published before it from auth-service's public region list."""

import requests


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


def fetch_regions(auth_service_url: str, timeout: float = 10.0) -> list[dict]:
    """Every region from auth-service's `GET /api/v1/regions`, each with its `path` from the root
    (the same shape as a `region.created` event's data)."""
    response = requests.get(f"{auth_service_url.rstrip('/')}/api/v1/regions", timeout=timeout)
    response.raise_for_status()
    regions = response.json()["items"]
    paths = region_paths(regions)
    return [{**r, "path": paths[r["code"]]} for r in regions]

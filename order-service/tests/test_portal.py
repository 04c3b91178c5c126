"""GET /portal/figures: the portal home's figures from order-service's own orders and read models,
public, and kept for the cache period."""

from .test_moves import act, today  # noqa: F401 - the fixture

FIGURES = "/api/v1/portal/figures"


def test_the_figures_count_the_platform_and_need_no_token(client, seeded, apply, act, tokens):  # noqa: F811
    seeded.config["PORTAL_FIGURES_CACHE_SECONDS"] = 0
    empty = client.get(FIGURES)
    assert empty.status_code == 200, empty.json
    assert empty.json == {"institutions": 2, "active_products": 3, "orders": 0, "granted_amount": 0,
                          "disbursed_amount": 0}
    assert "max-age=60" in empty.headers["Cache-Control"]

    first, second = apply(), apply(product_id=3)
    act(first, "accept")
    act(first, "grant", amount=80.5, rate=4.35, term_months=12)
    act(first, "disburse", amount=80, disbursed_on=today())
    act(second, "accept", as_="other_bank")
    figures = client.get(FIGURES).json
    assert figures == {"institutions": 2, "active_products": 3, "orders": 2, "granted_amount": 80.5,
                       "disbursed_amount": 80}


def test_the_figures_are_kept_for_the_cache_period(client, seeded, apply):
    seeded.config["PORTAL_FIGURES_CACHE_SECONDS"] = 600  # more than the contract allows: capped at 60 s
    assert client.get(FIGURES).json["orders"] == 0
    apply()
    assert client.get(FIGURES).json["orders"] == 0  # the cached answer, well within 60 s
    seeded.extensions.pop("order_service_portal_figures")  # as if 60 s had passed
    assert client.get(FIGURES).json["orders"] == 1

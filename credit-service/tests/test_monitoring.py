"""credit.risk_changed and credit.whitelist_changed: published through the outbox when, and only when,
an enterprise's state changes."""

from datetime import timedelta

from credit_service.models import Enterprise, db
from credit_service.monitoring import refresh_daily_states

from .support import TODAY, enterprise_row, events, flag_row, new_uscc, whitelist_row


def risk_events(app, uscc):
    return [e["data"] for e in events(app, "credit.risk_changed") if e["data"]["uscc"] == uscc]


def whitelist_events(app, uscc):
    return [e["data"] for e in events(app, "credit.whitelist_changed") if e["data"]["uscc"] == uscc]


def test_risk_changes_are_published_each_time_and_only_then(app, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)])
    assert risk_events(app, uscc) == []  # a new enterprise without flags: nothing to say

    import_batch(risk_flags=[flag_row(uscc, "administrative_penalty")])
    import_batch(risk_flags=[flag_row(uscc, "administrative_penalty")])  # the same again: no news
    import_batch(risk_flags=[flag_row(uscc, "dishonest_debtor", source="许昌市中级人民法院")])
    # Deactivating the flag brings the enterprise back to its next level.
    import_batch(risk_flags=[flag_row(uscc, "dishonest_debtor", source="许昌市中级人民法院", active=False)])
    import_batch(risk_flags=[flag_row(uscc, "administrative_penalty", active=False)])

    assert risk_events(app, uscc) == [
        {"uscc": uscc, "level": "medium", "tags": ["administrative_penalty"], "previous_level": "none"},
        {"uscc": uscc, "level": "high", "tags": ["dishonest_debtor", "administrative_penalty"],
         "previous_level": "medium"},
        {"uscc": uscc, "level": "medium", "tags": ["administrative_penalty"], "previous_level": "high"},
        {"uscc": uscc, "level": "none", "tags": [], "previous_level": "medium"},
    ]


def test_new_tags_at_the_same_level_are_news_too(app, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], risk_flags=[flag_row(uscc, "administrative_penalty")])
    import_batch(risk_flags=[flag_row(uscc, "abnormal_operation")])
    assert [(e["level"], e["tags"]) for e in risk_events(app, uscc)] == [
        ("medium", ["administrative_penalty"]), ("medium", ["abnormal_operation", "administrative_penalty"])]


def test_a_flags_own_level_overrides_the_indicator_and_a_changed_level_is_news(app, client, admin, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], risk_flags=[flag_row(uscc, "litigation", level="high")])
    import_batch(risk_flags=[flag_row(uscc, "litigation", level=None)])  # back to the indicator's level
    assert [e["level"] for e in risk_events(app, uscc)] == ["high", "low"]
    flags = client.get(f"/api/v1/credit/enterprises/{uscc}", headers=admin).json["risk"]["flags"]
    assert [(f["indicator"], f["level"]) for f in flags] == [("litigation", "low")]


def test_one_import_publishes_one_event_per_enterprise_with_its_final_state(app, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], whitelist=[whitelist_row(uscc)],
                 risk_flags=[flag_row(uscc, "tax_arrears"), flag_row(uscc, "equity_frozen")])
    assert risk_events(app, uscc) == [{"uscc": uscc, "level": "high", "tags": ["equity_frozen", "tax_arrears"],
                                       "previous_level": "none"}]
    assert len(whitelist_events(app, uscc)) == 1


def test_whitelist_changes_are_published(app, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)])
    first = whitelist_row(uscc, batch="2026年第一批", valid_until=(TODAY + timedelta(days=100)).isoformat())
    import_batch(whitelist=[first])
    import_batch(whitelist=[first])
    # A later batch valid for longer becomes the entry that counts.
    later = whitelist_row(uscc, batch="2026年第二批", valid_until=(TODAY + timedelta(days=300)).isoformat())
    import_batch(whitelist=[later])
    # Both end: off the whitelist.
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    import_batch(whitelist=[{**first, "valid_until": yesterday}, {**later, "valid_until": yesterday}])
    assert whitelist_events(app, uscc) == [
        {"uscc": uscc, "whitelisted": True, "batch": "2026年第一批", "valid_until": first["valid_until"]},
        {"uscc": uscc, "whitelisted": True, "batch": "2026年第二批", "valid_until": later["valid_until"]},
        {"uscc": uscc, "whitelisted": False, "batch": None, "valid_until": None},
    ]


def test_an_entry_listed_for_the_future_counts_from_its_day_on(app, client, admin, import_batch):
    uscc = new_uscc()
    starts = TODAY + timedelta(days=3)
    import_batch(enterprises=[enterprise_row(uscc)],
                 whitelist=[whitelist_row(uscc, listed_on=starts.isoformat(), valid_until=None)])
    assert client.get(f"/api/v1/credit/enterprises/{uscc}", headers=admin).json["whitelisted"] is False
    assert whitelist_events(app, uscc) == []
    with app.app_context():
        assert refresh_daily_states(starts) == 1
        assert db.session.get(Enterprise, uscc).whitelisted
        assert refresh_daily_states(starts) == 0
    assert whitelist_events(app, uscc) == [{"uscc": uscc, "whitelisted": True, "batch": "2026年第一批",
                                            "valid_until": None}]


def test_the_daily_refresh_announces_expired_entries(app, runner, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], whitelist=[whitelist_row(uscc, valid_until=TODAY.isoformat())])
    assert runner.invoke(args=["refresh-credit-states", "--once"]).output.endswith("changed for 0 enterprises\n")
    with app.app_context():
        assert refresh_daily_states(TODAY + timedelta(days=1)) == 1
    assert [e["whitelisted"] for e in whitelist_events(app, uscc)] == [True, False]


def test_events_name_their_source_and_type(app, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], risk_flags=[flag_row(uscc)])
    event = events(app, "credit.risk_changed")[-1]
    assert (event["source"], event["event_type"], event["version"]) == ("credit-service", "credit.risk_changed", 1)

"""The risk level rules, without a database."""

from types import SimpleNamespace

import pytest

from credit_service.risk import INDICATOR_LEVELS, assess, flag_level
from xyd_common.credit_record import RISK_INDICATORS


def flag(indicator, level=None, active=True):
    return SimpleNamespace(indicator=indicator, level=level, active=active)


def test_an_enterprise_without_flags_has_no_risk():
    assert (assess([]).level, assess([]).tags) == ("none", ())


@pytest.mark.parametrize(("indicator", "level"), [
    ("dishonest_debtor", "high"), ("equity_frozen", "high"), ("license_revoked", "high"),
    ("consumption_restricted", "medium"), ("administrative_penalty", "medium"), ("abnormal_operation", "medium"),
    ("tax_arrears", "low"), ("litigation", "low"),
])
def test_each_indicator_has_the_contracts_default_level(indicator, level):
    assert INDICATOR_LEVELS[indicator] == level
    assert assess([flag(indicator)]).level == level


def test_every_documented_indicator_has_a_level_and_no_other_does():
    assert tuple(INDICATOR_LEVELS) == RISK_INDICATORS


def test_the_highest_active_flag_decides_and_tags_list_the_most_severe_first():
    risk = assess([flag("tax_arrears"), flag("dishonest_debtor"), flag("administrative_penalty")])
    assert risk.level == "high"
    assert risk.tags == ("dishonest_debtor", "administrative_penalty", "tax_arrears")


def test_inactive_flags_do_not_count():
    risk = assess([flag("dishonest_debtor", active=False), flag("administrative_penalty")])
    assert (risk.level, risk.tags) == ("medium", ("administrative_penalty",))
    assert assess([flag("dishonest_debtor", active=False)]).level == "none"


def test_a_flags_own_level_overrides_its_indicator_both_ways():
    assert flag_level("litigation", "high") == "high"
    assert assess([flag("litigation", "high")]).level == "high"
    assert assess([flag("dishonest_debtor", "low")]).level == "low"


def test_an_indicator_flagged_by_two_sources_is_one_tag_at_its_highest_level():
    risk = assess([flag("litigation"), flag("litigation", "medium"), flag("tax_arrears")])
    assert (risk.level, risk.tags) == ("medium", ("litigation", "tax_arrears"))

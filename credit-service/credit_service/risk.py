"""Risk monitoring (企业金融风险监控): the level of each indicator, and an enterprise's level.

The one place that knows which indicator weighs how much. An enterprise's level is the highest level of
its active flags (a flag's own `level` overrides its indicator's default), or `none` without any; its
tags are the indicators of those flags, most severe first.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from xyd_common.credit_record import RISK_INDICATORS, RISK_LEVELS

NONE, LOW, MEDIUM, HIGH = RISK_LEVELS
# Weakest first: the index is the weight.
LEVEL_ORDER = RISK_LEVELS

# The contract's default level per indicator.
INDICATOR_LEVELS = {
    "dishonest_debtor": HIGH,          # 失信被执行人
    "equity_frozen": HIGH,             # 股权冻结
    "license_revoked": HIGH,           # 吊销营业执照
    "consumption_restricted": MEDIUM,  # 限制高消费
    "administrative_penalty": MEDIUM,  # 行政处罚
    "abnormal_operation": MEDIUM,      # 经营异常名录
    "tax_arrears": LOW,                # 欠税
    "litigation": LOW,                 # 涉诉
    "loan_default": HIGH,              # 贷款不良 (the platform's own, from loan-service: loan_defaults.py)
}
INDICATORS = RISK_INDICATORS  # each has its level above (tests/test_risk.py checks the two agree)


def flag_level(indicator: str, own_level: str | None) -> str:
    """A flag's level: its own when it has one, else its indicator's."""
    return own_level or INDICATOR_LEVELS[indicator]


@dataclass(frozen=True)
class Risk:
    level: str
    tags: tuple[str, ...]


def assess(flags: Iterable, suppressed: frozenset[str] = frozenset()) -> Risk:
    """The risk of an enterprise with these flags (objects with indicator, level, active); flags of a
    `suppressed` indicator (its records are all hidden: disclosure.py) do not count."""
    weights: dict[str, int] = {}
    for flag in flags:
        if not flag.active or flag.indicator in suppressed:
            continue
        weight = LEVEL_ORDER.index(flag_level(flag.indicator, flag.level))
        weights[flag.indicator] = max(weight, weights.get(flag.indicator, 0))
    if not weights:
        return Risk(NONE, ())
    tags = tuple(sorted(weights, key=lambda indicator: (-weights[indicator], indicator)))
    return Risk(LEVEL_ORDER[max(weights.values())], tags)

"""Which credit records institutions are shown (公示), and which risk flags a hidden record stops.

A record is hidden from institutions once a dispute about it was upheld, once its publication period
(`publish_until`, 公示期限) has passed, or from the day the enterprise repaired its credit
(`repaired_on`, 信用修复). A hidden record of a category that is also a risk indicator stops that
indicator's flags counting towards the enterprise's risk level, unless another visible record of the
category remains. One place knows these rules; the record views and the risk assessment both ask here.
"""

from collections.abc import Iterable
from datetime import date

DISPUTED_UPHELD, EXPIRED, REPAIRED = "disputed_upheld", "expired", "repaired"

# Record categories whose hiding affects the risk flags of the same name.
FLAG_CATEGORIES = ("administrative_penalty", "dishonest_debtor", "abnormal_operation", "tax_arrears",
                   "loan_default")
# How long a category is published when an import does not say (years after `decided_on`); categories
# not listed here have no end (until repaired).
DEFAULT_PUBLICATION_YEARS = {"administrative_penalty": 3}


def default_publish_until(category: str, decided_on: date) -> date | None:
    years = DEFAULT_PUBLICATION_YEARS.get(category)
    if years is None:
        return None
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:  # 29 February
        return decided_on.replace(year=decided_on.year + years, day=28)


def hidden_reason(record, day: date) -> str | None:
    """Why institutions no longer see the record on `day` (a China date), or None while they do."""
    if record.dispute_upheld:
        return DISPUTED_UPHELD
    if record.repaired_on is not None and record.repaired_on <= day:
        return REPAIRED
    if record.publish_until is not None and record.publish_until < day:
        return EXPIRED
    return None


def suppressed_indicators(records: Iterable, day: date) -> frozenset[str]:
    """The indicators whose flags do not count: categories with records, all of them hidden."""
    seen: dict[str, bool] = {}
    for record in records:
        if record.category in FLAG_CATEGORIES:
            visible = hidden_reason(record, day) is None
            seen[record.category] = seen.get(record.category, False) or visible
    return frozenset(category for category, any_visible in seen.items() if not any_visible)

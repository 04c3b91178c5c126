"""Acceptance deadlines: working days in China time, Monday to Friday minus the holiday calendar."""

from datetime import UTC, date, datetime

import pytest

from order_service.workdays import WorkCalendar, china_date, china_day_start
from xyd_common.config import SettingError

MON, FRI, SAT, SUN = date(2026, 11, 23), date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29)


@pytest.mark.parametrize("start, expected", [
    (MON, date(2026, 11, 26)),   # Tue, Wed, Thu
    (FRI, date(2026, 12, 2)),    # Mon, Tue, Wed
    (SAT, date(2026, 12, 2)),
    (SUN, date(2026, 12, 2)),
])
def test_three_working_days_skip_the_weekend(start, expected):
    assert WorkCalendar().add_workdays(start, 3) == expected


def test_holidays_are_skipped_and_make_up_days_count():
    calendar = WorkCalendar.parse("""
        # 国庆节 2026
        2026-10-01
        2026-10-02
        2026-10-05  # a Monday
        2026-10-10 workday   # 调休: a Saturday people work
    """)
    # Wed 30 Sep: Thu 1 and Fri 2 are holidays, Mon 5 too: Tue 6, Wed 7, Thu 8.
    assert calendar.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 8)
    # Fri 9 Oct: Sat 10 is worked, then Mon 12, Tue 13.
    assert calendar.add_workdays(date(2026, 10, 9), 3) == date(2026, 10, 13)


@pytest.mark.parametrize("text", ["2026-13-01", "2026/10/01", "2026-10-01 holiday", "tomorrow"])
def test_a_malformed_calendar_is_refused_with_its_line(text):
    with pytest.raises(SettingError, match="line 1"):
        WorkCalendar.parse(text)


def test_a_missing_calendar_file_is_refused(tmp_path):
    with pytest.raises(SettingError):
        WorkCalendar.load(str(tmp_path / "nope.txt"))
    assert WorkCalendar.load(None) == WorkCalendar()


def test_china_dates_start_at_midnight_in_shanghai():
    # 16:30 UTC is already the next day in China.
    assert china_date(datetime(2026, 11, 27, 16, 30, tzinfo=UTC)) == date(2026, 11, 28)
    assert china_day_start(date(2026, 11, 28)) == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)

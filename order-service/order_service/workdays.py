"""Business dates in China time and working days, for acceptance deadlines and statistics ranges.

Working days are Monday to Friday minus the holidays of an optional calendar file
(`HOLIDAY_CALENDAR_FILE`). The file has one date per line, `YYYY-MM-DD`, and may mark a weekend day on
which people work to make up for a holiday (调休, e.g. a Saturday before National Day) as
`YYYY-MM-DD workday`; `#` starts a comment. A malformed file stops the service at start rather than
silently computing wrong deadlines.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from xyd_common.config import SettingError

CHINA = ZoneInfo("Asia/Shanghai")


def china_date(at: datetime) -> date:
    """The calendar date in China at the instant `at`."""
    return at.astimezone(CHINA).date()


def china_day_start(day: date) -> datetime:
    """The instant (UTC) a China calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC)


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_workdays(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (the day of `start` itself never counts)."""
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    @classmethod
    def parse(cls, text: str, source: str = "holiday calendar") -> "WorkCalendar":
        holidays, workdays = set(), set()
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            try:
                day = date.fromisoformat(parts[0])
            except ValueError:
                raise SettingError(f"{source}, line {number}: {parts[0]!r} is not a YYYY-MM-DD date") from None
            if len(parts) == 1:
                holidays.add(day)
            elif len(parts) == 2 and parts[1].lower() == "workday":
                workdays.add(day)
            else:
                raise SettingError(f"{source}, line {number}: expected 'YYYY-MM-DD' or 'YYYY-MM-DD workday'")
        return cls(frozenset(holidays), frozenset(workdays))

    @classmethod
    def load(cls, path: str | None) -> "WorkCalendar":
        """The calendar in `path`, or plain Monday–Friday when no file is configured."""
        if not path:
            return cls()
        try:
            with open(path, encoding="utf-8") as f:
                return cls.parse(f.read(), source=path)
        except OSError as exc:
            raise SettingError(f"HOLIDAY_CALENDAR_FILE {path!r} cannot be read: {exc}") from exc

"""Working time (R2.15, R2.2, R2.14): the SLA clocks run only inside working hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

MIN_MINUTES = 0.02  # about a second: anything near zero is no time and ignores the hours
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkSchedule:
    """Working hours on working days in one time zone; `always` is 24/7."""

    zone: ZoneInfo
    start: time = time(9)
    end: time = time(18)
    days: frozenset[int] = frozenset(range(5))  # Monday is 0
    always: bool = False

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `moment` (UTC in, UTC out)."""
        if self.always or duration <= timedelta(0):
            return moment + max(duration, timedelta(0))
        left = duration
        cursor = moment.astimezone(self.zone)
        while True:
            opens, closes = self._window(cursor.date())
            if opens is None or cursor >= closes:
                cursor = self._next_day(cursor)
                continue
            # Real time, in UTC: within one zone Python counts on the clock face, and a day
            # that changes the clocks has an hour more or less than its face shows.
            start, end = max(cursor, opens).astimezone(UTC), closes.astimezone(UTC)
            if start + left <= end:
                return (start + left).astimezone(moment.tzinfo)
            left -= end - start
            cursor = self._next_day(cursor)

    def _window(self, day: object) -> tuple[datetime | None, datetime]:
        assert hasattr(day, "weekday")
        opens = datetime.combine(day, self.start, self.zone)  # type: ignore[arg-type]
        closes = datetime.combine(day, self.end, self.zone)  # type: ignore[arg-type]
        if day.weekday() not in self.days:  # type: ignore[attr-defined]
            return None, closes
        return opens, closes

    def _next_day(self, cursor: datetime) -> datetime:
        day = cursor.date() + timedelta(days=1)
        return datetime.combine(day, time(0), self.zone)


_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_hours(raw: str) -> tuple[time, time] | None:
    """`09:00-18:00`, or `24/7` (None: the clocks always run)."""
    text = raw.strip()
    if text == "24/7":
        return None
    match = _HOURS.match(text)
    if not match:
        raise InvalidInput("WORK_HOURS", "expected HH:MM-HH:MM or 24/7")
    try:
        start = time(int(match[1]), int(match[2]))
        end = time(int(match[3]), int(match[4]))
    except ValueError:
        raise InvalidInput("WORK_HOURS", "expected HH:MM-HH:MM or 24/7") from None
    if end <= start:
        raise InvalidInput("WORK_HOURS", "the day must end after it starts")
    return start, end


def parse_days(raw: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `1-5` (ISO numbers, Monday is 1)."""
    days: set[int] = set()
    for part in raw.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        a, b = _day(first), _day(last or first)
        if b < a:
            raise InvalidInput("WORK_DAYS", "expected a range like mon-fri")
        days.update(range(a, b + 1))
    if not days:
        raise InvalidInput("WORK_DAYS", "expected days like mon-fri or 1-5")
    return frozenset(days)


def _day(token: str) -> int:
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if token.isdigit() and 1 <= int(token) <= 7:
        return int(token) - 1
    raise InvalidInput("WORK_DAYS", "expected days like mon-fri or 1-5")


def schedule(zone: ZoneInfo, hours: str, days: str) -> WorkSchedule:
    window = parse_hours(hours)
    if window is None:
        return WorkSchedule(zone, always=True)
    return WorkSchedule(zone, window[0], window[1], parse_days(days))


@dataclass(frozen=True)
class SlaDefaults:
    """The durations set by the company order (a department may override them) and the
    working schedule the clocks run in."""

    contact: timedelta
    processing: timedelta
    unassigned: timedelta
    schedule: WorkSchedule


SlaPolicy = SlaDefaults  # a department's effective values have the same shape
REMINDER_SHARE = 2 / 3  # R2.15: the reminder comes with a third of the time left


def minutes_text(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} с"
    if seconds < 600 and seconds % 60:
        return f"{seconds // 60} мин {seconds % 60} с"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} мин"
    hours, rest = divmod(minutes, 60)
    return f"{hours} ч {rest} мин" if rest else f"{hours} ч"


DEFAULT_SLA = SlaDefaults(
    contact=timedelta(minutes=15),
    processing=timedelta(minutes=60),
    unassigned=timedelta(minutes=10),
    schedule=WorkSchedule(ZoneInfo("Europe/Moscow")),
)

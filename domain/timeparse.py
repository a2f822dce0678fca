"""Dates and times as managers type them, in the company's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

_PATTERN = re.compile(
    r"^(?:(?P<word>сегодня|завтра|послезавтра)\s+|(?P<day>\d{1,2})\.(?P<month>\d{1,2})"
    r"(?:\.(?P<year>\d{2}|\d{4}))?\s+)?(?P<hour>\d{1,2})(?P<sep>[:.])(?P<minute>\d{2})$"
)
_WORD_DAYS = {"сегодня": 0, "завтра": 1, "послезавтра": 2}
ROLL_OVER_DAYS = 31  # a date without a year further back than this means next year
FURTHEST_AHEAD = timedelta(days=10 * 366)  # a year typed further on is a typo (31.12.9999)
EXAMPLE = "Например: 05.12 14:30, завтра 11:00 или 16:00."


def parse_local_datetime(raw: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A future moment from text like `05.12 14:30`, `завтра 11:00`, `16:00`; UTC out."""
    match = _PATTERN.match(" ".join(raw.strip().lower().split()))
    if not match:
        raise InvalidInput("when", f"Не понял дату и время. {EXAMPLE}")
    if _a_date_alone(match):
        typed = raw.strip()
        if int(match["hour"]) > 23:  # only a date
            raise InvalidInput("when", f"«{typed}» — это дата? Напишите и время: {typed} 10:00.")
        raise InvalidInput(
            "when",
            f"«{typed}» — дата или время? Напишите дату со временем ({typed} 10:00) "
            f"или время через двоеточие ({typed.replace('.', ':')}).",
        )
    today = now.astimezone(zone).date()
    try:
        at = time(int(match["hour"]), int(match["minute"]))
        if match["word"]:
            day = today + timedelta(days=_WORD_DAYS[match["word"]])
        elif match["day"] and match["year"]:
            year = int(match["year"])
            day = date(year + 2000 if year < 100 else year, int(match["month"]), int(match["day"]))
        elif match["day"]:
            day = day_without_year(int(match["day"]), int(match["month"]), today)
        else:
            day = today
    except ValueError:
        raise InvalidInput("when", f"Такой даты или времени нет. {EXAMPLE}") from None
    moment = datetime.combine(day, at, zone)
    if moment <= now:
        raise InvalidInput("when", "Это время уже прошло: укажите время в будущем.")
    if match["year"] and moment - now > FURTHEST_AHEAD:
        raise InvalidInput("when", "Это больше чем через десять лет: проверьте год.")
    return moment.astimezone(now.tzinfo)


def _a_date_alone(match: re.Match[str]) -> bool:
    """`15.12` alone reads as a date as well as a time: taken for 15:12 today, a call
    agreed for the 15th of December would be reminded of this afternoon. `16.00` or `14.30`
    can only be a time."""
    if match["word"] or match["day"] or match["sep"] != ".":
        return False
    return 1 <= int(match["hour"]) <= 31 and 1 <= int(match["minute"]) <= 12


def day_without_year(day: int, month: int, today: date) -> date:
    """The first such date not long past: `05.01` typed in December is next January, and
    `29.02` the next leap year's. ValueError when there is no such date at all (31.02)."""
    for year in range(today.year, today.year + 5):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (today - candidate).days <= ROLL_OVER_DAYS:
            return candidate
    raise ValueError(f"no date {day:02}.{month:02}")


def tomorrow_at(hour: int, now: datetime, zone: ZoneInfo) -> datetime:
    day = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), zone).astimezone(now.tzinfo)

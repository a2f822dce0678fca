"""Dates and times as managers type them, in the company's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

_PATTERN = re.compile(
    r"^(?:(?P<word>сегодня|завтра|послезавтра)\s+|(?P<day>\d{1,2})\.(?P<month>\d{1,2})"
    r"(?:\.(?P<year>\d{2}|\d{4}))?\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})$"
)
_WORD_DAYS = {"сегодня": 0, "завтра": 1, "послезавтра": 2}
ROLL_OVER_DAYS = 31  # a date without a year further back than this means next year
EXAMPLE = "Например: 05.12 14:30, завтра 11:00 или 16:00."


def parse_local_datetime(raw: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A future moment from text like `05.12 14:30`, `завтра 11:00`, `16:00`; UTC out."""
    match = _PATTERN.match(" ".join(raw.strip().lower().split()))
    if not match:
        raise InvalidInput("when", f"Не понял дату и время. {EXAMPLE}")
    today = now.astimezone(zone).date()
    try:
        at = time(int(match["hour"]), int(match["minute"]))
        if match["word"]:
            day = today + timedelta(days=_WORD_DAYS[match["word"]])
        elif match["day"]:
            year = int(match["year"]) if match["year"] else today.year
            year = year + 2000 if year < 100 else year
            day = date(year, int(match["month"]), int(match["day"]))
            if not match["year"] and (today - day).days > ROLL_OVER_DAYS:
                day = day.replace(year=day.year + 1)  # "05.01" typed in December
        else:
            day = today
    except ValueError:
        raise InvalidInput("when", f"Такой даты или времени нет. {EXAMPLE}") from None
    moment = datetime.combine(day, at, zone)
    if moment <= now:
        raise InvalidInput("when", "Это время уже прошло: укажите время в будущем.")
    return moment.astimezone(now.tzinfo)


def tomorrow_at(hour: int, now: datetime, zone: ZoneInfo) -> datetime:
    day = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), zone).astimezone(now.tzinfo)

"""Dates and times as managers type them, in the company's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

_WORD_DAYS = {"сегодня": 0, "завтра": 1, "послезавтра": 2}
_WEEKDAYS = {
    **dict.fromkeys(("понедельник", "пн"), 0),
    **dict.fromkeys(("вторник", "вт"), 1),
    **dict.fromkeys(("среда", "среду", "ср"), 2),
    **dict.fromkeys(("четверг", "чт"), 3),
    **dict.fromkeys(("пятница", "пятницу", "пт"), 4),
    **dict.fromkeys(("суббота", "субботу", "сб"), 5),
    **dict.fromkeys(("воскресенье", "вс"), 6),
}
_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ),
        start=1,
    )
}
_DAY = (
    r"(?P<word>сегодня|завтра|послезавтра)"
    rf"|(?:во?\s+)?(?P<weekday>{'|'.join(_WEEKDAYS)})"
    r"|(?P<day>\d{1,2})\.(?P<month>\d{1,2})(?:\.(?P<year>\d{2}|\d{4}))?"
    rf"|(?P<mday>\d{{1,2}})\s+(?P<mname>{'|'.join(_MONTHS)})(?:\s+(?P<myear>\d{{4}}))?"
)
# `в 11`, `к 9`, `11:00`, `9.30`, `15 ч`, `3 дня`: an hour alone needs a word that makes it one.
_TIME = (
    r"(?P<at>(?:в|к)\s+)?(?P<hour>\d{1,2})(?:(?P<sep>[:.])(?P<minute>\d{2}))?"
    r"(?P<h>\s*(?:ч|час|часа|часов))?(?:\s+(?P<part>утра|дня|вечера|ночи))?"
)
_PATTERN = re.compile(rf"^(?:(?:{_DAY}),?\s+)?{_TIME}$")
_DAY_ALONE = re.compile(rf"^(?:{_DAY})$")
_IN = re.compile(
    r"^через\s+(?:(?P<n>\d{1,3})\s*)?"
    r"(?P<unit>полчаса|минуту|минуты|минут|мин|час|часа|часов|ч|день|дня|дней"
    r"|неделю|недели|недель)(?:,?\s+(?P<rest>.+))?$"
)
_UNITS = {
    **dict.fromkeys(("минуту", "минуты", "минут", "мин"), timedelta(minutes=1)),
    **dict.fromkeys(("час", "часа", "часов", "ч"), timedelta(hours=1)),
    "полчаса": timedelta(minutes=30),
    **dict.fromkeys(("день", "дня", "дней"), timedelta(days=1)),
    **dict.fromkeys(("неделю", "недели", "недель"), timedelta(days=7)),
}
ROLL_OVER_DAYS = 31  # a date without a year further back than this means next year
FURTHEST_AHEAD = timedelta(days=10 * 366)  # a year typed further on is a typo (31.12.9999)
EXAMPLE = "Например: 05.12 14:30, завтра 11:00 или 16:00."


def parse_local_datetime(raw: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A future moment from text like `05.12 14:30`, `завтра в 11`, `в пятницу 15:00`,
    `через 2 часа`, `25.12 в 10`, `16:00`, read in `zone`; in `now`'s zone (UTC) out."""
    text = " ".join(raw.strip().lower().replace("ё", "е").split()).rstrip(".")
    later = _IN.match(text)
    if later:
        return _later(later, raw.strip(), now, zone)
    match = _PATTERN.match(text)
    if not match or not _an_hour(match):
        if _DAY_ALONE.match(text):
            typed = raw.strip()
            raise InvalidInput("when", f"«{typed}» — а во сколько? Например: {typed} в 11.")
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
        at = time(_hour(match), int(match["minute"] or 0))
        day = _day(match, today)
    except ValueError:
        raise InvalidInput("when", f"Такой даты или времени нет. {EXAMPLE}") from None
    return _future(
        datetime.combine(day, at, zone), now, typed_year=bool(match["year"] or match["myear"])
    )


def _later(match: re.Match[str], typed: str, now: datetime, zone: ZoneInfo) -> datetime:
    """`через 2 часа`: from now; `через 3 дня в 11`: that day, at the time typed."""
    step = _UNITS[match["unit"]] * int(match["n"] or 1)
    if step < timedelta(days=1):
        if match["rest"]:
            raise InvalidInput("when", f"Не понял дату и время. {EXAMPLE}")
        return (now + step).replace(second=0, microsecond=0)
    if step > FURTHEST_AHEAD:
        raise InvalidInput("when", "Это больше чем через десять лет: проверьте срок.")
    rest = _PATTERN.match(match["rest"] or "")
    if rest is None or rest.group("word", "weekday", "day", "mday") != (None,) * 4:
        raise InvalidInput("when", f"«{typed}» — а во сколько? Например: {typed} в 11.")
    try:
        at = time(_hour(rest), int(rest["minute"] or 0))
    except ValueError:
        raise InvalidInput("when", f"Такой даты или времени нет. {EXAMPLE}") from None
    day = now.astimezone(zone).date() + step
    return _future(datetime.combine(day, at, zone), now, typed_year=False)


def _future(moment: datetime, now: datetime, *, typed_year: bool) -> datetime:
    if moment <= now:
        raise InvalidInput("when", "Это время уже прошло: укажите время в будущем.")
    if typed_year and moment - now > FURTHEST_AHEAD:
        raise InvalidInput("when", "Это больше чем через десять лет: проверьте год.")
    return moment.astimezone(now.tzinfo)


def _an_hour(match: re.Match[str]) -> bool:
    """`11` alone is no time (a day? a quantity?); `в 11`, `завтра 11`, `11:00`, `11 ч` are."""
    return bool(
        match["minute"]
        or match["at"]
        or match["h"]
        or match["part"]
        or any(match.group("word", "weekday", "day", "mday"))
    )


def _hour(match: re.Match[str]) -> int:
    """The hour on a 24-hour clock: `3 дня` is 15, `7 вечера` 19, `12 ночи` midnight."""
    hour = int(match["hour"])
    part = match["part"]
    if part == "ночи" and hour == 12:
        return 0
    if (part == "дня" and 1 <= hour <= 6) or (part == "вечера" and 1 <= hour <= 11):
        return hour + 12
    return hour


def _day(match: re.Match[str], today: date) -> date:
    """The day typed (today when none); ValueError when there is no such date."""
    if match["word"]:
        return today + timedelta(days=_WORD_DAYS[match["word"]])
    if match["weekday"]:  # the next such day: on a Friday «в пятницу» is a week on
        ahead = (_WEEKDAYS[match["weekday"]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if match["mname"]:
        day, month = int(match["mday"]), _MONTHS[match["mname"]]
        if match["myear"]:
            return date(int(match["myear"]), month, day)
        return day_without_year(day, month, today)
    if match["day"] and match["year"]:
        year = int(match["year"])
        return date(year + 2000 if year < 100 else year, int(match["month"]), int(match["day"]))
    if match["day"]:
        return day_without_year(int(match["day"]), int(match["month"]), today)
    return today


def _a_date_alone(match: re.Match[str]) -> bool:
    """`15.12` alone reads as a date as well as a time: taken for 15:12 today, a call
    agreed for the 15th of December would be reminded of this afternoon. `16.00` or `14.30`
    can only be a time."""
    if any(match.group("word", "weekday", "day", "mday", "at", "h", "part")):
        return False
    if match["sep"] != ".":
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

"""Dates and times as managers type them (R2.5's next contact), in the company's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.timeparse import parse_local_datetime

MSK = ZoneInfo("Europe/Moscow")
DECEMBER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
MARCH = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "typed", "local"),
    [
        (DECEMBER, "05.12 14:30", "2026-12-05 14:30"),
        (DECEMBER, "завтра 11:00", "2026-12-02 11:00"),
        (DECEMBER, "16.00", "2026-12-01 16:00"),  # 00 is no month: a time
        (DECEMBER, "14.30", "2026-12-01 14:30"),
        (DECEMBER, "15.12 14.30", "2026-12-15 14:30"),
        (DECEMBER, "05.01 10:00", "2027-01-05 10:00"),  # January typed in December
        (DECEMBER, "05.12.26 10:00", "2026-12-05 10:00"),
        (MARCH, "29.02 10:00", "2028-02-29 10:00"),  # the next leap year's
        (MARCH, "10.02 10:00", "2028-02-10 10:00"),  # long past this year: next year's
        (datetime(2028, 4, 2, tzinfo=UTC), "29.02 10:00", "2032-02-29 10:00"),
        (DECEMBER, "01.12.2035 10:00", "2035-12-01 10:00"),  # a year typed: far is fine
    ],
)
def test_typed_moments(now: datetime, typed: str, local: str) -> None:
    moment = parse_local_datetime(typed, now, MSK)
    assert moment.tzinfo is UTC
    assert moment.astimezone(MSK).strftime("%Y-%m-%d %H:%M") == local


@pytest.mark.parametrize(
    ("now", "typed", "reason"),
    [
        (DECEMBER, "завтра", r"«завтра» — а во сколько\? Например: завтра в 11\."),
        (DECEMBER, "в пятницу", r"«в пятницу» — а во сколько\? Например: в пятницу в 11\."),
        (DECEMBER, "через 2 дня", r"«через 2 дня» — а во сколько\?"),
        (DECEMBER, "11", "Не понял дату и время"),  # a day? an hour? a count?
        (DECEMBER, "через 2 часа в 11", "Не понял дату и время"),
        (DECEMBER, "в 11", "Это время уже прошло"),
        (DECEMBER, "через 999 недель", "Это больше чем через десять лет"),
        (DECEMBER, "31.02 10:00", "Такой даты или времени нет"),
        (DECEMBER, "05.12 25:00", "Такой даты или времени нет"),
        (DECEMBER, "11:00", "Это время уже прошло"),
        (MARCH, "14.03 10:00", "Это время уже прошло"),  # yesterday: a slip, not next year
        (DECEMBER, "31.12.9999 23:59", "Это больше чем через десять лет"),
        (DECEMBER, "15.12", r"«15.12» — дата или время\? .* \(15.12 10:00\) .* \(15:12\)"),
        (DECEMBER, "25.12", r"«25.12» — это дата\? Напишите и время: 25.12 10:00"),
    ],
)
def test_refused_with_the_reason(now: datetime, typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_local_datetime(typed, now, MSK)


# Tuesday 01.12.2026 12:00 in Moscow; #14 §3: what people type, not a format.
@pytest.mark.parametrize(
    ("typed", "local"),
    [
        ("завтра в 11", "2026-12-02 11:00"),
        ("Завтра в 11.", "2026-12-02 11:00"),
        ("завтра 11", "2026-12-02 11:00"),
        ("в пятницу 15:00", "2026-12-04 15:00"),
        ("в пт в 15", "2026-12-04 15:00"),
        ("во вторник 10:00", "2026-12-08 10:00"),  # on a Tuesday: next week's
        ("в среду в 3 дня", "2026-12-02 15:00"),
        ("сегодня в 7 вечера", "2026-12-01 19:00"),
        ("через 2 часа", "2026-12-01 14:00"),
        ("через час", "2026-12-01 13:00"),
        ("через полчаса", "2026-12-01 12:30"),
        ("через 15 минут", "2026-12-01 12:15"),
        ("через 3 дня в 11", "2026-12-04 11:00"),
        ("через неделю в 10:30", "2026-12-08 10:30"),
        ("25.12 в 10", "2026-12-25 10:00"),
        ("25.12, 10:00", "2026-12-25 10:00"),
        ("5 декабря 14:30", "2026-12-05 14:30"),
        ("10 января в 9", "2027-01-10 09:00"),
        ("в 15", "2026-12-01 15:00"),
        ("к 17 ч", "2026-12-01 17:00"),
    ],
)
def test_moments_as_people_type_them(typed: str, local: str) -> None:
    moment = parse_local_datetime(typed, DECEMBER, MSK)
    assert moment.tzinfo is UTC
    assert moment.astimezone(MSK).strftime("%Y-%m-%d %H:%M") == local


def test_the_company_zone_decides_the_day() -> None:
    """23:30 UTC is already tomorrow in Vladivostok: «завтра» is the day after that."""
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    vladivostok = ZoneInfo("Asia/Vladivostok")
    moment = parse_local_datetime("завтра в 11", late, vladivostok)
    assert moment.astimezone(vladivostok).strftime("%Y-%m-%d %H:%M") == "2026-12-03 11:00"
    london = ZoneInfo("Europe/London")
    assert parse_local_datetime("завтра в 11", late, london).astimezone(london).day == 2

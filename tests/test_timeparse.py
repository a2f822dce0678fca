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
        (DECEMBER, "завтра", "Не понял дату и время"),
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

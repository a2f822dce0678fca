"""Working-hours arithmetic on its edges (R2.15): the clocks stop outside working time."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.services.department_settings import parse_minutes
from domain.sla import WorkSchedule, minutes_text, parse_days, schedule

MSK = ZoneInfo("Europe/Moscow")
WEEK = schedule(MSK, "09:00-18:00", "mon-fri")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026: the 4th is a Friday, the 7th a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=MSK).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (msk(1, 10), 15, msk(1, 10, 15)),  # inside the day
        (msk(1, 17, 50), 15, msk(2, 9, 5)),  # across the end of the day
        (msk(4, 17, 55), 15, msk(7, 9, 10)),  # Friday evening to Monday morning
        (msk(5, 12), 15, msk(7, 9, 15)),  # arriving on Saturday
        (msk(1, 7, 30), 15, msk(1, 9, 15)),  # arriving before the day starts
        (msk(1, 20), 15, msk(2, 9, 15)),  # arriving after it ends
        (msk(1, 17, 45), 15, msk(1, 18)),  # ending exactly at closing time
        (msk(1, 10), 600, msk(2, 11)),  # a rule longer than a working day (9 h)
        (msk(4, 10), 60 * 9 * 2, msk(8, 10)),  # 18 h from Friday 10:00: 8 + 9 + 1
        (msk(1, 10), 0, msk(1, 10)),
    ],
)
def test_working_time(start: datetime, minutes: int, due: datetime) -> None:
    assert WEEK.add(start, timedelta(minutes=minutes)) == due


def test_always_means_wall_clock() -> None:
    always = schedule(MSK, "24/7", "mon-fri")
    assert always.add(msk(5, 23, 50), timedelta(minutes=15)) == msk(6, 0, 5)


def test_fractions_of_a_minute() -> None:
    assert WEEK.add(msk(1, 10), timedelta(seconds=3)) == msk(1, 10) + timedelta(seconds=3)


def test_days_and_hours_parse() -> None:
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("1-5,7") == frozenset({0, 1, 2, 3, 4, 6})
    assert parse_days("sat, sun") == frozenset({5, 6})
    for bad in ("", "fri-mon", "funday", "8"):
        with pytest.raises(InvalidInput):
            parse_days(bad)
    for bad in ("9-18", "18:00-09:00", "25:00-26:00"):
        with pytest.raises(InvalidInput):
            schedule(MSK, bad, "mon-fri")
    assert schedule(MSK, "08:30-17:15", "mon-sat") == WorkSchedule(
        MSK, time(8, 30), time(17, 15), frozenset(range(6))
    )


def test_minutes_text() -> None:
    assert [minutes_text(timedelta(seconds=s)) for s in (5, 300, 7260, 7200)] == [
        "5 с",
        "5 мин",
        "2 ч 1 мин",
        "2 ч",
    ]


def test_working_time_counts_real_time_across_a_change_of_the_clocks() -> None:
    """25 Oct 2026, Berlin: 03:00 summer time is 02:00 winter time, an hour the face repeats.
    Two working hours from 01:30 summer time (23:30 UTC) end at 01:30 UTC, not an hour later."""
    berlin = WorkSchedule(ZoneInfo("Europe/Berlin"), time(0), time(23, 59), frozenset(range(7)))
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert berlin.add(start, timedelta(hours=2)) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    spring = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 winter time; 02:00 is skipped
    assert berlin.add(spring, timedelta(hours=2)) == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["0", "0,000000001", "0.01", "-5", "50000"])
def test_a_departments_minutes_are_a_second_to_a_month(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_minutes(raw)
    assert parse_minutes("0,02") == 0.02 and parse_minutes(" 15 ") == 15

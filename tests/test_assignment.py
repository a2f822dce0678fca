"""The choice of the manager a new lead goes to (#14 §6), as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.assignment import AssignMode, Candidate, Skip, at_work, choose, in_turn
from domain.sla import WorkSchedule

ZONE = ZoneInfo("Europe/Moscow")
OFFICE = WorkSchedule(ZONE, time(9), time(18), frozenset(range(5)))
ALWAYS = WorkSchedule(ZONE, always=True)
TUESDAY_NOON = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
TUESDAY_NIGHT = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
RR, LL, MANUAL = AssignMode.ROUND_ROBIN, AssignMode.LEAST_LOADED, AssignMode.MANUAL


def manager(
    member_id: int,
    open_leads: int = 0,
    *,
    active: bool = True,
    blocked: bool = False,
    hours: WorkSchedule = OFFICE,
) -> Candidate:
    return Candidate(member_id, active, blocked, open_leads, hours)


def chosen(mode: AssignMode, candidates: list[Candidate], last: int | None = None) -> int | None:
    return choose(mode, candidates, last, TUESDAY_NOON).member_id


def test_round_robin_takes_the_next_after_the_last_and_wraps_around() -> None:
    team = [manager(3), manager(7), manager(5)]
    assert chosen(RR, team) == 3
    assert chosen(RR, team, last=3) == 5
    assert chosen(RR, team, last=5) == 7
    assert chosen(RR, team, last=7) == 3


def test_round_robin_gives_each_his_turn_over_a_round() -> None:
    team = [manager(1), manager(2), manager(3)]
    last, got = None, []
    for _ in range(6):
        last = chosen(RR, team, last)
        got.append(last)
    assert got == [1, 2, 3, 1, 2, 3]


def test_round_robin_ignores_the_load() -> None:
    assert chosen(RR, [manager(1, 9), manager(2, 0)], last=None) == 1


def test_the_last_one_gone_from_the_team_keeps_the_ring_turning() -> None:
    assert chosen(RR, [manager(1), manager(4)], last=2) == 4
    assert chosen(RR, [manager(1), manager(4)], last=9) == 1


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        (manager(2, active=False), Skip.SWITCHED_OFF),
        (manager(2, blocked=True), Skip.BLOCKED),
        (manager(2, hours=WorkSchedule(ZONE, time(14), time(18))), Skip.OFF_HOURS),
    ],
)
def test_a_manager_who_cannot_take_it_now_is_skipped_with_the_reason(
    who: Candidate, reason: Skip
) -> None:
    for mode in (RR, LL):
        choice = choose(mode, [manager(1, 5), who, manager(3, 5)], 1, TUESDAY_NOON)
        assert choice.member_id == 3
        assert choice.skipped == {2: reason}


def test_switched_off_is_said_before_blocked_and_off_hours() -> None:
    gone = manager(1, active=False, blocked=True)
    assert choose(RR, [gone], None, TUESDAY_NIGHT).skipped == {1: Skip.SWITCHED_OFF}


def test_least_loaded_takes_the_fewest_open_leads() -> None:
    assert chosen(LL, [manager(1, 4), manager(2, 1), manager(3, 2)]) == 2


def test_least_loaded_shares_among_equals_in_turn() -> None:
    team = [manager(1, 2), manager(2, 1), manager(3, 1)]
    assert chosen(LL, team, last=None) == 2
    assert chosen(LL, team, last=2) == 3
    assert chosen(LL, team, last=3) == 2


def test_nobody_at_work_is_no_choice() -> None:
    choice = choose(RR, [manager(1), manager(2)], None, TUESDAY_NIGHT)
    assert choice.member_id is None
    assert choice.skipped == {1: Skip.OFF_HOURS, 2: Skip.OFF_HOURS}


def test_no_managers_is_no_choice() -> None:
    assert chosen(RR, []) is None
    assert chosen(LL, []) is None


def test_by_hand_nobody_is_chosen() -> None:
    assert chosen(MANUAL, [manager(1), manager(2)]) is None


def test_hours_round_the_clock_take_any_moment() -> None:
    assert chosen(RR, [manager(1, hours=ALWAYS)], None) == 1
    assert choose(RR, [manager(1, hours=ALWAYS)], None, TUESDAY_NIGHT).member_id == 1


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        (datetime(2026, 12, 1, 6, 0, tzinfo=UTC), True),  # 09:00 opens
        (datetime(2026, 12, 1, 5, 59, tzinfo=UTC), False),
        (datetime(2026, 12, 1, 14, 59, tzinfo=UTC), True),
        (datetime(2026, 12, 1, 15, 0, tzinfo=UTC), False),  # 18:00 closes
        (datetime(2026, 12, 5, 9, 0, tzinfo=UTC), False),  # a Saturday
    ],
)
def test_at_work_reads_the_hours_in_their_zone(moment: datetime, open_now: bool) -> None:
    assert at_work(OFFICE, moment) is open_now


def test_in_turn_starts_after_the_last() -> None:
    assert in_turn([5, 1, 3], None) == [1, 3, 5]
    assert in_turn([5, 1, 3], 3) == [5, 1, 3]
    assert in_turn([5, 1, 3], 5) == [1, 3, 5]


def test_the_modes_have_words() -> None:
    assert RR.reason == "по очереди"
    assert {m.label for m in AssignMode} == {"Вручную", "По очереди", "Наименее загруженному"}

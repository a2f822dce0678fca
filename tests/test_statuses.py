"""The lead status machine (R2.9, R2.11, R2.16)."""

import pytest

from domain.statuses import (
    BACKWARD,
    FORWARD,
    OPEN_STAGES,
    LeadStatus,
    StatusKind,
    TransitionRefused,
    check_move,
)

S = LeadStatus


def test_every_status_has_a_russian_label_and_a_meaning() -> None:
    assert [s.label for s in S] == [
        "Не обработан",
        "Назначен ответственный",
        "В работе",
        "Обработан",
        "Качественный лид",
        "Некачественный лид",
    ]
    assert [s for s in S if s.kind is StatusKind.OPEN] == list(OPEN_STAGES)
    assert S.CONVERTED.kind is StatusKind.SUCCESS and S.JUNK.kind is StatusKind.FAILURE


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.ASSIGNED),
        (S.ASSIGNED, S.IN_PROCESS),
        (S.ASSIGNED, S.PROCESSED),  # skipping a stage is allowed
        (S.ASSIGNED, S.CONVERTED),  # R2.12: convert at once
        (S.IN_PROCESS, S.PROCESSED),
        (S.PROCESSED, S.CONVERTED),
    ],
)
def test_forward_moves(current: LeadStatus, target: LeadStatus) -> None:
    check_move(current, target, may_move_back=False)


def test_new_leaves_only_by_assignment_or_junk() -> None:
    assert FORWARD[S.NEW] == {S.ASSIGNED, S.JUNK}
    with pytest.raises(TransitionRefused, match="«Не обработан» нельзя перейти в «В работе»"):
        check_move(S.NEW, S.IN_PROCESS, may_move_back=True)


@pytest.mark.parametrize("final", [S.CONVERTED, S.JUNK])
@pytest.mark.parametrize("target", list(S))
def test_finals_are_terminal(final: LeadStatus, target: LeadStatus) -> None:
    with pytest.raises(TransitionRefused):
        check_move(final, target, may_move_back=True, reason="x")


@pytest.mark.parametrize("current", list(OPEN_STAGES))
def test_every_open_stage_may_end_as_junk(current: LeadStatus) -> None:
    """R2.16: whatever stage a lead reached, it may turn out junk (with a reason)."""
    assert S.JUNK in FORWARD[current]
    check_move(current, S.JUNK, may_move_back=False, reason="дубль")


def test_junk_needs_a_reason() -> None:
    for reason in (None, "", "   "):
        with pytest.raises(TransitionRefused, match="Укажите причину"):
            check_move(S.IN_PROCESS, S.JUNK, may_move_back=False, reason=reason)
    check_move(S.IN_PROCESS, S.JUNK, may_move_back=False, reason="спам")


def test_moving_back_is_a_supervisors_correction() -> None:
    with pytest.raises(TransitionRefused, match="только руководитель"):
        check_move(S.PROCESSED, S.IN_PROCESS, may_move_back=False)
    check_move(S.PROCESSED, S.IN_PROCESS, may_move_back=True)
    check_move(S.IN_PROCESS, S.ASSIGNED, may_move_back=True)
    # Back to NEW would lose the responsible: not a move, a reassignment.
    assert all(S.NEW not in targets for targets in BACKWARD.values())


def test_same_status_is_refused_with_a_readable_message() -> None:
    with pytest.raises(TransitionRefused, match="уже в статусе «В работе»"):
        check_move(S.IN_PROCESS, S.IN_PROCESS, may_move_back=True)

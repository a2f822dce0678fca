"""The Lead's behaviour (R2.5, R2.9, R2.11-R2.16) on plain objects: no database, no clock.

Every method checks its rule, changes the lead and returns the lines of history (R2.8) to
record; a refusal leaves the lead exactly as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import DomainError, InvalidInput
from domain.model import (
    NOT_ASSIGNABLE,
    Company,
    Deal,
    Event,
    JunkReason,
    Lead,
    LeadEvent,
    LeadSource,
    Member,
    Role,
    Subject,
)
from domain.services import history
from domain.statuses import BACKWARD, FORWARD, OPEN_STAGES, LeadStatus, TransitionRefused

S = LeadStatus
CREATED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOW = CREATED + timedelta(hours=2, minutes=7, seconds=3)  # whatever the caller says it is
EARLIER = CREATED + timedelta(minutes=20)

ANNA = Member(11, "Аннова Анна", Role.MANAGER, 1, id=1)
BORIS = Member(12, "Бобров Борис", Role.MANAGER, 1, id=2)
OFFICE = Member(13, "Офисова Ольга", Role.OFFICE_MANAGER, 1, id=3)
BOSS = Member(14, "Шефов Шеф", Role.SUPERVISOR, 1, id=4)
STRANGER = Member(15, "Чужой Чук", Role.MANAGER, 2, id=5)
GONE = Member(16, "Ушедший Уже", Role.MANAGER, 1, active=False, id=6)


def lead_at(status: LeadStatus, **changes: Any) -> Lead:
    """A lead of department 1 in `status`, as the bot would have left it there."""
    lead = Lead(
        title="Окна",
        source=LeadSource.WEB,
        department_id=1,
        created_at=CREATED,
        status=status,
        status_changed_at=EARLIER,
        id=7,
        version=3,
    )
    if status is not S.NEW:
        lead.responsible_id = ANNA.id
        lead.assigned_by_id = OFFICE.id
        lead.assigned_at = EARLIER
        lead.notified_at = EARLIER
    if status not in (S.NEW, S.ASSIGNED):
        lead.first_contact_at = EARLIER
    return replace(lead, **changes)


def event(actor: Member, kind: str, field: str | None, old: str | None, new: str | None) -> Event:
    return Event(NOW, actor.id, kind, field, old, new)


def status_event(actor: Member, old: LeadStatus, new: LeadStatus) -> Event:
    return event(actor, "status", "status", old.label, new.label)


MOVES = [(current, target) for current in S for target in S]
FORWARD_MOVES = [(c, t) for c, t in MOVES if t in FORWARD[c] and not t.is_final and c is not S.NEW]
BACKWARD_MOVES = [(c, t) for c, t in MOVES if t in BACKWARD[c]]


def test_the_moves_a_member_makes_are_the_table() -> None:
    """R2.9: forward to any later open stage (skipping allowed); back is a supervisor's."""
    assert FORWARD_MOVES == [
        (S.ASSIGNED, S.IN_PROCESS),
        (S.ASSIGNED, S.PROCESSED),
        (S.IN_PROCESS, S.PROCESSED),
    ]
    assert BACKWARD_MOVES == [
        (S.IN_PROCESS, S.ASSIGNED),
        (S.PROCESSED, S.ASSIGNED),
        (S.PROCESSED, S.IN_PROCESS),
    ]


@pytest.mark.parametrize(("current", "target"), FORWARD_MOVES)
@pytest.mark.parametrize("may_move_back", [False, True])
def test_a_move_forward(current: LeadStatus, target: LeadStatus, may_move_back: bool) -> None:
    """The status and its time change, one history line says so; a lead that goes into work
    from «Назначен» has had its first contact now (R2.15); nothing else changes."""
    lead = lead_at(current)
    before = replace(lead)
    events = lead.move_to(target, ANNA, NOW, may_move_back=may_move_back)
    assert events == [status_event(ANNA, current, target)]
    contact = NOW if current is S.ASSIGNED else EARLIER
    assert lead == replace(before, status=target, status_changed_at=NOW, first_contact_at=contact)


@pytest.mark.parametrize(("current", "target"), FORWARD_MOVES)
def test_a_move_forward_keeps_a_first_contact_made_before(
    current: LeadStatus, target: LeadStatus
) -> None:
    """A lead made by its manager during the talk (R2.12), or moved back and on again,
    keeps the moment of its first contact."""
    lead = lead_at(current, first_contact_at=CREATED)
    lead.move_to(target, ANNA, NOW)
    assert lead.first_contact_at == CREATED


@pytest.mark.parametrize(("current", "target"), BACKWARD_MOVES)
def test_a_move_back_is_a_supervisors_correction(current: LeadStatus, target: LeadStatus) -> None:
    lead = lead_at(current)
    before = replace(lead)
    with pytest.raises(TransitionRefused, match="Вернуть лид на прошлую стадию может только"):
        lead.move_to(target, ANNA, NOW)
    assert lead == before
    events = lead.move_to(target, BOSS, NOW, may_move_back=True)
    assert events == [status_event(BOSS, current, target)]
    # Back to «Назначен» the lead keeps its first contact: no new R2.15 clock.
    assert lead == replace(before, status=target, status_changed_at=NOW)


# Every move move_to refuses, with the error a member reads.
REFUSED: list[tuple[LeadStatus, LeadStatus, type[DomainError], str]] = [
    *((c, c, TransitionRefused, f"Лид уже в статусе «{c.label}».") for c in OPEN_STAGES),
    *(
        (c, t, InvalidInput, "Для этого есть кнопки «Конвертировать» и «Некачественный».")
        for c in S
        for t in (S.CONVERTED, S.JUNK)
    ),
    (S.NEW, S.ASSIGNED, TransitionRefused, "Из «Не обработан» лид выводит назначение"),
    (S.NEW, S.IN_PROCESS, TransitionRefused, "Из статуса «Не обработан» нельзя перейти в «В"),
    (S.NEW, S.PROCESSED, TransitionRefused, "Из статуса «Не обработан» нельзя перейти в «Об"),
    (S.ASSIGNED, S.NEW, TransitionRefused, "Из статуса «Назначен ответственный» нельзя"),
    (S.IN_PROCESS, S.NEW, TransitionRefused, "Из статуса «В работе» нельзя перейти в «Не"),
    (S.PROCESSED, S.NEW, TransitionRefused, "Из статуса «Обработан» нельзя перейти в «Не"),
    *(
        (c, t, TransitionRefused, f"Лид уже закрыт («{c.label}»): его статус больше не меняется.")
        for c in (S.CONVERTED, S.JUNK)
        for t in OPEN_STAGES
    ),
]


def test_every_move_is_either_made_or_refused() -> None:
    made = {*FORWARD_MOVES, *BACKWARD_MOVES}
    refused = {(c, t) for c, t, _, _ in REFUSED}
    assert made.isdisjoint(refused) and made | refused == set(MOVES)


@pytest.mark.parametrize(("current", "target", "error", "message"), REFUSED)
def test_a_refused_move_says_why_and_changes_nothing(
    current: LeadStatus, target: LeadStatus, error: type[DomainError], message: str
) -> None:
    lead = lead_at(current)
    before = replace(lead)
    with pytest.raises(error) as refused:
        lead.move_to(target, BOSS, NOW, may_move_back=True)
    assert type(refused.value) is error and refused.value.message.startswith(message)
    assert lead == before


def test_the_first_assignment() -> None:
    """R2.11: the office manager names the manager; the lead is «Назначен ответственный»
    and R2.15's clock waits for his card (no `notified_at` yet)."""
    lead = lead_at(S.NEW, notified_at=EARLIER)
    before = replace(lead)
    events = lead.assign(ANNA, OFFICE, NOW)
    assert events == [
        event(OFFICE, "assigned", "responsible", None, "Аннова Анна"),
        status_event(OFFICE, S.NEW, S.ASSIGNED),
    ]
    assert lead == replace(
        before,
        status=S.ASSIGNED,
        status_changed_at=NOW,
        responsible_id=ANNA.id,
        assigned_by_id=OFFICE.id,
        assigned_at=NOW,
        notified_at=None,
        first_contact_at=None,
    )


@pytest.mark.parametrize("status", [S.ASSIGNED, S.IN_PROCESS, S.PROCESSED])
def test_a_hand_over_restarts_the_contact_clock_fields(status: LeadStatus) -> None:
    """The supervisor gives an open lead to another manager: its stage stays, the history
    names both, and the new one's clock starts from his card (assigned now, not notified)."""
    lead = lead_at(status)
    before = replace(lead)
    events = lead.assign(BORIS, BOSS, NOW, previous=ANNA)
    assert events == [event(BOSS, "reassigned", "responsible", "Аннова Анна", "Бобров Борис")]
    assert lead == replace(
        before, responsible_id=BORIS.id, assigned_by_id=BOSS.id, assigned_at=NOW, notified_at=None
    )


def test_a_hand_over_of_a_lead_nobody_held() -> None:
    lead = lead_at(S.IN_PROCESS, responsible_id=None)
    events = lead.assign(BORIS, BOSS, NOW)
    assert events == [event(BOSS, "reassigned", "responsible", "никто", "Бобров Борис")]


@pytest.mark.parametrize(
    ("status", "manager", "error", "message"),
    [
        *((s, who, InvalidInput, NOT_ASSIGNABLE) for s in OPEN_STAGES
          for who in (OFFICE, BOSS, STRANGER, GONE)),
        *((s, ANNA, InvalidInput, "Аннова Анна уже отвечает за этот лид.")
          for s in (S.ASSIGNED, S.IN_PROCESS, S.PROCESSED)),
        *((s, BORIS, TransitionRefused, f"Лид уже закрыт («{s.label}»): ответственного не")
          for s in (S.CONVERTED, S.JUNK)),
    ],
)  # fmt: skip
def test_who_cannot_be_given_a_lead(
    status: LeadStatus, manager: Member, error: type[DomainError], message: str
) -> None:
    """Only an active manager of the lead's department holds it (R2.11); not the one who
    holds it already; a closed lead changes hands no more."""
    lead = lead_at(status)
    before = replace(lead)
    with pytest.raises(error) as refused:
        lead.assign(manager, BOSS, NOW, previous=ANNA)
    assert type(refused.value) is error and refused.value.message.startswith(message)
    assert lead == before


@pytest.mark.parametrize("reason", [JunkReason.SPAM, JunkReason.NOT_TARGET, JunkReason.DUPLICATE])
@pytest.mark.parametrize("status", list(OPEN_STAGES))
def test_junk_from_any_open_stage_with_its_reason(status: LeadStatus, reason: JunkReason) -> None:
    """R2.16: whatever stage a lead reached, it may end as junk; the reason is kept."""
    lead = lead_at(status, next_contact_at=NOW + timedelta(days=1))
    before = replace(lead)
    events = lead.mark_junk(reason, ANNA, NOW, detail="не нужно")  # a detail only for OTHER
    assert events == [
        status_event(ANNA, status, S.JUNK),
        event(ANNA, "junk", "junk_reason", None, reason.label),
    ]
    assert lead == replace(before, status=S.JUNK, status_changed_at=NOW, junk_reason=reason.label)


def test_the_reasons_read_as_the_manual_names_them() -> None:
    assert [r.text() for r in JunkReason if r is not JunkReason.OTHER] == [
        "спам",
        "нецелевой",
        "дубль",
    ]


def test_another_reason_is_the_members_own_words() -> None:
    lead = lead_at(S.PROCESSED)
    events = lead.mark_junk(JunkReason.OTHER, ANNA, NOW, detail="  ошиблись\u200b   номером ")
    assert lead.junk_reason == "ошиблись номером"
    assert events[-1] == event(ANNA, "junk", "junk_reason", None, "ошиблись номером")


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        (None, "Напишите причину, по которой лид некачественный."),
        ("   ", "Напишите причину, по которой лид некачественный."),
        ("\u200b", "Причина: пустое значение, напишите текстом."),
        ("я" * 501, "Причина: не длиннее 500 символов."),
    ],
)
def test_another_reason_must_be_written(detail: str | None, message: str) -> None:
    lead = lead_at(S.IN_PROCESS)
    before = replace(lead)
    with pytest.raises(InvalidInput) as refused:
        lead.mark_junk(JunkReason.OTHER, ANNA, NOW, detail=detail)
    assert (refused.value.field, refused.value.message) == ("junk_reason", message)
    assert lead == before


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.CONVERTED, "Лид уже закрыт («Качественный лид»): его статус больше не меняется."),
        (S.JUNK, "Лид уже в статусе «Некачественный лид»."),
    ],
)
def test_a_closed_lead_is_no_junk_again(status: LeadStatus, message: str) -> None:
    lead = lead_at(status, junk_reason="дубль" if status is S.JUNK else None)
    before = replace(lead)
    with pytest.raises(TransitionRefused) as refused:
        lead.mark_junk(JunkReason.SPAM, ANNA, NOW)
    assert refused.value.message == message
    assert lead == before


def a_deal(deal_id: int | None = 40) -> Deal:
    return Deal("Окна", 1, pipeline_id=1, stage="NEW", created_at=NOW, id=deal_id)


@pytest.mark.parametrize("status", [S.ASSIGNED, S.IN_PROCESS, S.PROCESSED])
def test_conversion(status: LeadStatus) -> None:
    """R2.12, R2.13: from any stage after assignment the lead ends converted into its deal."""
    lead = lead_at(status)
    before = replace(lead)
    lead.check_convert()
    events = lead.convert(a_deal(), Company("Ромашка ООО", id=3), ANNA, NOW)
    assert events == [
        status_event(ANNA, status, S.CONVERTED),
        event(ANNA, "converted", "deal", None, "сделка #40, Ромашка ООО"),
    ]
    assert lead == replace(before, status=S.CONVERTED, status_changed_at=NOW, deal_id=40)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.NEW, "Из статуса «Не обработан» нельзя перейти в «Качественный лид»."),
        (S.CONVERTED, "Лид уже в статусе «Качественный лид»."),
        (S.JUNK, "Лид уже закрыт («Некачественный лид»): его статус больше не меняется."),
    ],
)
def test_what_cannot_convert(status: LeadStatus, message: str) -> None:
    lead = lead_at(status)
    before = replace(lead)
    with pytest.raises(TransitionRefused) as early:
        lead.check_convert()
    with pytest.raises(TransitionRefused) as late:
        lead.convert(a_deal(), Company("Ромашка ООО", id=3), ANNA, NOW)
    assert early.value.message == late.value.message == message
    assert lead == before


def test_the_first_call_starts_the_work() -> None:
    """R2.5, R2.15: «Позвонил» on a lead still «Назначен» takes it into work."""
    lead = lead_at(S.ASSIGNED, next_contact_at=NOW - timedelta(minutes=1))
    before = replace(lead)
    events = lead.mark_called(ANNA, NOW)
    assert events == [
        event(ANNA, "called", None, None, None),
        status_event(ANNA, S.ASSIGNED, S.IN_PROCESS),
    ]
    assert lead == replace(
        before,
        status=S.IN_PROCESS,
        status_changed_at=NOW,
        first_contact_at=NOW,
        next_contact_at=None,
    )


@pytest.mark.parametrize("status", [S.NEW, S.IN_PROCESS, S.PROCESSED])
def test_a_later_call_only_ends_the_agreed_one(status: LeadStatus) -> None:
    lead = lead_at(status, next_contact_at=NOW - timedelta(minutes=1))
    before = replace(lead)
    assert lead.mark_called(ANNA, NOW) == [event(ANNA, "called", None, None, None)]
    assert lead == replace(before, next_contact_at=None)


@pytest.mark.parametrize("status", [S.CONVERTED, S.JUNK])
def test_a_closed_lead_takes_no_call(status: LeadStatus) -> None:
    lead = lead_at(status, next_contact_at=NOW)
    before = replace(lead)
    with pytest.raises(TransitionRefused, match="изменить его нельзя"):
        lead.mark_called(ANNA, NOW)
    assert lead == before


def test_an_event_shows_its_values_as_text() -> None:
    assert Event.of(None, NOW, "field", "comment", 5, None) == Event(
        NOW, None, "field", "comment", "5", None
    )
    assert Event.of(ANNA, NOW, "created", new="Окна") == Event(
        NOW, 1, "created", None, None, "Окна"
    )


class FakeLeadEvents:
    def __init__(self) -> None:
        self.rows: list[LeadEvent] = []

    async def add(self, event: LeadEvent) -> None:
        self.rows.append(event)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.lead_events = FakeLeadEvents()


async def test_the_events_go_into_their_subjects_history_in_order() -> None:
    lead = lead_at(S.NEW)
    events = lead.assign(ANNA, OFFICE, NOW)
    uow = FakeUnitOfWork()
    await history.record(uow, Subject.lead(7), events)  # type: ignore[arg-type]
    assert uow.lead_events.rows == [
        LeadEvent(7, NOW, OFFICE.id, "assigned", "responsible", None, "Аннова Анна"),
        LeadEvent(7, NOW, OFFICE.id, "status", "status", "Не обработан", "Назначен ответственный"),
    ]

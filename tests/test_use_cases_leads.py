"""The lead's use cases against the fake unit of work: intake, assignment, stages, junk,
conversion, calls (R2.3-R2.16). What each leaves stored (the lead, its history, its clocks,
the messages owed) is the assertion; a refusal leaves everything as it was."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from domain.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleState,
    WrittenMeanwhile,
)
from domain.lead_fields import LeadField
from domain.model import (
    NOT_ASSIGNABLE,
    Company,
    Contact,
    JunkReason,
    Lead,
    LeadSource,
    Press,
    SkipReason,
    Subject,
)
from domain.services import conversion, lead_history, lead_moves, leads, live_cards
from domain.statuses import LeadStatus, TransitionRefused
from tests.fake_uow import FakeDatabase
from tests.use_case_world import NOW, World, assigned_lead, make_world, minutes, web_lead

S = LeadStatus
NEW, ASSIGNED, IN_PROCESS = S.NEW.label, S.ASSIGNED.label, S.IN_PROCESS.label
CARD, TEXT = "card", "text"


@pytest.fixture
async def w() -> World:
    return await make_world()


# -- the fake itself ---------------------------------------------------------------------


async def test_a_unit_of_work_shows_its_writes_to_others_only_once_committed(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow, w.db() as other:
        mine = await uow.leads.get(lead.id or 0)
        assert mine is not None
        mine.title = "Двери"
        assert await uow.leads.update_if(mine, expected_status=S.ASSIGNED)
        assert (await uow.leads.get(lead.id or 0)).title == "Двери"  # type: ignore[union-attr]
        assert (await other.leads.get(lead.id or 0)).title == lead.title  # type: ignore[union-attr]
        await uow.rollback()
        assert (await uow.leads.get(lead.id or 0)).title == lead.title  # type: ignore[union-attr]
        mine.version -= 1
        assert await uow.leads.update_if(mine, expected_status=S.ASSIGNED)
        await uow.commit()
        assert (await other.leads.get(lead.id or 0)).title == "Двери"  # type: ignore[union-attr]
    # Changing a loaded copy changes nothing stored; a stale version writes nothing.
    stale = await w.lead(lead.id or 0)
    stale.version -= 1
    async with w.db() as uow:
        assert not await uow.leads.update_if(stale, expected_status=S.ASSIGNED)
        assert not await uow.leads.update_if(
            await w.lead(lead.id or 0), expected_status=S.IN_PROCESS
        )
        assert not await uow.leads.update_if(
            await w.lead(lead.id or 0), expected_status=S.ASSIGNED, expected_responsible=None
        )


async def test_a_use_case_that_fails_leaves_nothing_behind() -> None:
    db = FakeDatabase()
    with pytest.raises(RuntimeError):
        async with db() as uow:
            await uow.companies.add(Company("Ромашка ООО", created_at=NOW))
            raise RuntimeError("use case failed")
    async with db() as uow:
        await uow.companies.add(Company("Лютик ООО", created_at=NOW))
        await uow.commit()
        await uow.contacts.add(Contact("Иван", created_at=NOW))
    assert [c.name for c in db.rows("companies")] == ["Лютик ООО"]
    assert db.rows("contacts") == []


# -- intake (R2.3, R2.4, R2.11, R2.12) ----------------------------------------------------


async def test_a_web_lead_waits_in_the_pool_with_its_clocks(w: World) -> None:
    """R2.4: named from what is known, the responsible to rename it; R2.11: its card goes to
    the office manager and the supervisor; R2.2 and R2.14 start at its arrival."""
    lead = await web_lead(w, name="Иван", company="Ромашка ООО")
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.responsible_id, stored.title, stored.title_is_auto) == (
        S.NEW,
        None,
        "Ромашка ООО — Иван (сайт)",
        True,
    )
    assert (stored.status_changed_at, stored.first_contact_at, stored.creator_id) == (
        NOW,
        None,
        None,
    )
    assert w.history(lead.id or 0) == [("created", None, None, "Ромашка ООО — Иван (сайт)", None)]
    assert w.timers(lead.id or 0) == [
        ("unassigned", NOW + minutes(10), None),
        ("processing_breach", NOW + minutes(60), None),
    ]
    subject = Subject.lead(lead.id or 0)
    assert sorted(w.sent()) == sorted(
        [(w.office.id, CARD, subject, True, None), (w.boss.id, CARD, subject, True, None)]
    )


async def test_a_lead_with_a_title_keeps_it(w: World) -> None:
    lead = await web_lead(w, title="Окна на дачу", name="Иван")
    assert (lead.title, lead.title_is_auto) == ("Окна на дачу", False)


async def test_a_manager_who_makes_a_lead_holds_it_and_has_contacted_the_client(w: World) -> None:
    """R2.12: made during the talk, the lead is his, «Назначен», contacted already: no
    contact clock (R2.15), R2.2's deadline runs, nobody else's card."""
    async with w.db() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван", LeadField.PHONE: "+79121234567"},
            source=LeadSource.CALL,
            department_id=w.sales,
            creator=w.anna,
            now=NOW,
        )
    lead = await w.lead(intake.lead.id or 0)
    assert intake.created
    assert (lead.status, lead.responsible_id, lead.assigned_by_id, lead.creator_id) == (
        S.ASSIGNED,
        w.anna.id,
        w.anna.id,
        w.anna.id,
    )
    assert (lead.assigned_at, lead.first_contact_at, lead.title) == (NOW, NOW, "Иван (звонок)")
    assert w.history(lead.id or 0) == [("created", None, None, "Иван (звонок)", w.anna.id)]
    assert w.timers(lead.id or 0) == [("processing_breach", NOW + minutes(60), None)]
    assert w.sent() == [(w.anna.id, CARD, Subject.lead(lead.id or 0), True, None)]


async def test_an_office_manager_who_makes_a_lead_puts_it_in_the_pool(w: World) -> None:
    async with w.db() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.MANUAL,
            department_id=w.sales,
            creator=w.office,
            now=NOW,
        )
    lead = await w.lead(intake.lead.id or 0)
    assert (lead.status, lead.responsible_id, lead.creator_id) == (S.NEW, None, w.office.id)
    assert sorted(m for m, *_ in w.sent()) == sorted([w.office.id, w.boss.id])
    assert [t[0] for t in w.timers(lead.id or 0)] == ["unassigned", "processing_breach"]


async def test_a_lead_is_made_only_in_ones_own_department(w: World) -> None:
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(NotAllowed):
            await leads.create_lead(
                uow,
                values={LeadField.NAME: "Иван"},
                source=LeadSource.MANUAL,
                department_id=w.sales,
                creator=w.stranger,
                now=NOW,
            )
    assert w.snapshot() == before


async def test_a_retried_post_makes_no_second_lead(w: World) -> None:
    async def post() -> leads.Intake:
        async with w.db() as uow:
            return await leads.create_lead(
                uow,
                values={LeadField.NAME: "Иван"},
                source=LeadSource.WEB,
                department_id=w.sales,
                creator=None,
                now=NOW,
                external_id="form-4711",
            )

    first = await post()
    before = w.snapshot()
    again = await post()
    assert (first.created, again.created, again.lead.id) == (True, False, first.lead.id)
    assert w.snapshot() == before


async def test_a_concurrent_retry_is_answered_with_the_lead_that_won(w: World) -> None:
    """The other post committed between this one's look-up and its insert."""
    first = await web_lead(w)
    async with w.db() as uow:
        won = await uow.leads.get(first.id or 0)
        assert won is not None
        won.external_id = "form-1"
        uow.database.tables["leads"][won.id] = won
    async with w.db() as uow:
        original = uow.leads.by_external_id
        calls = 0

        async def miss_first(external_id: str):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            return None if calls == 1 else await original(external_id)

        uow.leads.by_external_id = miss_first  # type: ignore[method-assign]
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=w.sales,
            creator=None,
            now=NOW,
            external_id="form-1",
        )
    assert (intake.created, intake.lead.id) == (False, first.id)
    assert len(w.db.rows("leads")) == 1


async def test_the_intake_department_is_the_one_named_else_the_first(w: World) -> None:
    async with w.db() as uow:
        assert await leads.intake_department(uow, None) == w.sales
        assert await leads.intake_department(uow, " розница ") == w.retail
        with pytest.raises(InvalidInput, match="Отдела «Опт» нет"):
            await leads.intake_department(uow, "Опт")
    async with FakeDatabase()() as uow:
        with pytest.raises(InvalidInput, match="ещё нет ни одного отдела"):
            await leads.intake_department(uow, None)


# -- assignment (R2.11, R2.15) ------------------------------------------------------------


async def test_assigning_a_pool_lead_starts_the_managers_contact_clock(w: World) -> None:
    lead = await web_lead(w)
    lead_id = lead.id or 0
    subject = Subject.lead(lead_id)
    w.db.hold_card(subject, w.office.id or 0, 50)
    w.db.hold_card(subject, w.boss.id or 0, 51)
    w.db.send_all(NOW)  # the pool's cards reached them
    events, sent = w.marks(lead_id)
    later = NOW + minutes(3)
    press = Press(w.office.id or 0, 50)
    async with w.db() as uow:
        returned = await leads.assign_lead(uow, w.office, lead_id, w.anna.id or 0, later, press)
    async with w.db() as uow:
        left = await live_cards.left_to_press(uow, subject, press)
    stored = await w.lead(lead_id)
    assert returned.responsible_id == stored.responsible_id == w.anna.id
    assert (stored.status, stored.assigned_by_id, stored.assigned_at, stored.notified_at) == (
        S.ASSIGNED,
        w.office.id,
        later,
        None,
    )
    assert (stored.status_changed_at, stored.first_contact_at) == (later, None)
    assert w.history(lead_id, events) == [
        ("assigned", "responsible", None, w.anna.full_name, w.office.id),
        ("status", "status", NEW, ASSIGNED, w.office.id),
    ]
    # R2.14's pool clock stops; R2.15's starts: a reminder with a third left, then the breach.
    assert w.timers(lead_id) == [
        ("contact_reminder", later + minutes(10), w.anna.id),
        ("contact_breach", later + minutes(15), w.anna.id),
        ("processing_breach", NOW + minutes(60), None),
    ]
    # Anna gets a new card; the supervisor's copy is edited; the office manager's pressed
    # copy is left to the answer to his press.
    assert sorted(w.sent(sent)) == sorted(
        [(w.anna.id, CARD, subject, True, None), (w.boss.id, CARD, subject, False, None)]
    )
    assert left


async def test_the_pressed_card_is_left_to_the_outbox_while_a_card_is_on_its_way(
    w: World,
) -> None:
    """Two writers of one message could land in the wrong order."""
    lead = await web_lead(w)
    subject = Subject.lead(lead.id or 0)
    w.db.hold_card(subject, w.office.id or 0, 50)
    async with w.db() as uow:  # an edit of his card is still unsent
        await leads.refresh_card(uow, w.office, lead.id or 0, NOW)
    sent = len(w.db.outbox())
    press = Press(w.office.id or 0, 50)
    async with w.db() as uow:
        await leads.assign_lead(uow, w.office, lead.id or 0, w.anna.id or 0, NOW, press)
    async with w.db() as uow:
        assert not await live_cards.left_to_press(uow, subject, press)
    assert (w.office.id, CARD, subject, False, None) in w.sent(sent)


async def test_a_first_card_still_on_its_way_is_refreshed_after_a_change(w: World) -> None:
    """The card may have been drawn before the change (Telegram has it, its answer has not
    come back): its member holds no card yet, but is owed a refresh; a holder is refreshed
    as ever, and nobody else gets one."""
    lead = await assigned_lead(w)  # Anna's first card: owed, not yet sent
    subject = Subject.lead(lead.id or 0)
    w.db.hold_card(subject, w.boss.id or 0, 70)
    sent = len(w.db.outbox())
    coming = {m for m, kind, subj, _, _ in w.sent() if (kind, subj) == (CARD, subject)}
    assert w.anna.id in coming and w.boss.id in coming  # Anna's card, the pool's
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    refreshed = [m for m, kind, subj, fresh, _ in w.sent(sent) if kind == CARD]
    assert sorted(refreshed) == sorted(coming | {w.boss.id or 0})
    assert all(not fresh for _, kind, _, fresh, _ in w.sent(sent) if kind == CARD)


@pytest.mark.parametrize("who", ["boris_twice", "office_manager", "gone", "stranger", "unknown"])
async def test_only_an_active_manager_of_the_department_is_assigned(w: World, who: str) -> None:
    lead = await web_lead(w)
    target = {
        "boris_twice": w.boss.id,
        "office_manager": w.office.id,
        "gone": w.gone.id,
        "stranger": w.stranger.id,
        "unknown": 999,
    }[who]
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match=NOT_ASSIGNABLE):
            await leads.assign_lead(uow, w.boss, lead.id or 0, target or 0, NOW)
    assert w.snapshot() == before


async def test_the_second_assignment_is_told_who_took_the_lead(w: World) -> None:
    """R2.11: the first press wins; every other copy says who took it."""
    lead = await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match=re.escape(f"Уже назначен: {w.anna.full_name}.")):
            await leads.assign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, NOW)
    assert w.snapshot() == before


async def test_a_press_that_lost_the_race_is_told_who_won(w: World) -> None:
    """The lead was assigned between this press's read and its write."""
    lead = await web_lead(w)
    async with w.db() as uow:
        read = await uow.leads.get(lead.id or 0)
        async with w.db() as other:
            await leads.assign_lead(other, w.boss, lead.id or 0, w.boris.id or 0, NOW)
        uow.leads.get = _returning(read, uow.leads.get)  # type: ignore[method-assign]
        with pytest.raises(StaleState, match=re.escape(f"Уже назначен: {w.boris.full_name}.")):
            await leads.assign_lead(uow, w.office, lead.id or 0, w.anna.id or 0, NOW)
    stored = await w.lead(lead.id or 0)
    assert stored.responsible_id == w.boris.id


def _returning(first: Lead | None, get: Callable[[int], Awaitable[Lead | None]]) -> Any:
    """A `get` that returns `first` once (what this press read before another unit of work
    wrote the lead), then the stored lead."""
    calls = 0

    async def stale_then_stored(lead_id: int) -> Lead | None:
        nonlocal calls
        calls += 1
        return replace(first) if calls == 1 and first is not None else await get(lead_id)

    return stale_then_stored


async def test_the_answer_to_an_assignment_warns_of_a_manager_who_blocked_the_bot(
    w: World,
) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        assert await leads.assigned_note(uow, lead, "Назначен") == f"Назначен: {w.anna.full_name}"
        anna = await uow.members.get(w.anna.id or 0)
        assert anna is not None
        uow.database.tables["members"][anna.id] = replace(anna, blocked_at=NOW)
        note = await leads.assigned_note(uow, lead, "Назначен")
        assert note.startswith(f"Назначен: {w.anna.full_name}. ⚠️ Она заблокировала бота")
        assert await leads.assigned_note(uow, replace(lead, responsible_id=None), "X") == (
            "X: никто"
        )
        assert await leads.member_name(uow, 999) == "#999"


async def test_a_supervisor_hands_a_lead_over_and_the_new_manager_gets_a_new_clock(
    w: World,
) -> None:
    """R2.11, R2.15: the stage stays; the clock restarts for the new responsible, the agreed
    call goes with the lead, and the previous one is told."""
    lead = await assigned_lead(w)
    lead_id = lead.id or 0
    call = NOW + minutes(120)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead_id, call, NOW)
    w.db.send_all(NOW)  # the cards so far reached their chats
    events, sent = w.marks(lead_id)
    later = NOW + minutes(5)
    async with w.db() as uow:
        await leads.reassign_lead(uow, w.boss, lead_id, w.boris.id or 0, w.anna.id, later)
    stored = await w.lead(lead_id)
    assert (stored.status, stored.responsible_id, stored.assigned_by_id) == (
        S.ASSIGNED,
        w.boris.id,
        w.boss.id,
    )
    assert (stored.assigned_at, stored.notified_at) == (later, None)
    assert w.history(lead_id, events) == [
        ("reassigned", "responsible", w.anna.full_name, w.boris.full_name, w.boss.id)
    ]
    assert w.timers(lead_id) == [
        ("contact_reminder", later + minutes(10), w.boris.id),
        ("contact_breach", later + minutes(15), w.boris.id),
        ("processing_breach", NOW + minutes(60), None),
        ("call_reminder", call, w.boris.id),
    ]
    subject = Subject.lead(lead_id)
    assert w.sent(sent) == [
        (w.anna.id, TEXT, None, False, f"Лид #{lead_id} «Иван (сайт)» передан: Бобров Борис."),
        (w.boris.id, CARD, subject, True, None),
    ]


async def test_a_lead_in_work_changes_hands_without_a_contact_clock(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    async with w.db() as uow:
        await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, w.anna.id, NOW)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.responsible_id) == (S.IN_PROCESS, w.boris.id)
    assert [t[0] for t in w.timers(lead.id or 0)] == ["processing_breach"]


async def test_a_hand_over_is_refused_when_the_lead_changed_hands_or_closed(w: World) -> None:
    lead = await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match=re.escape(f"уже сменился: {w.anna.full_name}")):
            await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, w.boris.id, NOW)
        with pytest.raises(InvalidInput, match="уже отвечает за этот лид"):
            await leads.reassign_lead(uow, w.boss, lead.id or 0, w.anna.id or 0, w.anna.id, NOW)
    assert w.snapshot() == before
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match="Лид уже закрыт"):
            await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, w.anna.id, NOW)
    assert w.snapshot() == before


async def test_handing_over_a_pool_lead_assigns_it(w: World) -> None:
    lead = await web_lead(w)
    async with w.db() as uow:
        await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, None, NOW)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.responsible_id) == (S.ASSIGNED, w.boris.id)
    assert [e[0] for e in w.history(lead.id or 0)] == ["created", "assigned", "status"]


# -- stages (R2.9, R2.10, R2.15) ----------------------------------------------------------


async def test_taking_a_lead_into_work_stops_the_contact_clock(w: World) -> None:
    lead = await assigned_lead(w)
    events, _ = w.marks(lead.id or 0)
    later = NOW + minutes(7)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, later)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.status_changed_at, stored.first_contact_at) == (
        S.IN_PROCESS,
        later,
        later,
    )
    assert w.history(lead.id or 0, events) == [
        ("status", "status", ASSIGNED, IN_PROCESS, w.anna.id)
    ]
    assert w.timers(lead.id or 0) == [("processing_breach", NOW + minutes(60), None)]


async def test_a_stage_may_be_skipped(w: World) -> None:
    """R2.9: straight to «Обработан», with the reason the checklist was skipped (#14 §5);
    the contact clock stops too."""
    lead = await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState):  # a bare move: the reason is asked first
            await leads.move_lead(uow, w.anna, lead.id or 0, S.PROCESSED, S.ASSIGNED, NOW)
    assert w.snapshot() == before
    events, _ = w.marks(lead.id or 0)
    async with w.db() as uow:
        await lead_moves.process_without_checklist(
            uow, w.anna, lead.id or 0, SkipReason.REPEAT, None, NOW
        )
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.first_contact_at) == (S.PROCESSED, NOW)
    assert [t[0] for t in w.timers(lead.id or 0)] == ["processing_breach"]
    assert w.history(lead.id or 0, events) == [
        ("status", "status", ASSIGNED, S.PROCESSED.label, w.anna.id),
        ("skipped", "checklist", None, "повторный клиент", w.anna.id),
    ]


async def test_only_the_supervisor_moves_a_lead_back(w: World) -> None:
    """R2.9: a manager may not go back; the supervisor's correction keeps the first
    contact (no new clock)."""
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(TransitionRefused, match="только руководитель"):
            await leads.move_lead(uow, w.anna, lead.id or 0, S.ASSIGNED, S.IN_PROCESS, NOW)
    assert w.snapshot() == before
    later = NOW + minutes(9)
    async with w.db() as uow:
        await leads.move_lead(uow, w.boss, lead.id or 0, S.ASSIGNED, S.IN_PROCESS, later)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.status_changed_at, stored.first_contact_at) == (
        S.ASSIGNED,
        later,
        NOW,
    )
    assert w.history(lead.id or 0)[-1] == ("status", "status", IN_PROCESS, ASSIGNED, w.boss.id)
    assert [t[0] for t in w.timers(lead.id or 0)] == ["processing_breach"]


async def test_a_move_from_a_stale_card_or_to_an_end_changes_nothing(w: World) -> None:
    lead = await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match="Лид уже в статусе «Назначен ответственный»"):
            await leads.move_lead(uow, w.anna, lead.id or 0, S.PROCESSED, S.IN_PROCESS, NOW)
        with pytest.raises(InvalidInput, match="«Конвертировать» и «Некачественный»"):
            await leads.move_lead(uow, w.anna, lead.id or 0, S.JUNK, S.ASSIGNED, NOW)
        with pytest.raises(TransitionRefused, match="уже в статусе"):
            await leads.move_lead(uow, w.anna, lead.id or 0, S.ASSIGNED, S.ASSIGNED, NOW)
        with pytest.raises(NotFound, match="Лид #999 не найден"):
            await leads.move_lead(uow, w.anna, 999, S.IN_PROCESS, S.ASSIGNED, NOW)
    assert w.snapshot() == before


async def test_a_lead_leaves_the_pool_only_by_assignment(w: World) -> None:
    lead = await web_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(TransitionRefused, match="назначение ответственного"):
            await leads.move_lead(uow, w.boss, lead.id or 0, S.ASSIGNED, S.NEW, NOW)
    assert w.snapshot() == before


async def test_a_lead_written_meanwhile_is_not_overwritten(w: World) -> None:
    """The conditional write: a press that read the lead before another wrote it fails and
    writes nothing (its timers neither)."""
    lead = await assigned_lead(w)
    async with w.db() as uow:
        read = await uow.leads.get(lead.id or 0)
        async with w.db() as other:
            await leads.edit_field(other, w.anna, lead.id or 0, LeadField.COMMENT, "срочно", NOW)
        before = w.snapshot()
        uow.leads.get = _returning(read, uow.leads.get)  # type: ignore[method-assign]
        with pytest.raises(WrittenMeanwhile, match="Лид только что изменился"):
            await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    assert w.snapshot() == before


# -- junk (R2.16) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "detail", "text"),
    [
        (JunkReason.SPAM, None, "спам"),
        (JunkReason.NOT_TARGET, None, "нецелевой"),
        (JunkReason.DUPLICATE, "зря", "дубль"),
        (JunkReason.OTHER, "  передумали ", "передумали"),
    ],
)
async def test_junk_ends_the_lead_with_its_reason_and_stops_every_clock(
    w: World, reason: JunkReason, detail: str | None, text: str
) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, NOW + minutes(60), NOW)
    events, _ = w.marks(lead.id or 0)
    later = NOW + minutes(4)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, reason, detail, S.ASSIGNED, later)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.junk_reason, stored.status_changed_at) == (S.JUNK, text, later)
    assert w.history(lead.id or 0, events) == [
        ("status", "status", ASSIGNED, S.JUNK.label, w.anna.id),
        ("junk", "junk_reason", None, text, w.anna.id),
    ]
    assert w.timers(lead.id or 0) == []


async def test_junk_without_a_reason_changes_nothing(w: World) -> None:
    lead = await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="Напишите причину"):
            await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.OTHER, " ", None, NOW)
    assert w.snapshot() == before


async def test_the_supervisor_marks_a_pool_lead_junk(w: World) -> None:
    """R2.16 from «Не обработан»: spam from the website needs no manager."""
    lead = await web_lead(w)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.boss, lead.id or 0, JunkReason.SPAM, None, S.NEW, NOW)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.responsible_id) == (S.JUNK, None)
    assert w.timers(lead.id or 0) == []


async def test_a_closed_lead_is_not_marked_again(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(TransitionRefused, match="Лид уже в статусе"):
            await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
        with pytest.raises(StaleState, match="Лид уже закрыт"):
            await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.COMMENT, "x", NOW)
    assert w.snapshot() == before


# -- conversion (R2.13, R3.1) -------------------------------------------------------------


async def test_converting_a_new_client_makes_company_contact_and_deal(w: World) -> None:
    lead = await assigned_lead(
        w,
        name="Иван",
        last_name="Петров",
        company="ООО «Ромашка»",
        phone="+79121234567",
        email="ivan@romashka.ru",
        position="закупщик",
        address="Москва",
        website="https://romashka.ru",
    )
    lead_id = lead.id or 0
    async with w.db() as uow:
        stored = await uow.leads.get(lead_id)
        assert stored is not None
        stored.checklist_answers = {"needs": "окна"}
        assert await uow.leads.update_if(stored, expected_status=S.ASSIGNED)
        await uow.commit()
    events, _ = w.marks(lead_id)
    later = NOW + minutes(8)
    async with w.db() as uow:
        deal = await conversion.convert_lead(uow, w.anna, lead_id, None, S.ASSIGNED, later)
    [company] = w.db.rows("companies")
    [contact] = w.db.rows("contacts")
    [pipeline] = w.db.rows("pipelines")
    assert (company.name, company.department_id, company.address, company.website) == (
        "Ромашка ООО",  # R2.7
        w.sales,
        "Москва",
        "https://romashka.ru",
    )
    assert (contact.full_name, contact.company_id, contact.phone, contact.email) == (
        "Иван Петров",
        company.id,
        "+79121234567",
        "ivan@romashka.ru",
    )
    assert (contact.position, contact.created_at) == ("закупщик", later)
    assert (pipeline.name, pipeline.department_id) == ("Продажи", w.sales)
    assert w.db.rows("deals") == [deal]
    assert (deal.title, deal.stage, deal.pipeline_id, deal.responsible_id) == (
        lead.title,
        "NEW",
        pipeline.id,
        w.anna.id,
    )
    assert (deal.company_id, deal.contact_id, deal.checklist_answers) == (
        company.id,
        contact.id,
        {"needs": "окна"},
    )
    stored = await w.lead(lead_id)
    assert (stored.status, stored.deal_id, stored.status_changed_at) == (
        S.CONVERTED,
        deal.id,
        later,
    )
    assert w.history(lead_id, events) == [
        ("status", "status", ASSIGNED, S.CONVERTED.label, w.anna.id),
        ("converted", "deal", None, f"сделка #{deal.id}, Ромашка ООО", w.anna.id),
    ]
    assert w.timers(lead_id) == []


async def test_converting_onto_an_existing_client_reuses_its_company_and_person(
    w: World,
) -> None:
    """R2.13: a repeated client gives a deal on the existing company and contact; another
    person behind the same phone is a new contact of that company."""
    first = await assigned_lead(w, name="Иван", company="Ромашка ООО", phone="+74951234567")
    async with w.db() as uow:
        one = await conversion.convert_lead(uow, w.anna, first.id or 0, None, None, NOW)
    again = await assigned_lead(w, name="иван", phone="+74951234567")
    other = await assigned_lead(w, name="Пётр", phone="+74951234567")
    async with w.db() as uow:
        assert await uow.pipelines.default_for(w.sales) is not None
        two = await conversion.convert_lead(uow, w.anna, again.id or 0, one.company_id, None, NOW)
    async with w.db() as uow:
        three = await conversion.convert_lead(uow, w.anna, other.id or 0, one.company_id, None, NOW)
    assert len(w.db.rows("companies")) == 1 and len(w.db.rows("pipelines")) == 1
    assert (two.company_id, two.contact_id) == (one.company_id, one.contact_id)
    assert three.company_id == one.company_id and three.contact_id != one.contact_id
    assert [c.full_name for c in w.db.rows("contacts")] == ["Иван", "Пётр"]
    assert len({one.pipeline_id, two.pipeline_id, three.pipeline_id}) == 1


@pytest.mark.parametrize("case", ["no_company", "foreign_company", "unknown_company", "closed"])
async def test_a_conversion_refused_makes_nothing(w: World, case: str) -> None:
    lead = await assigned_lead(w, name="Иван", company="" if case == "no_company" else "Лютик")
    company_id = None
    async with w.db() as uow:
        if case == "foreign_company":
            company_id = (
                await uow.companies.add(Company("Ромашка ООО", w.retail, created_at=NOW))
            ).id
        if case == "unknown_company":
            company_id = 999
        await uow.commit()
        if case == "closed":
            await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
    before = w.snapshot()
    error, message = {
        "no_company": (InvalidInput, "Укажите компанию клиента"),
        "foreign_company": (NotFound, "Такой компании нет"),
        "unknown_company": (NotFound, "Такой компании нет"),
        "closed": (TransitionRefused, "Лид уже закрыт"),
    }[case]
    async with w.db() as uow:
        with pytest.raises(error, match=message):
            await conversion.convert_lead(uow, w.anna, lead.id or 0, company_id, None, NOW)
    assert w.snapshot() == before


async def test_a_client_of_no_department_is_everyones(w: World) -> None:
    lead = await assigned_lead(w, name="Иван", phone="+79121234567")
    async with w.db() as uow:
        shared = await uow.companies.add(Company("Общая ООО", None, created_at=NOW))
        await uow.commit()
    async with w.db() as uow:
        deal = await conversion.convert_lead(uow, w.anna, lead.id or 0, shared.id, None, NOW)
    assert deal.company_id == shared.id


async def test_a_contact_is_named_by_what_is_known(w: World) -> None:
    """R2.5: a contact without a name is the company, else the order."""
    lead = await assigned_lead(w, title="Окна", company="Лютик ООО", phone="+79121234567")
    async with w.db() as uow:
        await conversion.convert_lead(uow, w.anna, lead.id or 0, None, None, NOW)
    assert [c.full_name for c in w.db.rows("contacts")] == ["Лютик ООО"]
    stored = await w.lead(lead.id or 0)
    assert conversion.contact_name(replace(stored, company_name=None)) == "Окна"


async def test_only_open_look_alikes_are_duplicates(w: World) -> None:
    """R2.13, R2.16: by phone, e-mail or company within the department; a closed lead is
    no duplicate; a client with a deal is «повторный клиент»."""
    first = await assigned_lead(w, name="Иван", phone="+79121234567", company="ООО Ромашка")
    by_mail = await assigned_lead(w, name="Пётр", email="p@romashka.ru")
    junk = await assigned_lead(w, name="Спам", phone="+79990000000")
    elsewhere = await assigned_lead(w, name="Ник", phone="+79121234567")
    async with w.db() as uow:
        moved = await uow.leads.get(elsewhere.id or 0)
        assert moved is not None
        moved.department_id = w.retail
        uow.database.tables["leads"][moved.id] = moved
        await leads.mark_junk(uow, w.anna, junk.id or 0, JunkReason.SPAM, None, None, NOW)
    probe = await assigned_lead(
        w, name="Иван", phone="+79121234567", email="p@romashka.ru", company="Ромашка"
    )
    async with w.db() as uow:
        found = await conversion.duplicates_of(uow, probe)
        assert found.leads == [first.id, by_mail.id] and found.companies == []
        assert bool(found)
        await conversion.convert_lead(uow, w.anna, first.id or 0, None, None, NOW)
    spam = await assigned_lead(w, phone="+79990000000")
    async with w.db() as uow:
        found = await conversion.duplicates_of(uow, probe)
        assert found.leads == [by_mail.id]
        assert [(m.company.name, m.deals) for m in found.companies] == [("Ромашка ООО", 1)]
        alone = await conversion.duplicates_of(uow, spam)
        assert not alone and alone.leads == [] and alone.companies == []
        by_contact = await conversion.duplicates_of(
            uow, replace(spam, phone="+79121234567", company_name="«»")
        )
        assert [m.company.name for m in by_contact.companies] == ["Ромашка ООО"]


# -- calls and fields (R2.4, R2.5, R2.8) --------------------------------------------------


async def test_an_agreed_call_comes_back_at_its_minute(w: World) -> None:
    lead = await assigned_lead(w)
    events, _ = w.marks(lead.id or 0)
    when = NOW + minutes(90)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, when.replace(second=42), NOW)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, when + minutes(30), NOW)
    stored = await w.lead(lead.id or 0)
    assert stored.next_contact_at == when + minutes(30)
    assert ("call_reminder", when + minutes(30), w.anna.id) in w.timers(lead.id or 0)
    assert [t for t in w.timers(lead.id or 0) if t[0] == "call_reminder"] == [
        ("call_reminder", when + minutes(30), w.anna.id)
    ]
    assert w.history(lead.id or 0, events) == [
        ("next_contact", "next_contact_at", None, when.isoformat(), w.anna.id),
        (
            "next_contact",
            "next_contact_at",
            when.isoformat(),
            (when + minutes(30)).isoformat(),
            w.anna.id,
        ),
    ]
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="уже прошло"):
            await leads.plan_call(uow, w.anna, lead.id or 0, NOW, NOW)
    assert w.snapshot() == before


async def test_the_call_made_starts_the_work_and_ends_the_reminder(w: World) -> None:
    """R2.5, R2.15: «Позвонил» on the reminder: no call agreed any more; a first call takes
    the lead into work and stops the contact clock."""
    lead = await assigned_lead(w)
    when = NOW + minutes(60)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, when, NOW)
    events, _ = w.marks(lead.id or 0)
    later = when + minutes(1)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match="Это напоминание устарело"):
            await leads.called(uow, w.anna, lead.id or 0, when + minutes(5), later)
        with pytest.raises(StaleState, match="Это напоминание устарело"):
            await leads.called(uow, w.anna, lead.id or 0, None, later)
    assert w.snapshot() == before
    async with w.db() as uow:
        await leads.called(uow, w.anna, lead.id or 0, when.replace(microsecond=500), later)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.next_contact_at, stored.first_contact_at) == (
        S.IN_PROCESS,
        None,
        later,
    )
    assert w.history(lead.id or 0, events) == [
        ("called", None, None, None, w.anna.id),
        ("status", "status", ASSIGNED, IN_PROCESS, w.anna.id),
    ]
    assert w.timers(lead.id or 0) == [("processing_breach", NOW + minutes(60), None)]


async def test_a_call_in_work_keeps_the_stage(w: World) -> None:
    lead = await assigned_lead(w)
    when = NOW + minutes(60)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, when, NOW)
    async with w.db() as uow:
        await leads.called(uow, w.anna, lead.id or 0, when, when)
    stored = await w.lead(lead.id or 0)
    assert (stored.status, stored.first_contact_at, stored.next_contact_at) == (
        S.IN_PROCESS,
        NOW,
        None,
    )
    assert w.history(lead.id or 0)[-1] == ("called", None, None, None, w.anna.id)


async def test_an_edit_is_kept_in_the_history_and_a_typed_title_ends_the_auto_one(
    w: World,
) -> None:
    lead = await assigned_lead(w)
    events, _ = w.marks(lead.id or 0)
    async with w.db() as uow:
        await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.EMAIL, "A@Mail.ru ", NOW)
    async with w.db() as uow:
        await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.TITLE, "Окна 10 шт", NOW)
    stored = await w.lead(lead.id or 0)
    assert (stored.email, stored.title, stored.title_is_auto) == (
        "A@mail.ru",
        "Окна 10 шт",
        False,
    )
    assert w.history(lead.id or 0, events) == [
        ("field", "email", None, "A@mail.ru", w.anna.id),
        ("field", "title", "Иван (сайт)", "Окна 10 шт", w.anna.id),
    ]
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="E-mail: значение не изменилось"):
            await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.EMAIL, "A@mail.ru", NOW)
    assert w.snapshot() == before


async def test_another_field_leaves_the_auto_title_to_be_renamed(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.COMMENT, "срочно", NOW)
    assert (await w.lead(lead.id or 0)).title_is_auto


# -- cards, drafts, history ---------------------------------------------------------------


async def test_opening_a_card_sends_a_new_copy_to_whoever_may_see_it(w: World) -> None:
    lead = await assigned_lead(w)
    w.db.send_all(NOW)  # the cards so far reached their chats
    _, sent = w.marks(lead.id or 0)
    subject = Subject.lead(lead.id or 0)
    async with w.db() as uow:
        await leads.open_card(uow, w.office, lead.id or 0, NOW)
        assert await leads.refresh_card(uow, w.anna, lead.id or 0, NOW)
        assert not await leads.refresh_card(uow, w.boris, lead.id or 0, NOW)
        assert not await leads.refresh_card(uow, w.anna, 999, NOW)
        with pytest.raises(NotAllowed, match="карточка недоступна"):
            await leads.open_card(uow, w.boris, lead.id or 0, NOW)
    assert w.sent(sent) == [
        (w.office.id, CARD, subject, True, None),
        (w.anna.id, CARD, subject, False, None),
    ]


async def test_a_draft_becomes_the_managers_lead_once(w: World) -> None:
    async with w.db() as uow:
        draft = await leads.offer_draft(uow, w.anna, {"name": "Иван", "phone": "+79121234567"}, NOW)
    async with w.db() as uow:
        with pytest.raises(StaleState):
            await leads.create_from_draft(uow, w.boris, draft.id or 0, w.sales, NOW)
    async with w.db() as uow:
        intake = await leads.create_from_draft(uow, w.anna, draft.id or 0, w.sales, NOW)
    lead = await w.lead(intake.lead.id or 0)
    assert (lead.source, lead.responsible_id, lead.phone, lead.title) == (
        LeadSource.OPENLINE,
        w.anna.id,
        "+79121234567",
        "Иван (мессенджер)",
    )
    async with w.db() as uow:
        with pytest.raises(StaleState, match="уже использован"):
            await leads.create_from_draft(uow, w.anna, draft.id or 0, w.sales, NOW)
    async with w.db() as uow:
        with pytest.raises(NotAllowed):
            await leads.offer_draft(uow, w.gone, {}, NOW)


async def test_the_history_is_read_ten_a_page_newest_first(w: World) -> None:
    lead = await assigned_lead(w)
    for n in range(12):
        async with w.db() as uow:
            await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.COMMENT, f"c{n}", NOW)
    async with w.db() as uow:
        first = await lead_history.history(uow, w.anna, lead.id or 0)
        last = await lead_history.history(uow, w.boss, lead.id or 0, page=5)
        with pytest.raises(NotAllowed, match="история недоступна"):
            await lead_history.history(uow, w.boris, lead.id or 0)
    assert (first.page, first.pages, first.total) == (0, 2, 15)
    assert [e.new_value for e in first.events[:2]] == ["c11", "c10"] and len(first.events) == 10
    assert (last.page, [e.kind for e in last.events]) == (
        1,
        ["field", "field", "status", "assigned", "created"],
    )
    assert [e.new_value for e in last.events[:2]] == ["c1", "c0"]
    assert first.questions == {}


# -- who may do what (the Roles table): a refusal changes nothing -------------------------

ACTIONS: dict[str, Callable[..., Awaitable[Any]]] = {
    "move": lambda uow, who, lead_id: leads.move_lead(
        uow, who, lead_id, S.IN_PROCESS, S.ASSIGNED, NOW
    ),
    "plan_call": lambda uow, who, lead_id: leads.plan_call(
        uow, who, lead_id, NOW + minutes(60), NOW
    ),
    "edit": lambda uow, who, lead_id: leads.edit_field(
        uow, who, lead_id, LeadField.EMAIL, "new@example.ru", NOW
    ),
    "junk": lambda uow, who, lead_id: leads.mark_junk(
        uow, who, lead_id, JunkReason.SPAM, None, S.ASSIGNED, NOW
    ),
    "convert": lambda uow, who, lead_id: conversion.convert_lead(
        uow, who, lead_id, None, S.ASSIGNED, NOW
    ),
    "reassign": lambda uow, who, lead_id: leads.reassign_lead(
        uow,
        who,
        lead_id,
        5,
        4,
        NOW,  # to Boris, from Anna
    ),
    "history": lambda uow, who, lead_id: lead_history.history(uow, who, lead_id),
    "open": lambda uow, who, lead_id: leads.open_card(uow, who, lead_id, NOW),
}
ALLOWED = {
    "move": {"anna", "boss", "admin"},
    "plan_call": {"anna", "boss", "admin"},
    "edit": {"anna", "boss", "admin"},
    "junk": {"anna", "boss", "admin"},
    "convert": {"anna", "boss", "admin"},
    "reassign": {"boss", "admin"},
    "history": {"anna", "boss", "admin", "office"},
    "open": {"anna", "boss", "admin", "office"},
}


@pytest.mark.parametrize("who", ["anna", "boris", "office", "boss", "foreign", "gone", "admin"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_who_may_act_on_a_lead(w: World, action: str, who: str) -> None:
    """The Roles table: a manager works his own leads; the office manager sees and assigns;
    the supervisor does everything in his department; the admin everything. An allowed
    action commits its change; a refusal leaves everything as it was."""
    lead = await assigned_lead(w, company="Ромашка ООО")
    assert (w.anna.id, w.boris.id) == (4, 5)
    before, commits = w.snapshot(), w.db.commits
    async with w.db() as uow:
        if who not in ALLOWED[action]:
            with pytest.raises(NotAllowed):
                await ACTIONS[action](uow, getattr(w, who), lead.id or 0)
            assert w.snapshot() == before and w.db.commits == commits
            return
        await ACTIONS[action](uow, getattr(w, who), lead.id or 0)
    if action == "history":
        assert w.snapshot() == before
    else:
        assert w.db.commits == commits + 1 and w.snapshot() != before

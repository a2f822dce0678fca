"""Moves guarded against one-tap accidents (#14 §5) against the fake unit of work: a move
taken back within half a minute by whoever made it, with the clocks of the status it
returns to; a refusal leaves everything as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput, NotAllowed, StaleState
from domain.model import JunkReason, SkipReason, Subject
from domain.services import department_settings, lead_moves, leads, timers
from domain.statuses import LeadStatus, TransitionRefused
from tests.use_case_world import NOW, World, assigned_lead, make_world, minutes

S = LeadStatus


@pytest.fixture
async def w() -> World:
    return await make_world()


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


async def handed(w: World, lead_id: int, at: object = NOW) -> None:
    async with w.db() as uow:
        assert await timers.card_handed(uow, Subject.lead(lead_id), w.anna.id or 0, at)  # type: ignore[arg-type]
        await uow.commit()


async def test_in_work_taken_back_is_assigned_again_with_its_contact_clock(w: World) -> None:
    lead = await assigned_lead(w)
    lid = lead.id or 0
    await handed(w, lid)
    planned = w.timers(lid)
    moved = NOW + minutes(2)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lid, S.IN_PROCESS, S.ASSIGNED, moved)
    assert [kind for kind, _, _ in w.timers(lid)] == ["processing_breach"]
    events = len(w.db.events(lid))
    async with w.db() as uow:
        await lead_moves.undo_move(uow, w.anna, lid, S.IN_PROCESS, moved + seconds(29))
    stored = await w.lead(lid)
    assert (stored.status, stored.first_contact_at) == (S.ASSIGNED, None)
    assert w.timers(lid) == planned  # R2.15's clock due when it was, not restarted
    assert w.history(lid, events) == [
        ("undone", "status", S.IN_PROCESS.label, S.ASSIGNED.label, w.anna.id)
    ]


async def test_junk_taken_back_has_no_reason_and_its_clocks_but_those_that_fired(
    w: World,
) -> None:
    lead = await assigned_lead(w)
    lid = lead.id or 0
    await handed(w, lid)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lid, NOW + minutes(90), NOW)
    # The reminder of the contact clock (a third of its 15 min left) fired before the junk.
    async with w.db() as uow:
        due = await uow.timers.due(NOW + minutes(11), 10)
    assert len(due) == 1
    async with w.db() as uow:
        assert await timers.fire(uow, due[0][1], NOW + minutes(11))
    before = w.timers(lid)
    assert [kind for kind, _, _ in before] == [
        "contact_breach",
        "processing_breach",
        "call_reminder",
    ]
    moved = NOW + minutes(12)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lid, JunkReason.SPAM, None, S.ASSIGNED, moved)
    assert w.timers(lid) == []
    async with w.db() as uow:
        await lead_moves.undo_move(uow, w.anna, lid, S.JUNK, moved + seconds(10))
    stored = await w.lead(lid)
    assert (stored.status, stored.junk_reason) == (S.ASSIGNED, None)
    assert w.timers(lid) == before


@pytest.mark.parametrize(
    ("who", "after", "error"),
    [
        ("anna", 30, StaleState),  # the half minute is over
        ("boss", 5, StaleState),  # not his move: a supervisor moves back by the rules
        ("boris", 5, NotAllowed),  # not his lead
    ],
)
async def test_a_move_is_taken_back_only_by_its_maker_in_time(
    w: World, who: str, after: int, error: type[Exception]
) -> None:
    lead = await assigned_lead(w)
    lid = lead.id or 0
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lid, JunkReason.SPAM, None, S.ASSIGNED, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(error):
            await lead_moves.undo_move(uow, getattr(w, who), lid, S.JUNK, NOW + seconds(after))
    assert w.snapshot() == before


async def test_an_assignment_or_an_undo_is_not_taken_back(w: World) -> None:
    lead = await assigned_lead(w)
    lid = lead.id or 0
    async with w.db() as uow:
        with pytest.raises(StaleState):  # «Назначен» is the assignment's, not a move of hers
            await lead_moves.undo_move(uow, w.anna, lid, S.ASSIGNED, NOW)
    async with w.db() as uow:
        await lead_moves.process_without_checklist(uow, w.anna, lid, SkipReason.CLEAR, None, NOW)
    async with w.db() as uow:
        await lead_moves.undo_move(uow, w.anna, lid, S.PROCESSED, NOW + seconds(1))
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState):  # the undo itself is not undone
            await lead_moves.undo_move(uow, w.anna, lid, S.ASSIGNED, NOW + seconds(2))
    assert w.snapshot() == before


async def test_a_department_that_requires_the_checklist_refuses_skipping_it(w: World) -> None:
    lead = await assigned_lead(w)
    lid = lead.id or 0
    async with w.db() as uow:
        with pytest.raises(NotAllowed):  # a manager does not change the department's rules
            await department_settings.require_checklist(uow, w.anna, True)
    async with w.db() as uow:
        assert await department_settings.require_checklist(uow, w.boss, True)
    before = w.snapshot()
    for reason in SkipReason:
        async with w.db() as uow:
            with pytest.raises(TransitionRefused, match="только по чек-листу"):
                await lead_moves.process_without_checklist(uow, w.anna, lid, reason, "x", NOW)
        async with w.db() as uow:
            with pytest.raises(TransitionRefused, match="только по чек-листу"):
                await lead_moves.may_skip_checklist(uow, w.anna, lid)
    assert w.snapshot() == before
    async with w.db() as uow:
        await department_settings.require_checklist(uow, w.boss, False)
    async with w.db() as uow:
        await lead_moves.process_without_checklist(uow, w.anna, lid, SkipReason.CLEAR, None, NOW)
    assert (await w.lead(lid)).status is S.PROCESSED


async def test_skipping_the_checklist_in_words_needs_the_words_and_starts_from_assigned(
    w: World,
) -> None:
    lead = await assigned_lead(w)
    lid = lead.id or 0
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput):
            await lead_moves.process_without_checklist(
                uow, w.anna, lid, SkipReason.OTHER, "  ", NOW
            )
    assert w.snapshot() == before
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lid, S.IN_PROCESS, S.ASSIGNED, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState):  # «В работе» already: the checklist's turn is now
            await lead_moves.process_without_checklist(
                uow, w.anna, lid, SkipReason.CLEAR, None, NOW
            )
    assert w.snapshot() == before

"""Notes on a lead (#14 §5) against the fake unit of work: a timeline in its history, the
client's own text never replaced."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput, NotAllowed
from domain.lead_fields import LeadField
from domain.services import cards, lead_notes, leads
from tests.use_case_world import NOW, World, assigned_lead, make_world, minutes


@pytest.fixture
async def w() -> World:
    return await make_world()


async def test_notes_are_history_lines_and_the_card_shows_the_last_two(w: World) -> None:
    lead = await assigned_lead(w, comment="Нужно 100 коробок")
    lid = lead.id or 0
    events = len(w.db.events(lid))
    for n, text in enumerate(("раз", "два", "три"), start=1):
        async with w.db() as uow:
            await lead_notes.add_note(uow, w.anna, lid, f"  {text} ", NOW + minutes(n))
    assert w.history(lid, events) == [
        ("note", None, None, text, w.anna.id) for text in ("раз", "два", "три")
    ]
    async with w.db() as uow:
        context = await cards.card_context(uow, await w.lead(lid), w.boss, NOW)
    assert [(n.at, n.author, n.text) for n in context.notes] == [
        (NOW + minutes(2), "Аннова Анна", "два"),
        (NOW + minutes(3), "Аннова Анна", "три"),
    ]
    assert (await w.lead(lid)).comment == "Нужно 100 коробок"


async def test_a_note_needs_words_and_a_lead_of_ones_own(w: World) -> None:
    lead = await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput):
            await lead_notes.add_note(uow, w.anna, lead.id or 0, "   ", NOW)
    async with w.db() as uow:
        with pytest.raises(NotAllowed):
            await lead_notes.add_note(uow, w.boris, lead.id or 0, "чужой", NOW)
    assert w.snapshot() == before


async def test_the_clients_own_text_is_never_replaced_but_a_members_may_be(w: World) -> None:
    lead = await assigned_lead(w, comment="Нужно 100 коробок")
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="Текст клиента не меняется"):
            await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.COMMENT, "x", NOW)
    assert w.snapshot() == before
    bare = await assigned_lead(w)
    for text in ("сам написал", "и поправил"):
        async with w.db() as uow:
            await leads.edit_field(uow, w.anna, bare.id or 0, LeadField.COMMENT, text, NOW)
    assert (await w.lead(bare.id or 0)).comment == "и поправил"

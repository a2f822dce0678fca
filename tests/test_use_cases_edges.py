"""The edges of the use cases that mutation testing found unguarded: the time each message
owed is stamped with, the hand-off reset by a new responsible, matches by one field alone,
boundaries of pages, files and counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.checklist import Checklist, Kind, Question
from domain.errors import DomainError
from domain.lead_fields import LeadField
from domain.model import Company, Contact, Department, JunkReason, Subject
from domain.services import (
    cards,
    checklist,
    conversion,
    escalations,
    lead_lists,
    leads,
    onboarding,
    recipients,
    timers,
)
from domain.services.conversion import Duplicates
from domain.statuses import LeadStatus
from tests.test_use_cases_clocks import breach, fire_due, hand_card
from tests.use_case_world import NOW, ZONE, World, assigned_lead, make_world, minutes, web_lead

S = LeadStatus


@pytest.fixture
async def w() -> World:
    return await make_world()


def stamps(w: World, after: int) -> set[datetime]:
    return {n.created_at for n in w.db.outbox()[after:]}


async def test_every_message_a_change_owes_carries_the_time_of_the_change(w: World) -> None:
    """Each use case stamps the cards and texts it owes with its own `now` (the outbox
    orders and ages them by it): checked with a card of the lead in every chat."""
    lead = await assigned_lead(w, company="Ромашка ООО", name="Иван")
    lead_id = lead.id or 0
    subject = Subject.lead(lead_id)
    for n, member in enumerate((w.boss, w.office, w.anna, w.boris)):
        w.db.hold_card(subject, member.id or 0, 60 + n)
    moments = iter(NOW + minutes(n) for n in range(1, 100))
    steps = [
        lambda uow, at: leads.plan_call(uow, w.anna, lead_id, at + minutes(60), at),
        lambda uow, at: leads.edit_field(uow, w.anna, lead_id, LeadField.COMMENT, "x", at),
        lambda uow, at: leads.move_lead(uow, w.anna, lead_id, S.IN_PROCESS, S.ASSIGNED, at),
        lambda uow, at: leads.open_card(uow, w.office, lead_id, at),
        lambda uow, at: leads.refresh_card(uow, w.office, lead_id, at),
        lambda uow, at: leads.reassign_lead(uow, w.boss, lead_id, w.boris.id or 0, w.anna.id, at),
        lambda uow, at: checklist.start(uow, w.boris, lead_id, at),
        lambda uow, at: conversion.convert_lead(uow, w.boris, lead_id, None, None, at),
    ]
    async with w.db() as uow:
        await uow.checklists.add(
            Checklist("Ч", (Question("a", "А?", Kind.TEXT),), w.sales), NOW, None
        )
        await uow.commit()
    for step in steps:
        at = next(moments)
        sent = len(w.db.outbox())
        async with w.db() as uow:
            await step(uow, at)
        assert stamps(w, sent) == {at}, step
    # The escalation's copies, and what a supervisor's act on it owes.
    second = await assigned_lead(w)
    assert await hand_card(w, second.id or 0, w.anna, NOW)
    await fire_due(w, NOW + minutes(15))
    [escalation] = w.db.rows("escalations")
    w.db.hold_card(Subject.escalation(escalation.id or 0), w.boss.id or 0, 90)
    for act in (
        lambda uow, at: escalations.remind(uow, w.boss, escalation.id or 0, at),
        lambda uow, at: escalations.refresh_card(uow, w.boss, escalation.id or 0, at),
    ):
        at = next(moments)
        sent = len(w.db.outbox())
        async with w.db() as uow:
            await act(uow, at)
        assert stamps(w, sent) == {at}


@pytest.mark.parametrize("act", ["reassign", "penalize", "pool"])
async def test_a_supervisors_act_on_a_breach_is_stamped_with_its_time(w: World, act: str) -> None:
    if act == "pool":
        await web_lead(w)
        await web_lead(w)
        await fire_due(w, NOW + minutes(10))
        [escalation] = w.db.rows("escalations")
        escalation_id = escalation.id or 0
    else:
        _, escalation_id = await breach(w)
    w.db.hold_card(Subject.escalation(escalation_id), w.boss.id or 0, 90)
    at = NOW + minutes(42)
    sent = len(w.db.outbox())
    async with w.db() as uow:
        if act == "reassign":
            await escalations.reassign(uow, w.boss, escalation_id, w.boris.id or 0, at)
        elif act == "penalize":
            await escalations.penalize(uow, w.boss, escalation_id, "не позвонил", at)
        else:
            await escalations.remind(uow, w.boss, escalation_id, at)
    assert stamps(w, sent) == {at}
    stored = w.db.rows("escalations")[0]
    stamp = {
        "reassign": stored.resolved_at,
        "penalize": stored.penalized_at,  # #14 §5: neither resolves the breach
        "pool": stored.reminded_at,
    }[act]
    assert stamp == at


async def test_a_new_responsible_waits_for_his_own_card(w: World) -> None:
    """R2.15: Anna's card had reached her; Boris's has not yet: his clock waits for it."""
    lead = await assigned_lead(w)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    async with w.db() as uow:
        await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, w.anna.id, NOW)
    assert (await w.lead(lead.id or 0)).notified_at is None
    later = NOW + minutes(3)
    assert await hand_card(w, lead.id or 0, w.boris, later)
    assert ("contact_breach", later + minutes(15), w.boris.id) in w.timers(lead.id or 0)


async def test_the_assignable_are_the_active_managers_by_name(w: World) -> None:
    async with w.db() as uow:
        assert [m.id for m in await leads.assignable(uow, w.sales)] == [w.anna.id, w.boris.id]
        assert [m.id for m in await leads.assignable(uow, w.retail)] == [w.stranger.id]


async def test_a_call_is_kept_to_the_minute_and_a_card_of_no_lead_is_not_sent(w: World) -> None:
    lead = await assigned_lead(w)
    when = NOW.replace(hour=15, second=31, microsecond=123)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, when, NOW)
        assert not await leads.refresh_card(uow, w.boss, 999, NOW)
    assert (await w.lead(lead.id or 0)).next_contact_at == when.replace(second=0, microsecond=0)


async def test_a_client_is_found_by_its_name_or_by_one_contact_alone(w: World) -> None:
    """R2.13: a repeat client by the company name alone, by an e-mail alone; and his person
    by the e-mail alone."""
    async with w.db() as uow:
        named = await uow.companies.add(Company("Ромашка ООО", w.sales, created_at=NOW))
        mailed = await uow.companies.add(Company("Лютик ООО", w.sales, created_at=NOW))
        person = await uow.contacts.add(
            Contact("Пётр Петров", mailed.id, None, "petr@lutik.ru", created_at=NOW)
        )
        await uow.commit()
    by_name = await assigned_lead(w, name="Иван", company="ООО «Ромашка»")
    by_mail = await assigned_lead(w, name="Пётр", email="petr@lutik.ru")
    async with w.db() as uow:
        found = await conversion.duplicates_of(uow, by_name)
        assert [m.company.id for m in found.companies] == [named.id]
        found = await conversion.duplicates_of(uow, by_mail)
        assert [m.company.id for m in found.companies] == [mailed.id]
        deal = await conversion.convert_lead(uow, w.anna, by_mail.id or 0, mailed.id, None, NOW)
    assert deal.contact_id == person.id and len(w.db.rows("contacts")) == 1


async def test_a_closed_leads_card_shows_no_duplicates_and_its_checklist(w: World) -> None:
    async with w.db() as uow:
        saved = await uow.checklists.add(
            Checklist("Ч", (Question("a", "А?", Kind.TEXT),), w.sales), NOW, None
        )
        await uow.commit()
    lead = await assigned_lead(w, phone="+79121234567")
    await assigned_lead(w, phone="+79121234567")
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead.id or 0, NOW)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.DUPLICATE, None, None, NOW)
    async with w.db() as uow:
        context = await cards.card_context(uow, await w.lead(lead.id or 0), w.anna)
    assert context.duplicates == Duplicates([], []) and context.checklist == saved
    assert (context.deal, context.deal_company) == (None, None)


async def test_by_manager_counts_a_manager_without_leads_as_none(w: World) -> None:
    await assigned_lead(w)
    await assigned_lead(w, manager=w.boris)
    await assigned_lead(w, manager=w.boris)
    async with w.db() as uow:
        other = (await uow.departments.add(Department("Опт"))).id
        moved = await uow.leads.get(1)
        assert moved is not None
        uow.database.tables["leads"][moved.id] = replace(moved, department_id=other)
    async with w.db() as uow:
        rows = await lead_lists.by_manager(uow, w.boss)
        board = await lead_lists.board(uow, w.boss)
        foreign = await lead_lists.by_manager(uow, w.foreign)
    assert [(m.id, n) for m, n in rows] == [(w.anna.id, 0), (w.boris.id, 2)]
    assert board[S.ASSIGNED] == 2
    assert [(m.id, n) for m, n in foreign] == [(w.stranger.id, 0)]


async def test_new_durations_replan_every_running_clock_and_say_how_many(w: World) -> None:
    first = await assigned_lead(w)
    second = await assigned_lead(w)
    await web_lead(w)
    async with w.db() as uow:
        await uow.sla.set_minutes(w.sales, "contact_sla_minutes", 30)
        count = await timers.replan_department(uow, w.sales, NOW)
        await uow.commit()
    # Two leads with two contact clocks and a deadline each; the pool's lead two clocks.
    assert count == 8
    for lead in (first, second):
        assert ("contact_breach", NOW + minutes(30), w.anna.id) in w.timers(lead.id or 0)


async def test_a_missed_card_of_an_escalation_is_no_lead_of_that_number(w: World) -> None:
    lead = await assigned_lead(w)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        await timers.card_not_handed(uow, Subject.escalation(lead.id or 0), w.anna.id or 0, NOW)
        await uow.commit()
    assert w.snapshot() == before


async def test_nobody_to_tell_is_listed_by_department_in_order_of_creation(w: World) -> None:
    recipients.forget()
    async with w.db() as uow:
        await uow.departments.add(Department("Альфа"))
        for member in (w.boss, w.office):
            member.active = False
            await uow.members.save(member)
        admin = await uow.members.get(w.admin.id or 0)
        assert admin is not None
        uow.database.tables["members"][admin.id] = replace(admin, blocked_at=NOW)
        await uow.commit()
    async with w.db() as uow:
        assert await recipients.unreached(uow) == [
            "отдел «Продажи»: некому сообщать о новых лидах",
            "отдел «Продажи»: некому сообщать о нарушениях сроков",
            "отдел «Альфа»: некому сообщать о новых лидах",
            "отдел «Альфа»: некому сообщать о нарушениях сроков",
        ]
    recipients.forget()


async def test_a_blank_department_name_is_asked_again(w: World) -> None:
    async with w.db() as uow:
        with pytest.raises(DomainError) as refused:
            await onboarding.create_department(uow, w.admin, " \u200b ")
    assert (refused.value.field, refused.value.message) == (  # type: ignore[attr-defined]
        "department",
        "Название отдела: пустое значение, напишите текстом.",
    )
    async with w.db() as uow:
        await onboarding.update_profile(
            uow, w.anna, onboarding.parse_profile("Анна", "+79121234567", "a@b.ru", "старший")
        )
    stored = next(m for m in w.db.rows("members") if m.id == w.anna.id)
    assert (stored.email, stored.position) == ("a@b.ru", "старший")


async def test_the_checklist_edges(w: World) -> None:
    """A file of exactly 256 KB is taken; the summary is a place to go to; a multi that is
    not required may be left with nothing ticked."""
    head = "name: Большой\nquestions:\n  - {key: a, text: А, kind: text}\n".encode()
    content = head + b"#" * (256 * 1024 - len(head) - 1) + b"\n"
    assert len(content) == 256 * 1024
    async with w.db() as uow:
        big = await checklist.replace_checklist(uow, w.boss, content, "c.yaml", NOW)
    assert (big.name, big.department_id) == ("Большой", w.sales)
    [row] = w.db.rows("checklists")
    assert (row.created_at, row.created_by) == (NOW, w.boss.id)
    async with w.db() as uow:
        await uow.checklists.add(
            Checklist(
                "Ч",
                (Question("extras", "Что ещё?", Kind.MULTI, choices=("А", "Б")),),
                w.sales,
            ),
            NOW,
            None,
        )
        await uow.commit()
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead.id or 0, NOW)
        step = await checklist.choose(uow, w.anna, lead.id or 0, 0, [], NOW, ZONE)
        summary = await checklist.go_to(uow, w.anna, lead.id or 0, 1, NOW)
    assert (step.index, summary.index, summary.question) == (1, 1, None)
    assert (await w.lead(lead.id or 0)).checklist_answers == {"extras": []}


async def test_the_shipped_checklist_is_stamped_when_it_is_put_in(w: World) -> None:
    later = datetime(2026, 12, 2, tzinfo=UTC)
    async with w.db() as uow:
        await checklist.ensure_default(uow, later)
    [row] = w.db.rows("checklists")
    assert (row.created_at, row.created_by, row.checklist.name) == (
        later,
        None,
        "Квалификация B2B-клиента",
    )


def test_a_lead_number_list_is_cut_after_fifty() -> None:
    assert escalations.lead_numbers([7]) == "#7"
    assert escalations.lead_numbers(list(range(1, 52)), shown=50).endswith("#50 и ещё 1")

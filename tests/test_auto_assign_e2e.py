"""Leads that assign themselves (#14 §6), through the fake Telegram: a department set to «По
очереди» or «Наименее загруженному» hands each lead from the intake straight to a manager,
with his R2.15 clock running, as an assignment by hand would; nobody waits to press
«Назначить» unless no manager can take the lead now."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from domain.assignment import AssignMode
from domain.lead_fields import LeadField
from domain.model import LeadSource
from domain.services import auto_assign, leads
from domain.statuses import LeadStatus
from storage.tables import LeadAssignmentRow, LeadRow, MemberRow, TimerRow
from tests.fake_telegram import TelegramUser
from tests.support import FakeClock, RunningBot
from tests.team import NOW, Person, Team, card_of, contact_clock_started, post_lead, seed_team
from tests.test_timers_e2e import texts


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """This file's flows run on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


async def set_mode(bot: RunningBot, team: Team, mode: AssignMode) -> None:
    async with bot.app.uow_factory() as uow:
        boss = await uow.members.get(team.boss.member_id)
        assert boss is not None
        await auto_assign.set_mode(uow, boss, team.department_id, mode)


async def intake(bot: RunningBot, name: str) -> int:
    status, body = await post_lead(bot, {"source": "WEB", "name": name, "phone": "+79121112233"})
    assert status == 201, body
    return int(body["id"])


async def responsible(bot: RunningBot, lead_id: int) -> int | None:
    async with bot.app.uow_factory() as uow:
        lead = await uow.leads.get(lead_id)
    assert lead is not None
    return lead.responsible_id


async def members_set(bot: RunningBot, person: Person, **values: Any) -> None:
    async with bot.app.uow_factory() as uow:
        await uow.session.execute(
            update(MemberRow).where(MemberRow.id == person.member_id).values(**values)
        )
        await uow.commit()


async def own_lead(bot: RunningBot, team: Team, manager: Person, title: str) -> None:
    """A lead the manager made himself: he holds it, it is open."""
    async with bot.app.uow_factory() as uow:
        creator = await uow.members.get(manager.member_id)
        await leads.create_lead(
            uow,
            values={LeadField.TITLE: title},
            source=LeadSource.MANUAL,
            department_id=team.department_id,
            creator=creator,
            now=NOW,
        )


async def test_in_turn_each_lead_goes_straight_to_the_next_manager_with_his_clock(
    running_bot: RunningBot, team: Team, fake: Any, clock: FakeClock
) -> None:
    await set_mode(running_bot, team, AssignMode.ROUND_ROBIN)
    first = await intake(running_bot, "Иван")
    second = await intake(running_bot, "Пётр")
    third = await intake(running_bot, "Семён")
    anna, boris, boss = team.anna, team.boris, team.boss
    assert [await responsible(running_bot, i) for i in (first, second, third)] == [
        anna.member_id,
        boris.member_id,
        anna.member_id,
    ]

    # The manager's card, as after «Назначить»; his R2.15 clock starts when it reaches him.
    card = await card_of(anna.user, first)
    assert "● Назначен" in card.text
    assert card.buttons()[:2] == ["В работу", "Чек-лист"]
    await card_of(boris.user, second)
    for lead_id in (first, second, third):
        await contact_clock_started(running_bot, lead_id)
    async with running_bot.app.uow_factory() as uow:
        kinds = await uow.session.scalars(
            select(TimerRow.kind).where(
                TimerRow.subject_kind == "lead",
                TimerRow.subject_id == first,
                TimerRow.fired_at.is_(None),
                TimerRow.cancelled_at.is_(None),
            )
        )
        assert sorted(kinds) == ["contact_breach", "contact_reminder", "processing_breach"]

    # The pool's copy (supervisors, office manager) says who got it and why; no «Назначить».
    for person in (boss, team.boss2, team.office):
        copy = await card_of(person.user, first)
        await fake.wait_for(lambda c=copy: "Ответственный: Аннова Анна" in c.text)
        assert "Назначен автоматически: по очереди" in copy.text
        assert "Назначить" not in copy.buttons()

    # R2.15 runs as for a lead assigned by hand: reminded, then escalated to the supervisors.
    clock.advance(minutes=10)
    await fake.wait_for(lambda: len(texts(anna.user, "⏰")) == 2)
    await fake.wait_for(lambda: len(texts(boris.user, "⏰")) == 1)
    clock.advance(minutes=5)
    await fake.wait_for(lambda: len(texts(boss.user, "🚨")) == 3)
    assert texts(boss.user, "🚨")[0].startswith("🚨 Не связался с клиентом вовремя")

    # The supervisor can still hand it to another; the card no longer says the bot chose.
    boss_card = await card_of(boss.user, first)
    await boss.user.press("Сменить ответственного", boss_card)
    answer = await boss.user.press("Бобров Борис", boss_card)
    assert answer["text"] == "Ответственный: Бобров Борис"
    boris_card = await card_of(boris.user, first)
    assert "Ответственный: Бобров Борис (назначил Борисов Борис)" in boris_card.text
    assert "Назначен автоматически" not in boris_card.text


async def test_the_least_loaded_manager_gets_the_lead(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    for title in ("Свой 1", "Свой 2"):
        await own_lead(running_bot, team, team.anna, title)  # anna holds two open leads
    await set_mode(running_bot, team, AssignMode.LEAST_LOADED)
    got = [
        await responsible(running_bot, await intake(running_bot, f"Клиент {n}")) for n in range(4)
    ]
    # boris 0 → 1 → 2; then both hold two: the next in turn after boris, anna; then boris again.
    assert got == [
        team.boris.member_id,
        team.boris.member_id,
        team.anna.member_id,
        team.boris.member_id,
    ]
    lead_id = await intake(running_bot, "Последний")
    copy = await card_of(team.boss.user, lead_id)
    assert "Назначен автоматически: меньше всех открытых лидов" in copy.text


async def test_a_switched_off_or_blocked_manager_is_skipped(
    running_bot: RunningBot, team: Team
) -> None:
    await set_mode(running_bot, team, AssignMode.ROUND_ROBIN)
    await members_set(running_bot, team.anna, active=False)
    got = [await responsible(running_bot, await intake(running_bot, f"К{n}")) for n in range(2)]
    assert got == [team.boris.member_id, team.boris.member_id]

    await members_set(running_bot, team.anna, active=True)
    await members_set(running_bot, team.boris, blocked_at=datetime(2026, 12, 1, tzinfo=UTC))
    got = [await responsible(running_bot, await intake(running_bot, f"Б{n}")) for n in range(2)]
    assert got == [team.anna.member_id, team.anna.member_id]


async def test_with_nobody_to_take_it_the_lead_waits_in_the_pool_as_today(
    running_bot: RunningBot, team: Team
) -> None:
    await set_mode(running_bot, team, AssignMode.LEAST_LOADED)
    await members_set(running_bot, team.anna, active=False)
    await members_set(running_bot, team.boris, blocked_at=datetime(2026, 12, 1, tzinfo=UTC))
    lead_id = await intake(running_bot, "Иван")
    assert await responsible(running_bot, lead_id) is None
    for person in (team.office, team.boss):
        card = await card_of(person.user, lead_id)
        assert "Ответственный: не назначен" in card.text
        assert card.buttons()[0] == "Назначить"


async def test_outside_working_hours_nobody_is_picked(
    bot_factory: Any, fake: Any, admin: TelegramUser, clock: FakeClock
) -> None:
    """Everyone works the company's hours (WORK_HOURS): at 23:00 the lead waits in the pool,
    and in the morning the next one goes in turn."""
    bot = await bot_factory(work_hours="09:00-18:00", work_days="mon-fri")
    team = await seed_team(bot, fake, admin)
    await set_mode(bot, team, AssignMode.ROUND_ROBIN)
    clock.moment = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # Tuesday 23:00 in Moscow
    night = await intake(bot, "Ночной")
    assert await responsible(bot, night) is None
    assert (await card_of(team.boss.user, night)).buttons()[0] == "Назначить"
    clock.moment = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # Wednesday 09:00
    morning = await intake(bot, "Утренний")
    assert await responsible(bot, morning) == team.anna.member_id


async def test_settings_switch_the_mode_for_a_supervisor_and_refuse_a_manager(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    boss = team.boss.user
    await boss.ask("/settings")  # the durations come first
    shown = await fake.wait_for(
        lambda: next((m for m in boss.messages if m.text.startswith("Новые лиды отдела")), None)
    )
    assert "Сейчас: вручную" in shown.text
    assert shown.buttons() == ["✓ Вручную", "По очереди", "Наименее загруженному"]
    answer = await boss.press("По очереди", shown)
    assert answer["text"] == "Новые лиды: по очереди"
    await fake.wait_for(lambda: "Сейчас: по очереди" in shown.text)
    assert shown.buttons() == ["Вручную", "✓ По очереди", "Наименее загруженному"]
    assert "Рабочее время у всех одно, по компании: круглосуточно." in shown.text
    async with running_bot.app.uow_factory() as uow:
        row = await uow.session.get(LeadAssignmentRow, team.department_id)
        assert row is not None and row.mode == "round_robin"
    lead_id = await intake(running_bot, "Иван")
    assert await responsible(running_bot, lead_id) == team.anna.member_id

    refused = await team.anna.user.ask("/settings")
    assert refused.text == "Настройки отдела меняют руководитель отдела и администратор."
    forged = await team.anna.user.press_data(shown.button("Вручную")["callback_data"], shown)
    assert forged["text"] == "Настройки отдела меняют руководитель отдела и администратор."
    async with running_bot.app.uow_factory() as uow:
        row = await uow.session.get(LeadAssignmentRow, team.department_id, populate_existing=True)
        assert row is not None and row.mode == "round_robin"


async def test_an_admin_sets_the_mode_of_a_department(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    admin = team.admin.user
    await admin.ask("/settings")
    shown = await fake.wait_for(
        lambda: next((m for m in admin.messages if m.text.startswith("Новые лиды отдела")), None)
    )
    await admin.press("Наименее загруженному", shown)
    await fake.wait_for(lambda: "Сейчас: наименее загруженному" in shown.text)
    lead_id = await intake(running_bot, "Иван")
    assert await responsible(running_bot, lead_id) == team.anna.member_id


async def test_a_lead_a_manager_makes_himself_stays_his(
    running_bot: RunningBot, team: Team
) -> None:
    await set_mode(running_bot, team, AssignMode.ROUND_ROBIN)
    await own_lead(running_bot, team, team.boris, "Свой")
    lead_id = await intake(running_bot, "Иван")
    async with running_bot.app.uow_factory() as uow:
        rows = [
            (r.id, r.title, r.responsible_id, r.assigned_how, r.status)
            for r in await uow.session.scalars(select(LeadRow).order_by(LeadRow.id))
        ]
    assert [row[1:] for row in rows] == [
        ("Свой", team.boris.member_id, None, LeadStatus.ASSIGNED.value),
        ("Иван (сайт)", team.anna.member_id, "round_robin", LeadStatus.ASSIGNED.value),
    ]
    assert lead_id == rows[1][0]


async def test_concurrent_intakes_in_two_apps_on_postgresql_take_fair_turns(
    bot_factory: Any, fake: Any, admin: TelegramUser
) -> None:
    """Two bots (each its own engine and connections) post leads at once to one PostgreSQL:
    the turn is held from its read to the commit, so each manager gets exactly half."""
    from tests.support import postgres_database

    async with postgres_database() as url:
        first = await bot_factory(database_url=url)
        second = await bot_factory(database_url=url, updates_mode="none")
        team = await seed_team(first, fake, admin)
        await set_mode(first, team, AssignMode.ROUND_ROBIN)
        ids = await asyncio.gather(
            *(intake(bot, f"Клиент {n}") for n in range(10) for bot in (first, second))
        )
        async with first.app.uow_factory() as uow:
            got = list(
                await uow.session.scalars(select(LeadRow.responsible_id).where(LeadRow.id.in_(ids)))
            )
        assert got.count(team.anna.member_id) == 10
        assert got.count(team.boris.member_id) == 10
        await first.stop()
        await second.stop()

"""A lead's life through the fake Telegram: intake, assignment, stages, conversion, junk (R2)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from domain.lead_fields import LeadField
from domain.model import Company, LeadSource
from domain.services import leads, onboarding
from domain.statuses import LeadStatus
from handlers.callbacks import LeadAction, LeadCb
from storage.tables import (
    CompanyRow,
    ContactRow,
    DealRow,
    LeadEventRow,
    LeadRow,
    MemberRow,
)
from tests.support import RunningBot
from tests.team import NOW, Team, card_of, post_lead

ROMASHKA = {
    "source": "WEB",
    "name": "Иван",
    "last_name": "Петров",
    "company": "ООО «Ромашка»",
    "phone": "8 912 123-45-67",
    "email": "ivan@romashka.ru",
    "comment": "Нужно 100 коробок",
    "external_id": "form-1",
}


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """This file's flows run on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


async def lead_row(bot: RunningBot, lead_id: int) -> LeadRow:
    async with bot.app.uow_factory() as uow:
        row = await uow.session.get(LeadRow, lead_id)
        assert row is not None
        uow.session.expunge(row)
        return row


async def count(bot: RunningBot, table: Any) -> int:
    async with bot.app.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def events(bot: RunningBot, lead_id: int) -> list[tuple[str, str | None, str | None]]:
    async with bot.app.uow_factory() as uow:
        rows = await uow.session.scalars(
            select(LeadEventRow).where(LeadEventRow.lead_id == lead_id).order_by(LeadEventRow.id)
        )
        return [(r.kind, r.old_value, r.new_value) for r in rows]


async def assign(team: Team, lead_id: int, by: Any, to: Any) -> None:
    card = await card_of(by.user, lead_id)
    await by.user.press("Назначить", card)
    answer = await by.user.press(to.name, card)
    assert answer["text"] == f"Назначен: {to.name}"


async def test_assigning_to_a_manager_who_blocked_the_bot_warns(
    running_bot: RunningBot, team: Team
) -> None:
    async with running_bot.app.uow_factory() as uow:
        await uow.session.execute(
            update(MemberRow)
            .where(MemberRow.id == team.anna.member_id)
            .values(blocked_at=datetime(2026, 12, 1, tzinfo=UTC))
        )
        await uow.commit()
    status, body = await post_lead(running_bot, ROMASHKA)
    assert status == 201
    card = await card_of(team.boss.user, body["id"])
    await team.boss.user.press("Назначить", card)
    assert card.buttons()[:2] == ["🚫 Аннова Анна", "Бобров Борис"]
    answer = await team.boss.user.press("🚫 Аннова Анна", card)
    assert answer["text"] == (
        "Назначен: Аннова Анна. ⚠️ Она заблокировала бота: карточка к ней не придёт, "
        "сообщите ей сами."
    )
    assert (await lead_row(running_bot, body["id"])).responsible_id == team.anna.member_id


async def test_web_lead_to_deal(running_bot: RunningBot, team: Team, fake: Any) -> None:
    status, body = await post_lead(running_bot, ROMASHKA)
    assert status == 201 and body["status"] == "NEW"
    assert body["title"] == "Ромашка ООО — Иван Петров (сайт)"  # R2.4
    lead_id = body["id"]

    # R2.11: the pool (office manager, supervisors) gets the card with "Назначить".
    for person in (team.office, team.boss, team.boss2):
        card = await card_of(person.user, lead_id)
        assert "● Не обработан" in card.text and "Ответственный: не назначен" in card.text
        assert card.buttons()[0] == "Назначить"
    assert all(f"#{lead_id} · " not in m.text for m in team.anna.user.messages)

    # A repeated post is the same lead.
    assert await post_lead(running_bot, ROMASHKA) == (200, body)
    assert await count(running_bot, LeadRow) == 1

    office_card = await card_of(team.office.user, lead_id)
    await team.office.user.press("Назначить", office_card)
    assert office_card.buttons()[:2] == ["Аннова Анна", "Бобров Борис"]
    answer = await team.office.user.press("Аннова Анна", office_card)
    assert answer["text"] == "Назначен: Аннова Анна"

    anna_card = await card_of(team.anna.user, lead_id)
    assert "● Назначен" in anna_card.text
    assert "Ответственный: Аннова Анна (назначила Офисова Ольга)" in anna_card.text
    assert anna_card.buttons()[:7] == [
        "В работу",
        "Чек-лист",
        "Перенести звонок",
        "Конвертировать",
        "Некачественный",
        "Изменить",
        "Переименовать",
    ]
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "Аннова Анна (назначила Офисова Ольга)" in boss_card.text)
    assert "Назначить" not in boss_card.buttons()
    assert "Сменить ответственного" in boss_card.buttons()

    # A second press on a stale "Назначить" anywhere changes nothing.
    stale = LeadCb(
        action=LeadAction.ASSIGN_TO, id=lead_id, status="NEW", value=team.boris.member_id
    ).pack()
    answer = await team.boss2.user.press_data(stale, await card_of(team.boss2.user, lead_id))
    assert answer == {"text": "Уже назначен: Аннова Анна.", "show_alert": True}
    assert (await lead_row(running_bot, lead_id)).responsible_id == team.anna.member_id

    answer = await team.anna.user.press("В работу", anna_card)
    assert answer["text"] == "Статус: В работе"
    await fake.wait_for(lambda: "● В работе" in anna_card.text)
    assert anna_card.buttons()[:4] == [
        "Чек-лист",
        "Перенести звонок",
        "Конвертировать",
        "Некачественный",
    ]
    row = await lead_row(running_bot, lead_id)
    assert row.status == "IN_PROCESS" and row.first_contact_at is not None

    await team.anna.user.press("Конвертировать", anna_card)
    assert anna_card.buttons()[0] == "Сделка + контакт + компания"
    answer = await team.anna.user.press("Сделка + контакт + компания", anna_card)
    assert "компания «Ромашка ООО»" in answer["text"]
    answer = await team.anna.user.press("✅ Подтвердить", anna_card)
    assert answer["text"].startswith("Создана сделка #")
    await fake.wait_for(lambda: "🏁 Качественный лид" in anna_card.text)
    assert "Ромашка ООО, стадия «Новая»" in anna_card.text
    assert anna_card.buttons()[-1] == "История"

    async with running_bot.app.uow_factory() as uow:
        deal = await uow.session.scalar(select(DealRow))
        company = await uow.session.scalar(select(CompanyRow))
        contact = await uow.session.scalar(select(ContactRow))
        assert deal is not None and company is not None and contact is not None
        assert (deal.stage, deal.company_id, deal.contact_id, deal.responsible_id) == (
            "NEW",
            company.id,
            contact.id,
            team.anna.member_id,
        )
        assert company.name == "Ромашка ООО"
        assert (contact.full_name, contact.phone, contact.email) == (
            "Иван Петров",
            "+79121234567",
            "ivan@romashka.ru",
        )
        deal_id = deal.id
    row = await lead_row(running_bot, lead_id)
    assert row.status == "CONVERTED" and row.deal_id == deal_id

    # The second lead of the same client, spelled differently, goes onto the company.
    status, body = await post_lead(
        running_bot,
        {
            "source": "EMAIL",
            "company": '"ромашка" ооо',
            "name": "Пётр",
            "email": "petr@romashka.ru",
            "title": "Ромашка: ещё 50 коробок",
        },
    )
    second = body["id"]
    await assign(team, second, team.boss, team.anna)
    card = await card_of(team.anna.user, second)
    await fake.wait_for(lambda: "⚠️ повторный клиент: Ромашка ООО, 1 сделка" in card.text)
    await team.anna.user.press("Конвертировать", card)
    await team.anna.user.press("Сделка на существующую: Ромашка ООО", card)
    await team.anna.user.press("✅ Подтвердить", card)
    await fake.wait_for(lambda: "🏁 Качественный лид" in card.text)
    assert await count(running_bot, CompanyRow) == 1
    assert await count(running_bot, DealRow) == 2
    assert await count(running_bot, ContactRow) == 2  # a new person at the same company

    # The third lead is junk, with its reason (R2.16).
    status, body = await post_lead(running_bot, {"source": "CALL", "phone": "+7 999 111-22-33"})
    third = body["id"]
    await assign(team, third, team.office, team.boris)
    card = await card_of(team.boris.user, third)
    await team.boris.user.press("Некачественный", card)
    assert card.buttons()[:4] == ["Спам", "Нецелевой", "Дубль", "Другое"]
    await team.boris.user.press("Другое", card)
    question = await team.boris.user.reply()
    assert "Напишите причину" in question.text
    await team.boris.user.send("Ошиблись номером")
    await fake.wait_for(lambda: "Причина: Ошиблись номером" in card.text)
    assert (await lead_row(running_bot, third)).status == "JUNK"

    # R2.8: the history holds every step.
    assert await events(running_bot, lead_id) == [
        ("created", None, "Ромашка ООО — Иван Петров (сайт)"),
        ("assigned", None, "Аннова Анна"),
        ("status", "Не обработан", "Назначен ответственный"),
        ("status", "Назначен ответственный", "В работе"),
        ("status", "В работе", "Качественный лид"),
        ("converted", None, f"сделка #{deal_id}, Ромашка ООО"),
    ]
    assert [e[0] for e in await events(running_bot, third)][-2:] == ["status", "junk"]
    await team.anna.user.press("История", anna_card)
    history = team.anna.user.last
    assert history.text.startswith(f"История лида #{lead_id}")
    assert "Офисова Ольга · назначен ответственный: Аннова Анна" in history.text


async def test_two_supervisors_press_at_once(running_bot: RunningBot, team: Team) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Гонка"})
    lead_id = body["id"]
    boss_card = await card_of(team.boss.user, lead_id)
    boss2_card = await card_of(team.boss2.user, lead_id)
    await team.boss.user.press("Назначить", boss_card)
    await team.boss2.user.press("Назначить", boss2_card)
    answers = await asyncio.gather(
        team.boss.user.press("Аннова Анна", boss_card),
        team.boss2.user.press("Бобров Борис", boss2_card),
    )
    texts = sorted(a["text"] for a in answers)
    winner = (await lead_row(running_bot, lead_id)).responsible_id
    name = "Аннова Анна" if winner == team.anna.member_id else "Бобров Борис"
    assert texts == sorted([f"Назначен: {name}", f"Уже назначен: {name}."])
    assert [e[0] for e in await events(running_bot, lead_id)].count("assigned") == 1


async def test_reassignment_tells_the_previous_manager(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Клиент <ООО> & Co"})
    lead_id = body["id"]
    await assign(team, lead_id, team.boss, team.anna)
    anna_card = await card_of(team.anna.user, lead_id)
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "Сменить ответственного" in boss_card.buttons())
    await team.boss.user.press("Сменить ответственного", boss_card)
    answer = await team.boss.user.press("Бобров Борис", boss_card)
    assert answer["text"] == "Ответственный: Бобров Борис"
    boris_card = await card_of(team.boris.user, lead_id)
    assert "Ответственный: Бобров Борис (назначил Борисов Борис)" in boris_card.text
    await fake.wait_for(lambda: "Лид передан: Бобров Борис" in anna_card.text)
    assert anna_card.buttons() == []
    told = await fake.wait_for(
        lambda: [m for m in team.anna.user.messages if m.text.startswith(f"Лид #{lead_id} «")]
    )
    assert told[0].text == f"Лид #{lead_id} «Клиент <ООО> & Co (сайт)» передан: Бобров Борис."
    # Anna's old buttons do nothing now.
    forged = LeadCb(
        action=LeadAction.MOVE, id=lead_id, status="ASSIGNED", target="IN_PROCESS"
    ).pack()
    answer = await team.anna.user.press_data(forged, anna_card)
    assert answer == {"text": "Это не ваш лид: действие недоступно.", "show_alert": True}
    assert (await lead_row(running_bot, lead_id)).status == LeadStatus.ASSIGNED.value


async def test_another_departments_clients_are_no_duplicates(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    """R2.13 within the department: a lead and a client of another department are neither
    flagged on the card (its people cannot open them) nor offered at conversion."""
    async with running_bot.app.uow_factory() as uow:
        admin = await uow.members.get(team.admin.member_id)
        assert admin is not None
        other = await onboarding.create_department(uow, admin, "Опт")
        assert other.id is not None
        theirs = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Олег", LeadField.PHONE: "+79121234567"},
            source=LeadSource.WEB,
            department_id=other.id,
            creator=None,
            now=NOW,
        )
        await uow.companies.add(Company("Ромашка ООО", other.id, created_at=NOW))
        await uow.commit()
    _, body = await post_lead(running_bot, ROMASHKA)  # the same phone and company
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("В работу", card)
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert "⚠️" not in card.text and f"#{theirs.lead.id}" not in card.text
    await anna.press("Конвертировать", card)
    assert card.buttons()[0] == "Сделка + контакт + компания"
    assert not [b for b in card.buttons() if b.startswith("Сделка на существующую")]

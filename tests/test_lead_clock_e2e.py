"""The clock a manager sees and the words he reads (#14 §2, §4), through the fake Telegram.

The rules' clock is a FakeClock the tests move: 09:00 UTC is 12:00 in Moscow, the company's
time zone; the clocks run 24/7 here."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from domain.model import TimerKind
from storage.tables import MemberRow, TimerRow
from tests.support import RunningBot
from tests.team import Team, card_of, contact_clock_started, post_lead
from tests.test_lead_bot_e2e import open_leads_menu
from tests.test_lead_flow_e2e import assign

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """The lists' order is a query: on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


async def web_lead(bot: RunningBot, name: str) -> int:
    _, body = await post_lead(bot, {"source": "WEB", "name": name, "phone": "+79121112233"})
    return int(body["id"])


async def contact_due(bot: RunningBot, lead_id: int) -> Any:
    async with bot.app.uow_factory() as uow:
        return await uow.session.scalar(
            select(TimerRow.due_at).where(
                TimerRow.subject_id == lead_id,
                TimerRow.kind == TimerKind.CONTACT_BREACH.value,
                TimerRow.cancelled_at.is_(None),
            )
        )


def card_text_of(user: Any, lead_id: int) -> str:
    cards = [m.text for m in user.messages if m.text.startswith(f"#{lead_id} · ")]
    return cards[-1] if cards else ""


def rows(message: Any) -> list[list[str]]:
    return [[button["text"] for button in row] for row in message.inline_keyboard]


async def test_the_card_says_by_when_to_call_then_how_late(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """R2.15's deadline on the card is the one its timer fires at; as the clock passes it the
    card, drawn again when the timers fire, says how late the contact is."""
    lead_id = await web_lead(running_bot, "Иван")
    await assign(team, lead_id, team.office, team.anna)
    await contact_clock_started(running_bot, lead_id)
    due = (await contact_due(running_bot, lead_id)).astimezone(MOSCOW)
    assert f"{due:%H:%M}" == "12:15"
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await fake.wait_for(lambda: "⏰ Связаться до 12:15 (ещё 15 мин)" in card.text)
    assert "⏳ Обработать лид до 13:00 (ещё 1 ч)" in card.text

    clock.advance(minutes=17)  # the deadline fires: the card, drawn again, says it is past
    await fake.wait_for(lambda: "⚠️ Связаться до 12:15 — просрочено на 2 мин" in card.text)
    assert "(ещё" not in card.text.split("Связаться")[1].splitlines()[0]

    await anna.press("В работу", card)  # contacted: nothing left to say of it
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert "Связаться" not in card.text
    assert "⏳ Обработать лид до 13:00 (ещё 43 мин)" in card.text


async def test_lists_put_the_most_urgent_first_and_count_them(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """«Мои лиды» and the department's list: the overdue lead first (⚠️), then the nearest
    deadline; a call due today is marked 📞; the header counts both."""
    anna = team.anna.user
    first = await web_lead(running_bot, "Первый")  # its processing deadline comes first
    await assign(team, first, team.office, team.anna)
    await anna.press("В работу", await card_of(anna, first))
    clock.advance(minutes=5)
    ignored = await web_lead(running_bot, "Забытый")
    called = await web_lead(running_bot, "Звонок")
    for lead_id in (ignored, called):
        await assign(team, lead_id, team.office, team.anna)
        await contact_clock_started(running_bot, lead_id)
    card = await card_of(anna, called)
    await anna.press("В работу", card)
    await anna.press("Перенести звонок", card)
    await anna.press("Через час", card)
    clock.advance(minutes=20)  # «Забытый» is past his 15 minutes
    await fake.wait_for(lambda: "⚠️ Связаться" in card_text_of(anna, ignored))

    menu = await open_leads_menu(anna)
    await anna.press("Мои лиды", menu)
    assert menu.text.splitlines()[:2] == [
        "Мои лиды — 3, стр. 1/1",
        "⚠️ просрочено: 1 · 📞 звонок сегодня: 1",
    ]
    leads = [b for b in menu.buttons() if "#" in b]
    assert leads == [
        f"⚠️ #{ignored} Назначен · Забытый (сайт)",
        f"#{first} В работе · Первый (сайт)",
        f"📞 #{called} В работе · Звонок (сайт)",
    ]

    boss = team.boss.user
    menu = await open_leads_menu(boss)
    await boss.press("Все лиды отдела", menu)
    assert menu.text.splitlines()[1] == "⚠️ просрочено: 1 · 📞 звонок сегодня: 1"
    assert [b for b in menu.buttons() if "#" in b] == leads


async def test_a_verb_agrees_with_the_name_or_the_phrase_has_none(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    """Офисова Ольга assigned it: «назначила»; a name that tells nothing: no verb at all."""
    ours = await web_lead(running_bot, "Иван")
    await assign(team, ours, team.office, team.anna)
    card = await card_of(team.anna.user, ours)
    assert "Ответственный: Аннова Анна (назначила Офисова Ольга)" in card.text

    async with running_bot.app.uow_factory() as uow:
        await uow.session.execute(
            update(MemberRow).where(MemberRow.id == team.boss2.member_id).values(full_name="Ким Ю")
        )
        await uow.commit()
    theirs = await web_lead(running_bot, "Пётр")
    await assign(team, theirs, team.boss2, team.boris)
    card = await card_of(team.boris.user, theirs)
    assert "Ответственный: Бобров Борис (назначение: Ким Ю)" in card.text


async def test_buttons_keep_their_places_from_status_to_status(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    """Each action has its row and its place in every status; «Переименовать» comes and
    goes with the hint that asks for it."""
    lead_id = await web_lead(running_bot, "Иван")
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    assert "переименуйте лид" in card.text
    assert rows(card) == [
        ["В работу"],
        ["Чек-лист", "Перенести звонок"],
        ["Конвертировать", "Некачественный"],
        ["Изменить", "Переименовать"],
        ["→ Обработан"],
        ["Добавить заметку"],
        ["История"],
    ]
    await anna.press("В работу", card)
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert rows(card) == [
        ["Чек-лист", "Перенести звонок"],
        ["Конвертировать", "Некачественный"],
        ["Изменить", "Переименовать"],
        ["→ Обработан"],
        ["Добавить заметку"],
        ["История"],
        ["↩️ Отменить: В работе"],  # her own move, for 30 s of the (stopped) clock: the last row
    ]
    await anna.press("Переименовать", card)
    await anna.ask("Иван: 3 станка ЧПУ")
    await fake.wait_for(lambda: "Иван: 3 станка ЧПУ" in card.text)
    assert "переименуйте лид" not in card.text
    assert rows(card) == [
        ["Чек-лист", "Перенести звонок"],
        ["Конвертировать", "Некачественный"],
        ["Изменить"],
        ["→ Обработан"],
        ["Добавить заметку"],
        ["История"],
        ["↩️ Отменить: В работе"],
    ]
    await anna.press("→ Обработан", card)
    await fake.wait_for(lambda: "● Обработан" in card.text)
    assert rows(card)[:3] == [
        ["Чек-лист", "Перенести звонок"],
        ["Конвертировать", "Некачественный"],
        ["Изменить"],
    ]

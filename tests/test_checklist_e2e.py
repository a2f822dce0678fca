"""The checklist walked through the fake Telegram (R2.6, R2.7, R2.9): nothing typed is lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain.model import TimerKind
from storage.tables import TimerRow
from tests.fake_telegram import TelegramUser
from tests.support import RunningBot
from tests.team import Team, card_of, seed_team
from tests.test_lead_flow_e2e import events, lead_row
from tests.test_timers_e2e import new_assigned_lead


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """This file's flows run on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


def question_of(user: TelegramUser) -> Any:
    """The walk's one message (#14 §3): the latest that reads as a checklist."""
    return next(m for m in reversed(user.messages) if m.text.startswith("Чек-лист лида #"))


async def answer(user: TelegramUser, text: str, message: Any = None) -> Any:
    """Type an answer; returns the walk's message once the bot has edited it (the next
    question, the summary, or the question again with why the answer was not taken)."""
    message = message or question_of(user)
    edits = message.edits
    await user.send(text)
    return await user.fake.wait_for(lambda: message if message.edits > edits else None)


async def press(user: TelegramUser, label: str) -> Any:
    message = question_of(user)
    await user.press(label, message)
    return question_of(user)


async def test_the_whole_default_checklist(running_bot: RunningBot, team: Team, fake: Any) -> None:
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("Изменить", card)
    await anna.press("E-mail", card)
    await anna.ask("ivan@romashka.ru")  # the checklist's e-mail answer replaces it below
    await fake.wait_for(lambda: "E-mail: ivan@romashka.ru" in card.text)
    sent_before = len(anna.messages)
    await anna.press("Чек-лист", card)
    question = question_of(anna)
    assert question.text.splitlines() == [
        f"Чек-лист лида #{lead_id} · вопрос 1/12",
        "Что нужно клиенту? Коротко о задаче и потребности. (обязательный)",
        "Напишите ответ сообщением.",
    ]
    assert question.buttons() == ["Пауза", "Отмена"]  # a required first question
    question = await answer(anna, "Коробки для тортов")
    # One message, edited: what was understood is on it, above the next question (#14 §3).
    assert question.text.splitlines()[:3] == [
        f"Чек-лист лида #{lead_id} · вопрос 2/12",
        "✓ Что нужно клиенту?: Коробки для тортов",
        "Записал: Коробки для тортов",
    ]
    await answer(anna, "10 000")
    question = await press(anna, "Пропустить")  # the budget is optional
    assert question.buttons()[:4] == ["Срочно", "В этом месяце", "В этом квартале", "Позже"]
    await press(anna, "В этом месяце")
    await press(anna, "Закупки")
    await press(anna, "Пропустить")
    question = await answer(anna, 'ооо "сладкая жизнь"')
    assert "Записал: сладкая жизнь ООО" in question.text  # stored per R2.7
    await answer(anna, "Москва, ул. Кондитерская, 1")
    question = await press(anna, "Назад")  # back to the address, then forward again
    assert "Адрес компании?" in question.text
    await answer(anna, "Москва, ул. Кондитерская, 1")
    await press(anna, "Пропустить")
    await answer(anna, "Закупщик")
    # The e-mail the card holds is shown, and a new one replaces it in plain sight.
    assert "Сейчас: ivan@romashka.ru" in question_of(anna).text
    refused = await answer(anna, "zakupki@")
    assert "⚠️ Это не похоже на адрес e-mail" in refused.text
    assert "вопрос 11/12" in refused.text
    question = await answer(anna, "zakupki@sladko.ru")
    assert "Записал: zakupki@sladko.ru (было: ivan@romashka.ru)" in question.text
    summary = await answer(anna, "05.12 11:00")
    assert summary.text.startswith(f"Чек-лист лида #{lead_id}: итог")
    assert "2. Какой объём или количество? — 10 000" in summary.text
    assert "3. Какой бюджет, в рублях? — —" in summary.text
    assert "12. Когда следующий контакт? Например, 05.12 14:30. — 05.12.2026 11:00" in (
        summary.text
    )

    await anna.press("✅ Готово", summary)
    offer = summary  # the same message, closed with what comes next
    assert offer.text == f"Чек-лист пройден. Лид #{lead_id}: «Обработан». Конвертируем?"
    assert offer.buttons() == ["Конвертировать"]
    # The whole walk, a dozen answers typed and pressed, left one message (#14 §3).
    assert len(anna.messages) == sent_before + 1

    row = await lead_row(running_bot, lead_id)
    assert row.status == "PROCESSED" and row.first_contact_at is not None
    assert row.checklist_answers == {
        "needs": "Коробки для тортов",
        "volume": 10000,
        "budget": None,
        "timing": "В этом месяце",
        "decision_maker": "Закупки",
        "supplier": None,
        "company": "сладкая жизнь ООО",
        "address": "Москва, ул. Кондитерская, 1",
        "website": None,
        "position": "Закупщик",
        "email": "zakupki@sladko.ru",
        "next_contact": "2026-12-05T08:00:00+00:00",
    }
    assert (row.company_name, row.address, row.position, row.email) == (
        "сладкая жизнь ООО",
        "Москва, ул. Кондитерская, 1",
        "Закупщик",
        "zakupki@sladko.ru",
    )
    assert row.next_contact_at == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    async with running_bot.app.uow_factory() as uow:
        kinds = list(
            await uow.session.scalars(
                select(TimerRow.kind).where(
                    TimerRow.subject_kind == "lead",
                    TimerRow.subject_id == lead_id,
                    TimerRow.fired_at.is_(None),
                    TimerRow.cancelled_at.is_(None),
                )
            )
        )
    assert TimerKind.CALL_REMINDER.value in kinds  # R2.5 fires from this row
    history = [e for e in await events(running_bot, lead_id) if e[0] == "checklist"]
    assert len(history) == 13  # every answer, the address twice
    assert [e[0] for e in await events(running_bot, lead_id)][-2:] == ["status", "checklist_done"]
    await fake.wait_for(lambda: "📋 Чек-лист 9/12" in card.text)
    assert "• Что нужно клиенту? Коротко о задаче и потребности.: Коробки для тортов" in (card.text)
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "📋 Чек-лист 9/12" in boss_card.text)

    # R2.8: the history keeps what an answer replaced, ten entries a page, newest first.
    total = len(await events(running_bot, lead_id))
    await anna.press("История", card)
    page = await fake.wait_for(
        lambda: next((m for m in anna.messages if m.text.startswith("История лида")), None)
    )
    assert page.text.splitlines()[0] == f"История лида #{lead_id} · записи 1–10 из {total}"
    assert page.text.splitlines()[1].endswith("Анна · чек-лист пройден: Квалификация B2B-клиента")
    assert page.buttons() == ["◀ Раньше"]
    shown = page.text.splitlines()[1:]
    while "◀ Раньше" in page.buttons():
        await anna.press("◀ Раньше", page)
        shown += page.text.splitlines()[1:]
    assert len(shown) == total and page.buttons() == ["Позже ▶"]
    assert shown[-1].endswith("система · создан: Иван (сайт)")
    assert any(
        line.endswith("изменено поле «E-mail»: ivan@romashka.ru → zakupki@sladko.ru")
        for line in shown
    )
    assert any(
        line.endswith("чек-лист «Адрес компании?»: Москва, ул. Кондитерская, 1") for line in shown
    )


async def test_a_restart_mid_way_resumes_at_the_same_question(
    bot_factory: Any, fake: Any, admin: Any
) -> None:
    first = await bot_factory()
    team = await seed_team(first, fake, admin)
    lead_id = await new_assigned_lead(first, team, team.anna)
    anna = team.anna.user
    await anna.send(f"/checklist {lead_id}")
    await fake.wait_for(lambda: anna.messages[-1].text.startswith("Чек-лист лида #"))
    await answer(anna, "Поддоны")
    await answer(anna, "40")
    await press(anna, "Пропустить")
    await first.stop()

    second = await bot_factory()
    question = question_of(anna)
    assert "вопрос 4/12" in question.text
    await anna.press("Срочно", question)
    question = question_of(anna)
    assert "вопрос 5/12" in question.text
    row = await lead_row(second, lead_id)
    assert row.checklist_answers == {
        "needs": "Поддоны",
        "volume": 40,
        "budget": None,
        "timing": "Срочно",
    }


async def test_pause_one_walk_another_resume_the_first(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    a = await new_assigned_lead(running_bot, team, team.anna, "Первый")
    b = await new_assigned_lead(running_bot, team, team.anna, "Второй")
    anna = team.anna.user
    await anna.press("Чек-лист", await card_of(anna, a))
    walk_a = question_of(anna)
    await answer(anna, "Для A")
    resume = await press(anna, "Пауза")
    assert resume is walk_a  # paused in place
    assert resume.text == f"Чек-лист лида #{a} на паузе. Ответы сохранены."
    assert resume.buttons() == ["▶️ Продолжить чек-лист"]

    await anna.send(f"/checklist {b}")
    walk_b = await fake.wait_for(
        lambda: (
            anna.messages[-1] if anna.messages[-1].text.startswith(f"Чек-лист лида #{b}") else None
        )
    )
    await answer(anna, "Для B", walk_b)
    # A press on lead A's card while walking B: done, and B is paused with a way back.
    # The card's refresh after A's answer comes through the outbox; wait for it so it
    # cannot land after the press and replace the planning buttons.
    card_a = await card_of(anna, a)
    await fake.wait_for(lambda: "📋 Чек-лист 1/12" in card_a.text)
    await anna.press("Перенести звонок", card_a)
    paused_b = walk_b  # paused on its own message, nothing new sent
    assert paused_b.text == f"Чек-лист лида #{b} на паузе. Ответы сохранены."
    assert paused_b.buttons() == ["▶️ Продолжить чек-лист"]
    assert card_a.buttons()[0] == "Через час"
    # A command typed mid-walk is a command.
    await anna.press("▶️ Продолжить чек-лист", resume)
    assert "вопрос 2/12" in walk_a.text and f"#{a}" in walk_a.text
    help_text = await anna.ask("/help")
    assert help_text.text.startswith("Что умеет бот")
    await answer(anna, "12", walk_a)
    row_a, row_b = await lead_row(running_bot, a), await lead_row(running_bot, b)
    assert row_a.checklist_answers == {"needs": "Для A", "volume": 12}
    assert row_b.checklist_answers == {"needs": "Для B"}
    await anna.press("▶️ Продолжить чек-лист", paused_b)
    assert "вопрос 2/12" in walk_b.text and f"#{b}" in walk_b.text
    assert walk_a.text == f"Чек-лист лида #{a} на паузе. Ответы сохранены."


GOOD = """
name: Короткий
questions:
  - key: ok
    text: Клиенту всё понятно?
    kind: yesno
    required: true
  - key: products
    text: Что берёт?
    kind: multi
    choices: [Коробки, Ленты, Пакеты]
    required: true
""".encode()


async def test_a_supervisor_replaces_the_checklist(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    boss, anna = team.boss.user, team.anna.user
    started = await new_assigned_lead(running_bot, team, team.anna, "Начатый")
    await anna.press("Чек-лист", await card_of(anna, started))

    await boss.send_file("checklist.yaml", b"name: X\nquestions:\n  - key: a\n   text: [x\n")
    refusal = await boss.reply()
    assert refusal.text.startswith("Чек-лист не принят:\n• строка 4:")
    await boss.send_file("checklist.yml", b"name: X\nquestions:\n  - key: a\n    kind: colour\n")
    refusal = await boss.reply()
    assert refusal.text.splitlines()[1:] == [
        "• questions[1] (a).text: нужен текст вопроса до 500 знаков",
        "• questions[1] (a).kind: «colour» — неизвестный тип (можно: text, number, money, "
        "phone, email, url, date, datetime, yesno, choice, multi)",
    ]
    await anna.send_file("checklist.yaml", GOOD)
    assert (await anna.reply()).text == "Это действие вам недоступно."

    await boss.send_file("checklist.yaml", GOOD)
    accepted = await boss.reply()
    assert accepted.text.startswith("Чек-лист «Короткий» принят: 2 вопроса.")

    # The lead started before keeps its version; a new one gets the new checklist.
    await anna.send(f"/checklist {started}")
    await fake.wait_for(lambda: "вопрос 1/12" in anna.messages[-1].text)
    fresh = await new_assigned_lead(running_bot, team, team.anna, "Новый")
    await anna.send(f"/checklist {fresh}")
    question = await fake.wait_for(
        lambda: anna.messages[-1] if "вопрос 1/2" in anna.messages[-1].text else None
    )
    assert question.buttons()[:2] == ["Да", "Нет"]
    refused = await answer(anna, "да", question)
    assert refused.text.splitlines()[-1] == "⚠️ На этот вопрос ответьте кнопкой под ним."
    await anna.press("Да", question)
    multi = question_of(anna)
    await anna.press("◻️ Коробки", multi)
    await anna.press("◻️ Пакеты", multi)
    assert multi.buttons()[:3] == ["✅ Коробки", "◻️ Ленты", "✅ Пакеты"]
    await anna.press("Готово", multi)
    summary = question_of(anna)
    assert "2. Что берёт? — Коробки, Пакеты" in summary.text
    await anna.press("✅ Готово", summary)
    row = await lead_row(running_bot, fresh)
    assert row.checklist_answers == {"ok": "Да", "products": ["Коробки", "Пакеты"]}
    assert row.status == "PROCESSED"


async def test_quick_successive_answers_do_not_race(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    await anna.press("Чек-лист", await card_of(anna, lead_id))
    for text in ("Пакеты", "500", "90 000"):  # typed without waiting for the bot
        await fake.user_sends(anna.user, text=text)
    await fake.wait_for(lambda: "вопрос 4/12" in anna.messages[-1].text)
    row = await lead_row(running_bot, lead_id)
    assert row.checklist_answers == {"needs": "Пакеты", "volume": 500, "budget": 90000}
    # One message, edited at each answer (#14 §3).
    assert [m.text.split("\n")[0] for m in anna.messages if m.text.startswith("Чек-лист")] == [
        f"Чек-лист лида #{lead_id} · вопрос 4/12"
    ]


async def test_required_answers_block_done_and_survive_conversion(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    from domain.errors import InvalidInput
    from domain.services import checklist as walk
    from domain.services import conversion
    from storage.tables import DealRow

    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna_member = None
    async with running_bot.app.uow_factory() as uow:
        anna_member = await uow.members.get(team.anna.member_id)
        assert anna_member is not None
        await walk.start(uow, anna_member, lead_id, running_bot.app.clock.now())
    async with running_bot.app.uow_factory() as uow:
        await walk.answer(
            uow,
            anna_member,
            lead_id,
            0,
            "Ленты",
            running_bot.app.clock.now(),
            running_bot.app.settings.zone,
        )
    async with running_bot.app.uow_factory() as uow:
        with pytest.raises(InvalidInput) as refused:
            await walk.finish(uow, anna_member, lead_id, running_bot.app.clock.now())
    assert str(refused.value).startswith(
        "Не заполнены обязательные вопросы: Когда нужно?; Кто принимает решение?"
    )
    assert (await lead_row(running_bot, lead_id)).status == "IN_PROCESS"  # #14 §2

    await answer_field_company(running_bot, anna_member, lead_id)
    async with running_bot.app.uow_factory() as uow:
        deal = await conversion.convert_lead(
            uow, anna_member, lead_id, None, None, running_bot.app.clock.now()
        )
        row = await uow.session.get(DealRow, deal.id)
        assert row is not None and row.checklist_answers["needs"] == "Ленты"  # R3.1


async def answer_field_company(bot: RunningBot, member: Any, lead_id: int) -> None:
    from domain.lead_fields import LeadField
    from domain.services import leads

    async with bot.app.uow_factory() as uow:
        await leads.edit_field(
            uow, member, lead_id, LeadField.COMPANY, "ООО Ленты", bot.app.clock.now()
        )


async def test_a_card_menu_is_not_replaced_by_a_refresh_that_was_waiting(
    bot_factory: Any, fake: Any, admin: Any
) -> None:
    """The CI failure of 2026-12-01: an answer's card refresh, held back by the one message
    a second to a chat, landed after a press on the card and took its menu away."""
    bot = await bot_factory(telegram_chat_interval_seconds=3)
    team = await seed_team(bot, fake, admin)
    lead_id = await new_assigned_lead(bot, team, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)  # the outbox's last message to Anna: 3 s to the next
    await anna.press("Чек-лист", card)
    # The checklist took the lead into work (#14 §2): the card drawn at «Назначен» is stale
    # until that refresh lands, 3 s on.
    await fake.wait_for(lambda: "В работе" in card.text and "В работу" not in card.buttons())
    await answer(anna, "Коробки")  # the card's refresh (1/12) now waits for Anna's chat
    await anna.press("Перенести звонок", card)
    assert card.buttons()[0] == "Через час"
    assert "📋 Чек-лист 1/12" in card.text  # the menu is drawn on the card as it is now
    await asyncio.sleep(3.5)
    assert card.buttons()[0] == "Через час"


THREE = """
name: Три вопроса
questions:
  - key: needs
    text: Что нужно?
    kind: text
    required: true
  - key: volume
    text: Сколько?
    kind: number
  - key: when
    text: Когда?
    kind: text
""".encode()


async def test_going_back_keeps_the_answers_and_leads_on_to_what_is_left(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    """«Назад» shows the answer given and «Оставить» keeps it, a required one too;
    «Изменить ответ» → «1.» on the summary asks that question alone and comes back to the
    summary."""
    await team.boss.user.send_file("checklist.yaml", THREE)
    assert (await team.boss.user.reply()).text.startswith("Чек-лист «Три вопроса» принят")
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    await anna.press("Чек-лист", await card_of(anna, lead_id))
    await answer(anna, "Коробки")
    await answer(anna, "500")
    back = await press(anna, "Назад")
    assert "вопрос 2/3" in back.text and "Сейчас: 500" in back.text
    required = await press(anna, "Назад")
    assert "Сейчас: Коробки" in required.text
    assert required.buttons() == ["Оставить", "Пауза", "Отмена"]
    assert "вопрос 3/3" in (await press(anna, "Оставить")).text  # on to what is left
    assert (await lead_row(running_bot, lead_id)).checklist_answers == {
        "needs": "Коробки",
        "volume": 500,
    }
    summary = await answer(anna, "в пятницу")
    assert summary.text.startswith(f"Чек-лист лида #{lead_id}: итог")
    await anna.press("Изменить ответ", summary)
    await anna.press("1. Что нужно?", summary)
    assert "вопрос 1/3" in question_of(anna).text
    summary = await answer(anna, "Коробки и ленты")
    assert summary.text.startswith(f"Чек-лист лида #{lead_id}: итог")
    assert (await lead_row(running_bot, lead_id)).checklist_answers == {
        "needs": "Коробки и ленты",
        "volume": 500,
        "when": "в пятницу",
    }


SPOKEN = """
name: Как говорят
questions:
  - key: email
    text: E-mail собеседника?
    kind: email
    field: email
  - key: budget
    text: Бюджет?
    kind: money
  - key: next_contact
    text: Когда перезвонить?
    kind: datetime
    field: next_contact
    required: true
  - key: volume
    text: Сколько штук?
    kind: number
""".encode()


async def test_a_quiet_walk_keeps_what_is_known_and_reads_what_people_type(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """#14 §3: one message for the walk; the e-mail the card holds offered with «Оставить»;
    «1,5 млн» and «завтра в 11» (by the company's clock) read and shown back; what is not
    read asked again with an example; a button answer sends nothing."""
    await team.boss.user.send_file("checklist.yaml", SPOKEN)
    assert (await team.boss.user.reply()).text.startswith("Чек-лист «Как говорят» принят")
    clock.advance(days=3)  # Friday 04.12.2026, 12:00 in Moscow
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    async with running_bot.app.uow_factory() as uow:
        anna_member = await uow.members.get(team.anna.member_id)
    await edit_field(running_bot, anna_member, lead_id, "email", "ivan@romashka.ru")
    card = await card_of(anna, lead_id)
    sent = len(anna.messages)

    await anna.press("Чек-лист", card)
    walk = question_of(anna)
    assert len(anna.messages) == sent + 1
    assert walk.text.splitlines() == [
        f"Чек-лист лида #{lead_id} · вопрос 1/4",
        "E-mail собеседника?",
        "Сейчас: ivan@romashka.ru",
        "Напишите ответ сообщением.",
    ]
    assert walk.buttons() == ["Оставить", "Пауза", "Отмена"]
    await anna.press("Оставить", walk)  # a button answer: the same message, nothing new
    assert "вопрос 2/4" in walk.text and "Оставил: ivan@romashka.ru" in walk.text

    await answer(anna, "1,5 млн", walk)
    assert "Записал: 1 500 000 ₽" in walk.text and "вопрос 3/4" in walk.text

    await answer(anna, "когда-нибудь", walk)
    assert "вопрос 3/4" in walk.text
    assert walk.text.splitlines()[-1] == (
        "⚠️ Не понял дату и время. Например: 05.12 14:30, завтра 11:00 или 16:00."
    )
    await answer(anna, "завтра в 11", walk)
    assert "Записал: сб, 05.12.2026 11:00" in walk.text and "вопрос 4/4" in walk.text

    await answer(anna, "200 шт.", walk)
    assert walk.text.startswith(f"Чек-лист лида #{lead_id}: итог")
    assert "Записал: 200" in walk.text
    assert len(anna.messages) == sent + 1  # the whole walk: one message

    row = await lead_row(running_bot, lead_id)
    assert row.checklist_answers == {
        "email": "ivan@romashka.ru",
        "budget": 1500000,
        "next_contact": "2026-12-05T08:00:00+00:00",
        "volume": 200,
    }
    assert row.email == "ivan@romashka.ru"
    assert row.next_contact_at == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    changed = [e for e in await events(running_bot, lead_id) if e[0] == "field"]
    assert len(changed) == 1  # the card's own edit; «Оставить» changed nothing


async def edit_field(bot: RunningBot, member: Any, lead_id: int, field: str, value: str) -> None:
    from domain.lead_fields import LeadField
    from domain.services import leads

    async with bot.app.uow_factory() as uow:
        await leads.edit_field(uow, member, lead_id, LeadField(field), value, bot.app.clock.now())


EIGHT = (
    "name: Восемь\nquestions:\n"
    + "".join(f'  - {{key: q{n}, text: "Вопрос {n}?", kind: text}}\n' for n in range(1, 9))
).encode()


async def test_the_summary_offers_a_paged_list_of_answers_to_change(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    """#14 §3: the summary keeps a few buttons; «Изменить ответ» lists the questions a page
    at a time, one is asked again, and the walk comes back to the summary, on one message."""
    await team.boss.user.send_file("checklist.yaml", EIGHT)
    assert (await team.boss.user.reply()).text.startswith("Чек-лист «Восемь» принят")
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    await anna.press("Чек-лист", await card_of(anna, lead_id))
    walk = question_of(anna)
    sent = len(anna.messages)
    for _ in range(8):
        await anna.press("Пропустить", walk)
    assert walk.text.startswith(f"Чек-лист лида #{lead_id}: итог")
    assert walk.buttons() == ["✅ Готово", "Изменить ответ", "Пауза"]

    await anna.press("Изменить ответ", walk)
    assert walk.text.splitlines() == [
        f"Чек-лист лида #{lead_id}: какой ответ изменить?",
        "Вопросы 1–6 из 8",
    ]
    assert walk.buttons() == [*(f"{n}. Вопрос {n}?" for n in range(1, 7)), "Дальше ▶", "« К итогу"]
    await anna.press("Дальше ▶", walk)
    assert walk.text.splitlines()[1] == "Вопросы 7–8 из 8"
    assert walk.buttons() == ["7. Вопрос 7?", "8. Вопрос 8?", "◀ Назад", "« К итогу"]
    await anna.press("◀ Назад", walk)
    assert walk.buttons()[0] == "1. Вопрос 1?"
    await anna.press("« К итогу", walk)
    assert walk.text.startswith(f"Чек-лист лида #{lead_id}: итог")

    await anna.press("Изменить ответ", walk)
    await anna.press("Дальше ▶", walk)
    await anna.press("8. Вопрос 8?", walk)
    assert "вопрос 8/8" in walk.text
    await answer(anna, "Восьмой ответ", walk)
    assert walk.text.startswith(f"Чек-лист лида #{lead_id}: итог")
    assert "8. Вопрос 8? — Восьмой ответ" in walk.text
    assert len(anna.messages) == sent  # every press and answer edited the one message
    assert (await lead_row(running_bot, lead_id)).checklist_answers["q8"] == "Восьмой ответ"


async def test_starting_the_checklist_takes_an_assigned_lead_into_work(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """#14 §2: the manager who opens the checklist is talking to the client: the lead goes
    to «В работе» as «В работу» would take it, R2.15's first contact stamped and its contact
    clocks stopped."""
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    clock.advance(minutes=4)
    await anna.press("Чек-лист", card)
    row = await lead_row(running_bot, lead_id)
    assert row.status == "IN_PROCESS"
    assert row.first_contact_at is not None
    assert row.first_contact_at.replace(tzinfo=UTC) == clock.now()
    async with running_bot.app.uow_factory() as uow:
        pending = list(
            await uow.session.scalars(
                select(TimerRow.kind).where(
                    TimerRow.subject_kind == "lead",
                    TimerRow.subject_id == lead_id,
                    TimerRow.fired_at.is_(None),
                    TimerRow.cancelled_at.is_(None),
                )
            )
        )
    assert not {TimerKind.CONTACT_REMINDER.value, TimerKind.CONTACT_BREACH.value} & set(pending)
    assert ("status", "Назначен ответственный", "В работе") in await events(running_bot, lead_id)
    await fake.wait_for(lambda: "В работе" in card.text and "В работу" not in card.buttons())

"""No dead ends, no one-tap accidents (#14 §5), through the fake Telegram: junk asks first,
a move can be taken back for a short while, a skipped checklist is explained."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from domain.model import Subject
from handlers.callbacks import DealAction, DealCb, LeadAction, LeadCb
from storage.tables import MemberRow
from tests.support import FakeClock, RunningBot
from tests.team import NOW, Team, card_of, contact_clock_started, post_lead
from tests.test_lead_flow_e2e import assign, events, lead_row


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    return await bot_factory(database_url=database_url)


async def pending(bot: RunningBot, lead_id: int) -> list[tuple[str, Any, int | None]]:
    async with bot.app.uow_factory() as uow:
        timers = await uow.timers.pending(Subject.lead(lead_id))
    return sorted((t.kind.value, t.due_at, t.member_id) for t in timers)


async def test_junk_asks_first_and_can_be_taken_back_with_its_clocks(
    running_bot: RunningBot, team: Team, fake: Any, clock: FakeClock
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await contact_clock_started(running_bot, lead_id)
    clocks = await pending(running_bot, lead_id)
    assert [kind for kind, _, _ in clocks] == [
        "contact_breach",
        "contact_reminder",
        "processing_breach",
    ]

    # One tap on a reason marks nothing: the card asks, with the reason shown.
    await anna.press("Некачественный", card)
    await anna.press("Спам", card)
    assert card.text.endswith("Отметить некачественным: спам?")
    assert card.buttons() == ["Да", "Нет"]
    assert (await lead_row(running_bot, lead_id)).status == "ASSIGNED"
    await anna.press("Нет", card)
    await fake.wait_for(lambda: "В работу" in card.buttons())
    assert "Отметить" not in card.text
    assert (await lead_row(running_bot, lead_id)).status == "ASSIGNED"

    await anna.press("Некачественный", card)
    await anna.press("Спам", card)
    answer = await anna.press("Да", card)
    assert answer["text"] == "Некачественный лид: спам"
    await fake.wait_for(lambda: "🏁 Некачественный лид" in card.text)
    assert card.buttons()[-2:] == ["История", "↩️ Отменить: Некачественный"]
    assert await pending(running_bot, lead_id) == []
    # Only the one who moved it is offered to take it back.
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "🏁 Некачественный лид" in boss_card.text)
    assert not [b for b in boss_card.buttons() if "Отменить" in b]

    clock.advance(seconds=20)
    answer = await anna.press("↩️ Отменить: Некачественный", card)
    assert answer["text"] == "Отменено. Статус: Назначен ответственный"
    await fake.wait_for(lambda: "● Назначен" in card.text)
    assert "Причина:" not in card.text and "В работу" in card.buttons()
    row = await lead_row(running_bot, lead_id)
    assert (row.status, row.junk_reason, row.first_contact_at) == ("ASSIGNED", None, None)
    # The clocks «Назначен» runs are back, due when they were planned.
    assert await pending(running_bot, lead_id) == clocks
    assert (await events(running_bot, lead_id))[-1] == (
        "undone",
        "Некачественный лид",
        "Назначен ответственный",
    )


async def test_a_move_is_taken_back_only_within_half_a_minute(
    running_bot: RunningBot, team: Team, fake: Any, clock: FakeClock
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await contact_clock_started(running_bot, lead_id)
    await anna.press("В работу", card)
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert card.buttons()[-1] == "↩️ Отменить: В работе"

    clock.advance(seconds=31)
    undo = LeadCb(action=LeadAction.UNDO, id=lead_id, status="IN_PROCESS").pack()
    answer = await anna.press_data(undo, card)
    assert answer == {"text": "Отменить уже нельзя: прошло больше 30 секунд.", "show_alert": True}
    await fake.wait_for(lambda: not [b for b in card.buttons() if "Отменить" in b])
    row = await lead_row(running_bot, lead_id)
    assert row.status == "IN_PROCESS" and row.first_contact_at is not None
    assert [e[0] for e in await events(running_bot, lead_id)].count("undone") == 0


async def test_processed_without_the_checklist_says_why_or_is_refused(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("→ Обработан", card)
    assert card.text.endswith("Почему без чек-листа?")
    assert card.buttons() == [
        "Всё ясно из заявки",
        "Повторный клиент",
        "Клиент не стал отвечать",
        "Другое",
        "« Назад",
    ]
    assert (await lead_row(running_bot, lead_id)).status == "ASSIGNED"
    answer = await anna.press("Повторный клиент", card)
    assert answer["text"] == "Статус: Обработан. Без чек-листа: повторный клиент"
    await fake.wait_for(lambda: "● Обработан" in card.text)
    # «В работе» was skipped: the strip does not show it done.
    assert "✓ Назначен → В работе → ● Обработан" in card.text
    assert (await events(running_bot, lead_id))[-2:] == [
        ("status", "Назначен ответственный", "Обработан"),
        ("skipped", None, "повторный клиент"),
    ]
    await anna.press("История", card)
    assert "Аннова Анна · без чек-листа: повторный клиент" in anna.last.text

    # In words of his own.
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Пётр"})
    second = body["id"]
    await assign(team, second, team.office, team.anna)
    card = await card_of(anna, second)
    await anna.press("→ Обработан", card)
    await anna.press("Другое", card)
    assert "почему лид обработан без чек-листа" in (await anna.reply()).text
    assert (await anna.ask("Договорились по почте")).text == "Лид обработан без чек-листа."
    assert (await events(running_bot, second))[-1] == ("skipped", None, "Договорились по почте")

    # The supervisor makes the checklist required: the move is refused.
    boss = team.boss.user
    shown = await boss.ask("/settings")
    assert "Чек-лист: не обязателен" in shown.text
    await boss.press("Чек-лист: сделать обязательным", shown)
    assert "Чек-лист: обязателен" in shown.text
    assert "Чек-лист: сделать необязательным" in shown.buttons()
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Олег"})
    third = body["id"]
    await assign(team, third, team.office, team.anna)
    card = await card_of(anna, third)
    answer = await anna.press("→ Обработан", card)
    assert answer == {
        "text": "В отделе лид обрабатывают только по чек-листу: нажмите «Чек-лист».",
        "show_alert": True,
    }
    assert (await lead_row(running_bot, third)).status == "ASSIGNED"


async def test_the_converted_card_leads_to_its_deal_and_the_confirmation_closes(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    lead = {"source": "WEB", "name": "Иван", "company": "ООО «Ромашка»", "title": "Коробки"}
    _, body = await post_lead(running_bot, lead)
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("Конвертировать", card)
    await anna.press("Сделка + контакт + компания", card)
    answer = await anna.press("✅ Подтвердить", card)
    deal_id = int(answer["text"].removeprefix("Создана сделка #"))
    await fake.wait_for(lambda: "🏁 Качественный лид" in card.text)
    assert f"Сделка #{deal_id}: Коробки (Ромашка ООО, стадия «Новая»)" in card.text
    assert card.buttons()[0] == f"Сделка #{deal_id}"
    await anna.press(f"Сделка #{deal_id}", card)
    deal = anna.last
    assert deal.text.splitlines()[:4] == [
        f"Сделка #{deal_id}: Коробки",
        "Стадия: Новая",
        "Компания: Ромашка ООО",
        "Ответственный: Аннова Анна",
    ]
    # Another manager of the department does not see it.
    answer = await team.boris.user.press_data(
        DealCb(action=DealAction.OPEN, id=deal_id).pack(), team.boris.user.messages[-1]
    )
    assert answer["text"] == "Эта сделка вам недоступна."

    # Confirmed on a message that is not the live card (the checklist's offer, say): it
    # closes, saying what was made, and the live card shows the deal.
    _, body = await post_lead(running_bot, {**lead, "title": "Ещё коробки", "name": "Пётр"})
    second = body["id"]
    await assign(team, second, team.office, team.anna)
    card = await card_of(anna, second)
    await anna.press("История", card)
    elsewhere = anna.last
    confirm = LeadCb(action=LeadAction.CONVERT_CONFIRM, id=second, status="ASSIGNED").pack()
    answer = await anna.press_data(confirm, elsewhere)
    deal_id = int(answer["text"].removeprefix("Создана сделка #"))
    await fake.wait_for(lambda: elsewhere.text.startswith("Создано"))
    assert elsewhere.text == (
        f"Создано: Сделка #{deal_id}: Ещё коробки, контакт и компания «Ромашка ООО»."
    )
    assert elsewhere.buttons() == []
    await fake.wait_for(lambda: f"Сделка #{deal_id}: Ещё коробки" in card.text)


async def test_an_escalation_offers_no_reminder_that_would_reach_nobody(
    running_bot: RunningBot, team: Team, fake: Any, clock: FakeClock
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    await contact_clock_started(running_bot, lead_id)
    async with running_bot.app.uow_factory() as uow:  # Anna blocks the bot
        await uow.session.execute(
            update(MemberRow).where(MemberRow.id == team.anna.member_id).values(blocked_at=NOW)
        )
        await uow.commit()
    clock.advance(minutes=16)
    boss = team.boss.user
    card = (await fake.wait_for(lambda: [m for m in boss.messages if "🚨" in m.text]))[0]
    assert card.buttons() == ["Взыскание", "Сменить ответственного", "Карточка лида"]


async def test_notes_make_a_timeline_beside_the_clients_own_text(
    running_bot: RunningBot, team: Team, fake: Any, clock: FakeClock
) -> None:
    _, body = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "comment": "Нужно 100 коробок"}
    )
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    for text in ("Просил перезвонить после обеда", "Ждёт счёт", "Счёт отправлен"):
        clock.advance(minutes=1)
        await anna.press("Добавить заметку", card)
        assert "Текст заметки?" in (await anna.reply()).text
        assert (await anna.ask(text)).text == "Заметка добавлена."
        await fake.wait_for(lambda t=text: f"Аннова Анна: {t}" in card.text)
    lines = card.text.splitlines()
    assert [line for line in lines if line.startswith("📝")] == [
        "📝 01.12.2026 12:02 Аннова Анна: Ждёт счёт",
        "📝 01.12.2026 12:03 Аннова Анна: Счёт отправлен",
    ]
    assert lines[-1] == "Комментарий: Нужно 100 коробок"  # the client's text, as it came
    await anna.press("История", card)
    history = anna.last.text
    assert "Аннова Анна · заметка: Просил перезвонить после обеда" in history
    assert "Аннова Анна · заметка: Счёт отправлен" in history

    # The client's text is not among the fields to change, nor changed by a forged press.
    await anna.press("Изменить", card)
    assert "Комментарий" not in card.buttons()
    await anna.press("« Назад", card)
    forged = LeadCb(action=LeadAction.EDIT_FIELD, id=lead_id, status="ASSIGNED", target="comment")
    await anna.press_data(forged.pack(), card)
    await anna.reply()
    refused = await anna.ask("Нужно 5 коробок")
    assert refused.text.startswith("Текст клиента не меняется: добавьте заметку.")
    assert (await lead_row(running_bot, lead_id)).comment == "Нужно 100 коробок"


async def test_the_profile_is_shown_with_a_change_beside_each_field(
    running_bot: RunningBot, team: Team
) -> None:
    anna = team.anna.user
    shown = await anna.ask("Профиль")
    assert shown.text.splitlines() == [
        "Профиль",
        "ФИО: Аннова Анна",
        "Телефон: +79120000000",
        "E-mail: x@example.ru",
        "Должность: менеджер",
        "Роль: менеджер, отдел «Продажи»",
    ]
    assert shown.buttons() == [
        "Изменить: ФИО",
        "Изменить: Телефон",
        "Изменить: E-mail",
        "Изменить: Должность",
    ]
    await anna.press("Изменить: Телефон", shown)
    assert (await anna.reply()).text.startswith("Телефон: сейчас +79120000000.")
    saved = await anna.ask("8 912 555-11-22")
    assert saved.text.startswith("Сохранено. Телефон: +79125551122")
    assert "Изменить: E-mail" in saved.buttons()
    await anna.press("Изменить: E-mail", saved)
    await anna.reply()
    refused = await anna.ask("anna@")
    assert refused.text.startswith("Это не похоже на адрес e-mail")
    assert (await anna.ask("anna@romashka.ru")).text.startswith("Сохранено. E-mail:")
    async with running_bot.app.uow_factory() as uow:
        member = await uow.members.get(team.anna.member_id)
    assert member is not None
    assert (member.phone, member.email, member.full_name) == (
        "+79125551122",
        "anna@romashka.ru",
        "Аннова Анна",
    )

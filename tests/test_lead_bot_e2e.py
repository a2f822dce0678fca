"""Leads made and worked in the bot: the new-lead talk, drafts, card buttons, lists, rights."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.model import Notification, NotificationKind, Subject
from domain.services import onboarding
from handlers.callbacks import DraftAction, DraftCb, FormAction, FormCb, LeadAction, LeadCb
from tests.fake_telegram import TelegramUser
from tests.support import RunningBot
from tests.team import Team, card_of, post_lead
from tests.test_lead_flow_e2e import assign, lead_row

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """This file's flows run on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


async def open_leads_menu(user: TelegramUser) -> Any:
    """The Leads menu; cards that arrive meanwhile from the outbox are passed over."""
    before = len(user.messages)
    await user.send("Лиды")
    return await user.fake.wait_for(
        lambda: next((m for m in user.messages[before:] if m.text == "Лиды"), None)
    )


async def new_lead_in_bot(user: TelegramUser, answers: list[str | None]) -> Any:
    """Walk "Новый лид"; None presses "Пропустить"."""
    menu = await open_leads_menu(user)
    await user.press("Новый лид", menu)
    for answer in answers:
        question = user.last
        if answer is None:
            await user.press("Пропустить", question)
        else:
            await user.ask(answer)
    return user.last


async def test_manager_types_a_lead_and_becomes_responsible(
    running_bot: RunningBot, team: Team, fake: Any
) -> None:
    anna = team.anna.user
    menu = await open_leads_menu(anna)
    await anna.press("Новый лид", menu)
    assert anna.last.text.startswith("Новый лид. Название лида")
    await anna.ask("Ромашка: 100 коробок")
    await anna.send_sticker("👍")  # not an answer: the question stands
    assert (await anna.reply()).text == "Сначала ответьте на вопрос выше или нажмите /cancel."
    assert (await anna.ask("оао «ромашка»")).text == "Контактное лицо: имя и фамилия?"
    await anna.press("Пропустить", anna.last)
    refused = await anna.ask("12-34")
    assert refused.text.startswith("Это не похоже на номер телефона")
    await anna.ask("+7 912 765-43-21")
    await anna.press("Пропустить", anna.last)
    summary = await anna.ask("/ звонил сам, <важно>")  # a slash, but no command: the answer
    assert summary.text.splitlines() == [
        "Новый лид",
        "Название: Ромашка: 100 коробок",
        "Компания: ромашка ОАО",
        "Контакт: —",
        "Телефон: +79127654321",
        "E-mail: —",
        "Комментарий: / звонил сам, <важно>",
    ]
    answer = await anna.press("✅ Создать", summary)
    assert answer["text"] == "Лид создан"
    lead_id = (
        int(anna.messages[-1].text.split("#")[1].split()[0])
        if anna.messages[-1].text.startswith("Лид #")
        else None
    )
    created = next(m for m in anna.messages if m.text.startswith("Лид #"))
    lead_id = int(created.text.split("#")[1].split()[0])
    card = await card_of(anna, lead_id)
    assert "● Назначен" in card.text and "Ответственный: Аннова Анна" in card.text
    assert "Комментарий: / звонил сам, <важно>" in card.text
    row = await lead_row(running_bot, lead_id)
    assert (row.source, row.status, row.responsible_id, row.creator_id) == (
        "MANUAL",
        "ASSIGNED",
        team.anna.member_id,
        team.anna.member_id,
    )
    assert all(f"#{lead_id} · " not in m.text for m in team.boss.user.messages)


async def test_office_manager_lead_goes_to_the_pool(team: Team, running_bot: RunningBot) -> None:
    last = await new_lead_in_bot(team.office.user, ["Окна", None, "Иван", None, None, None])
    await team.office.user.press("✅ Создать", last)
    created = next(m for m in team.office.user.messages if m.text.startswith("Лид #"))
    lead_id = int(created.text.split("#")[1].split()[0])
    for person in (team.boss, team.boss2, team.office):
        card = await card_of(person.user, lead_id)
        assert card.buttons()[0] == "Назначить"
    assert (await lead_row(running_bot, lead_id)).status == "NEW"


async def test_a_lead_needs_a_way_to_reach_the_client(team: Team, running_bot: RunningBot) -> None:
    """No name, no phone, and the e-mail skipped too: back to the contact, nothing typed
    lost."""
    anna = team.anna.user
    asked = await new_lead_in_bot(anna, ["Ромашка: 100 коробок", "ооо ромашка", None, None, None])
    assert asked.text.splitlines() == [
        "Нужен хотя бы один способ связаться: телефон, e-mail или имя контакта.",
        "Контактное лицо: имя и фамилия?",
    ]
    await anna.press("Пропустить", anna.last)
    await anna.ask("+7 912 765-43-21")
    await anna.press("Пропустить", anna.last)  # the e-mail: a phone is enough
    summary = await anna.ask("Срочно")
    assert summary.text.splitlines()[1:5] == [
        "Название: Ромашка: 100 коробок",
        "Компания: ромашка ООО",
        "Контакт: —",
        "Телефон: +79127654321",
    ]
    assert (await anna.press("✅ Создать", summary))["text"] == "Лид создан"


async def test_forwarded_message_and_contact_become_drafts(
    team: Team, fake: Any, running_bot: RunningBot
) -> None:
    anna = team.anna.user
    await fake.user_sends(anna.user, text="Здравствуйте! Нужны 20 палет кирпича.")
    fake._updates[-1]["message"]["forward_origin"] = {  # what a forwarded message carries
        "type": "user",
        "date": 1,
        "sender_user": {"id": 42, "is_bot": False, "first_name": "Семён", "last_name": "Кирпичов"},
    }
    draft = await anna.reply()
    assert draft.text.splitlines() == [
        "Черновик лида из мессенджера",
        "Имя контакта: Семён",
        "Фамилия контакта: Кирпичов",
        "Комментарий: Здравствуйте! Нужны 20 палет кирпича.",
    ]
    answer = await anna.press("✅ Создать лид", draft)
    assert answer["text"].startswith("Лид #")
    lead_id = int(answer["text"].split("#")[1].split()[0])
    row = await lead_row(running_bot, lead_id)
    assert (row.source, row.contact_name, row.responsible_id) == (
        "OPENLINE",
        "Семён",
        team.anna.member_id,
    )
    assert (await anna.press_data(f"dr:ok:{draft.message_id}", draft))["show_alert"]

    await fake.user_sends(
        anna.user, contact={"phone_number": "79001112233", "first_name": "Клава", "user_id": 77}
    )
    draft = await fake.wait_for(
        lambda: next(
            (m for m in anna.messages if m.text.startswith("Черновик") and "Клава" in m.text), None
        )
    )
    assert "Телефон: +79001112233" in draft.text
    await anna.press("Не нужно", draft)
    assert draft.buttons() == []


async def test_card_buttons_plan_rename_edit(
    team: Team, running_bot: RunningBot, fake: Any, clock: Any
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    assert "✏️ Название создано автоматически" in card.text

    await anna.press("Перенести звонок", card)
    assert card.buttons()[:3] == ["Через час", "Завтра 10:00", "Ввести дату и время"]
    answer = await anna.press("Через час", card)
    assert answer["text"] == "Звонок: 01.12.2026 13:00"  # 09:00 UTC is 12:00 in Moscow
    await fake.wait_for(lambda: "📞 Звонок в 13:00 (ещё 1 ч)" in card.text)
    await anna.press("Перенести звонок", card)
    await anna.press("Ввести дату и время", card)
    assert "Когда перезвонить?" in anna.last.text
    assert (await anna.ask("вчера")).text.startswith("Не понял дату и время")
    assert (await anna.ask("01.12 11:00")).text.startswith("Это время уже прошло")
    assert (await anna.ask("05.12 14:30")).text == "Записал: позвонить 05.12.2026 14:30."
    row = await lead_row(running_bot, lead_id)
    assert row.next_contact_at == datetime(2026, 12, 5, 11, 30, tzinfo=UTC)
    await fake.wait_for(lambda: "📞 Звонок 05.12 в 14:30 (ещё 4 дн 2 ч)" in card.text)

    await anna.press("Переименовать", card)
    await anna.ask("Иван: 3 станка ЧПУ")
    await fake.wait_for(lambda: "Иван: 3 станка ЧПУ" in card.text)
    assert "Название создано автоматически" not in card.text

    await anna.press("Изменить", card)
    await anna.press("E-mail", card)
    assert (await anna.ask("ivan@")).text.startswith("Это не похоже на адрес e-mail")
    assert (await anna.ask("ivan@stanki.ru")).text == "Сохранено. E-mail: ivan@stanki.ru"
    await fake.wait_for(lambda: "E-mail: ivan@stanki.ru" in card.text)
    await anna.press("Изменить", card)
    await anna.press("Компания", card)
    assert (await anna.ask("зао станки")).text == "Сохранено. Компания: станки ЗАО"
    await fake.wait_for(lambda: "Компания: станки ЗАО" in card.text)
    kinds = [e.kind for e in (await _history(running_bot, lead_id))]
    assert kinds.count("field") == 3 and kinds.count("next_contact") == 2


async def _history(bot: RunningBot, lead_id: int) -> list[Any]:
    async with bot.app.uow_factory() as uow:
        return await uow.lead_events.latest(lead_id, 50)


async def test_stale_and_forged_presses_change_nothing(
    team: Team, running_bot: RunningBot, fake: Any, user_factory: Any
) -> None:
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("В работу", card)
    await fake.wait_for(lambda: "● В работе" in card.text)
    edits = card.edits

    go = LeadCb(action=LeadAction.MOVE, id=lead_id, status="ASSIGNED", target="IN_PROCESS").pack()
    answer = await anna.press_data(go, card)
    assert answer == {"text": "Лид уже в статусе «В работе».", "show_alert": True}
    # The stale card is drawn again (the same content, so Telegram keeps it as it is).
    await fake.wait_for(
        lambda: any(
            c.get("message_id") == str(card.message_id)
            for c in fake.calls_of("editMessageText")[-1:]
        )
    )
    assert card.edits == edits

    boris = team.boris.user
    answer = await boris.press_data(
        LeadCb(action=LeadAction.CONVERT, id=lead_id, status="IN_PROCESS").pack(),
        boris.messages[-1],
    )
    assert answer == {"text": "Это не ваш лид: действие недоступно.", "show_alert": True}
    answer = await boris.press_data(
        LeadCb(action=LeadAction.OPEN, id=lead_id).pack(), boris.messages[-1]
    )
    assert answer["text"] == "Это не ваш лид: карточка недоступна."
    answer = await anna.press_data(
        LeadCb(action=LeadAction.MOVE, id=99999, status="NEW", target="ASSIGNED").pack(), card
    )
    assert answer["text"] == "Лид #99999 не найден."
    answer = await anna.press_data("ld:garbage", card)
    assert answer["text"] == "Эта кнопка устарела: откройте раздел заново."
    back = LeadCb(action=LeadAction.MOVE, id=lead_id, status="IN_PROCESS", target="ASSIGNED").pack()
    answer = await anna.press_data(back, card)
    assert answer["text"] == "Вернуть лид на прошлую стадию может только руководитель отдела."
    office = team.office.user
    answer = await office.press_data(
        LeadCb(
            action=LeadAction.JUNK_REASON, id=lead_id, status="IN_PROCESS", target="spam"
        ).pack(),
        office.messages[-1],
    )
    assert answer["text"] == "Это не ваш лид: действие недоступно."

    stranger = user_factory("Чужой")
    await stranger.ask("/start")
    answer = await stranger.press_data(go, stranger.messages[-1])
    assert answer["text"].startswith("Этот бот — рабочий инструмент")
    row = await lead_row(running_bot, lead_id)
    assert (row.status, row.responsible_id) == ("IN_PROCESS", team.anna.member_id)

    # The supervisor may move the lead back.
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "← Назначен" in boss_card.buttons())
    answer = await team.boss.user.press("← Назначен", boss_card)
    assert answer["text"] == "Статус: Назначен ответственный"


async def test_presses_out_of_range_or_out_of_place_are_answered_and_change_nothing(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """Forged data the bot never sends, and real buttons pressed where they do not belong:
    each gets its reason, and no database error or generic failure."""
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    stale = "Эта кнопка устарела: откройте раздел заново."
    for data in (
        f"ld:go:{2**40}:ASSIGNED:IN_PROCESS:0",  # past what the tables hold
        f"ld:pick:{lead_id}:NEW::{2**63}",
        f"ll:my::0:{2**40}",
        f"es:rem:{2**40}:0",
        f"cl:done:{lead_id}:{2**40}",  # past any date
    ):
        assert (await anna.press_data(data, card))["text"] == stale, data
    answer = await anna.press_data(f"cl:done:{lead_id}:0", card)  # a reminder of no call
    assert answer["text"] == "Это напоминание устарело: звонок уже перенесён."
    assert (await anna.press_data(FormCb(action=FormAction.CANCEL).pack(), card))["text"] == (
        "Эта анкета уже закрыта."
    )
    assert (await anna.press_data(DraftCb(action=DraftAction.DROP, id=lead_id).pack(), card))[
        "text"
    ] == ("Этого черновика уже нет.")
    assert "В работу" in card.buttons()  # the card pressed on keeps its buttons
    boris = team.boris.user
    answer = await boris.press_data(
        LeadCb(action=LeadAction.CARD, id=lead_id).pack(), boris.messages[-1]
    )
    assert answer["text"] == "Карточка этого лида вам недоступна."
    answer = await boris.press_data(f"ck:c:{lead_id}:0:0", boris.messages[-1])
    assert answer["text"] == "Это не ваш лид: действие недоступно."  # no resume offered
    assert (await anna.ask("/checklist ²")).text == "Напишите номер лида: /checklist 12"
    assert (await team.admin.user.ask("/settings")).text == (
        "Сроки задаются для отдела: их меняет руководитель отдела."
    )

    await anna.press("Некачественный", card)
    await anna.press("Спам", card)
    await anna.press("Да", card)
    await fake.wait_for(lambda: "Некачественный" in card.text and "Спам" not in card.buttons())
    for action in ("call", "edt", "jnk", "ren"):
        answer = await anna.press_data(LeadCb(action=LeadAction(action), id=lead_id).pack(), card)
        assert answer["text"] == "Лид уже в статусе «Некачественный лид».", action
    row = await lead_row(running_bot, lead_id)
    assert (row.status, row.responsible_id, row.junk_reason) == (
        "JUNK",
        team.anna.member_id,
        "спам",
    )


async def test_lists_and_board(team: Team, running_bot: RunningBot, fake: Any) -> None:
    ids = []
    for n in range(10):
        _, body = await post_lead(running_bot, {"source": "WEB", "name": f"Клиент {n}"})
        ids.append(body["id"])
    for lead_id in ids[:9]:
        await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    await anna.press("В работу", await card_of(anna, ids[0]))

    menu = await open_leads_menu(anna)
    assert menu.buttons() == ["Мои лиды", "Новый лид", "Канбан"]
    await anna.press("Мои лиды", menu)
    assert menu.text.startswith("Мои лиды — 9, стр. 1/2")
    lead_buttons = [b for b in menu.buttons() if b.startswith("#")]
    assert len(lead_buttons) == 8
    assert lead_buttons[0].startswith(f"#{ids[1]} Назначен")  # the contact clock runs first
    await anna.press("▶", menu)
    assert menu.text.startswith("Мои лиды — 9, стр. 2/2")
    assert [b for b in menu.buttons() if b.startswith("#")] == [
        f"#{ids[0]} В работе · Клиент 0 (сайт)"
    ]
    await anna.press("В работе", menu)
    assert menu.text.startswith("Мои лиды: В работе — 1")
    await anna.press(f"#{ids[0]} В работе · Клиент 0 (сайт)", menu)
    cards = await fake.wait_for(
        lambda: [m for m in anna.messages if m.text.startswith(f"#{ids[0]} · ")][1:] or None
    )
    assert "● В работе" in cards[-1].text  # a fresh copy, at the bottom of the chat
    first_copy = next(m for m in anna.messages if m.text.startswith(f"#{ids[0]} · "))
    await fake.wait_for(lambda: first_copy.buttons() == [])  # the copy above is retired

    await anna.press("Канбан", await open_leads_menu(anna))
    board = anna.last
    assert "Назначен ответственный: 8" in board.text and "В работе: 1" in board.text
    await anna.press("В работе (1)", board)
    assert board.text.startswith("Мои лиды: В работе — 1")

    boss = team.boss.user
    menu = await open_leads_menu(boss)
    assert "Неразобранные" in menu.buttons()
    await boss.press("Неразобранные", menu)
    assert menu.text.startswith("Неразобранные лиды — 1")
    menu = await open_leads_menu(boss)
    await boss.press("По менеджерам", menu)
    assert menu.buttons() == ["Аннова Анна (9)", "Бобров Борис (0)"]
    await boss.press("Аннова Анна (9)", menu)
    assert menu.text.startswith("Лиды: Аннова Анна — 9")
    # Switched off, she still holds her leads: they stay in the list, to be handed over.
    async with running_bot.app.uow_factory() as uow:
        boss_member = await uow.members.get(team.boss.member_id)
        assert boss_member is not None
        await onboarding.deactivate_member(uow, boss_member, team.anna.member_id)
    menu = await open_leads_menu(boss)
    await boss.press("По менеджерам", menu)
    assert menu.buttons() == ["Бобров Борис (0)", "Аннова Анна · отключён (9)"]
    menu = await open_leads_menu(boss)
    await boss.press("Канбан", menu)
    assert "Не обработан: 1" in menu.text


async def annas_card(running_bot: RunningBot, team: Team) -> tuple[int, Any]:
    """A new lead assigned to Anna, and her card of it."""
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    await assign(team, body["id"], team.office, team.anna)
    return body["id"], await card_of(team.anna.user, body["id"])


async def test_a_press_on_a_card_whose_sending_is_not_yet_confirmed_still_shows(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """Telegram took the card and he pressed it before Telegram's answer reached the bot: the
    card was drawn before his change and is not yet his live card, yet it ends showing it."""
    anna = team.anna.user
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    held = fake.hold("sendMessage", anna.id, answer_late=True)
    await assign(team, body["id"], team.office, team.anna)
    await fake.wait_for(lambda: held.waiting == 1)
    card = await card_of(anna, body["id"])
    answer = await anna.press("В работу", card)
    assert answer["text"] == "Статус: В работе"
    held.release()
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert [m for m in anna.messages if m.text.startswith(f"#{body['id']} · ")] == [card]


async def test_the_pressers_card_is_redrawn_by_the_press_not_behind_his_outbox(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """A message to him held up on its way (Telegram slow, a 429, the pacing of his chat)
    does not hold up the card he pressed on: the press's answer redraws it."""
    _, card = await annas_card(running_bot, team)
    anna = team.anna.user
    held = fake.hold("sendMessage", anna.id)
    async with running_bot.app.uow_factory() as uow:
        await uow.outbox.add(
            Notification(team.anna.member_id, NotificationKind.TEXT, NOW, text="Напоминание")
        )
        await uow.commit()
    await fake.wait_for(lambda: held.waiting == 1)

    answer = await anna.press("В работу", card)
    assert answer["text"] == "Статус: В работе"
    await fake.wait_for(lambda: "● В работе" in card.text, timeout=2)
    assert held.waiting == 1  # the text is still on its way
    held.release()
    await fake.wait_for(lambda: any(m.text == "Напоминание" for m in anna.messages))


async def test_a_redraw_telegram_refuses_goes_by_the_outbox(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    lead_id, card = await annas_card(running_bot, team)
    anna = team.anna.user
    fake.fail(500, method="editMessageText", times=1, chat_id=anna.id)

    answer = await anna.press("В работу", card)
    assert answer["text"] == "Статус: В работе"
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert (await lead_row(running_bot, lead_id)).status == "IN_PROCESS"


async def test_a_card_edit_already_on_its_way_is_not_overtaken_by_the_press(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """An edit of her card drawn before the press and still on its way: the press leaves its
    redraw to the outbox, behind it, so the card ends as the lead is."""
    lead_id, card = await annas_card(running_bot, team)
    anna = team.anna.user
    held = fake.hold("editMessageText", anna.id)
    async with running_bot.app.uow_factory() as uow:
        await uow.outbox.add(
            Notification(team.anna.member_id, NotificationKind.CARD, NOW, Subject.lead(lead_id))
        )
        await uow.commit()
    await fake.wait_for(lambda: held.waiting == 1)  # drawn as «Назначен», not yet in the chat

    answer = await anna.press("В работу", card)
    assert answer["text"] == "Статус: В работе"
    held.release()
    await fake.wait_for(lambda: "● В работе" in card.text)
    await asyncio.sleep(0.5)
    assert "● В работе" in card.text


async def test_the_card_is_redrawn_even_when_the_answer_to_the_press_fails(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """The change is committed before the press is answered: an answer Telegram refuses (a
    press too old, after the bot was down) still leaves the card as the lead is."""
    lead_id, card = await annas_card(running_bot, team)
    fake.fail(400, method="answerCallbackQuery", times=1)
    await fake.user_presses(team.anna.user.user, card, "В работу")
    await fake.wait_for(lambda: "● В работе" in card.text)
    assert (await lead_row(running_bot, lead_id)).status == "IN_PROCESS"


async def test_a_typed_value_for_a_lead_that_moved_on_ends_the_question(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """The lead changed while its manager typed: he is told why, the question is closed, and
    his next message is not taken for the answer again."""
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("Некачественный", card)
    await anna.press("Другое", card)
    assert "Напишите причину" in (await anna.reply()).text
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "В работу" in boss_card.buttons())
    await team.boss.user.press("В работу", boss_card)

    refused = await anna.ask("Клиент передумал")
    assert refused.text == (
        "Лид уже в статусе «В работе».\nОтвет не сохранён: вопрос уже неактуален."
    )
    assert (await anna.ask("Клиент передумал")).text.startswith(
        "Ничего не нашёл"
    )  # a search now (#14 §1)
    assert (await lead_row(running_bot, lead_id)).status == "IN_PROCESS"

    # Handed to another manager while she typed a new e-mail: the same.
    await fake.wait_for(lambda: "Изменить" in card.buttons())  # her card, redrawn as it is
    await anna.press("Изменить", card)
    await anna.press("E-mail", card)
    boss = team.boss.user
    await boss.press("Сменить ответственного", boss_card)
    await boss.press("Бобров Борис", boss_card)
    await fake.wait_for(lambda: [m for m in anna.messages if "передан: Бобров" in m.text])
    refused = await anna.ask("ivan@example.ru")
    assert refused.text.endswith("Ответ не сохранён: вопрос уже неактуален.")
    assert (await anna.ask("ivan@example.ru")).text.startswith(
        "Ничего не нашёл"
    )  # a search now (#14 §1)
    assert (await lead_row(running_bot, lead_id)).email is None


async def test_back_from_a_question_closes_it(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    """«Назад» instead of the value asked for: what she types next is no longer taken for it."""
    _, body = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "comment": "100 коробок, срочно"}
    )
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("Изменить", card)
    await anna.press("Адрес", card)
    assert "Адрес: напишите новое значение" in (await anna.reply()).text
    await anna.press("« Назад", card)
    await fake.wait_for(lambda: "В работу" in card.buttons())
    assert (await anna.ask("Здравствуйте! Нужны 20 палет")).text.startswith(
        "Ничего не нашёл"
    )  # a search now (#14 §1)
    assert (await lead_row(running_bot, lead_id)).address is None

    # «История» only shows something: the question asked before still stands.
    await anna.press("Изменить", card)
    await anna.press("Адрес", card)
    await anna.press_data(
        LeadCb(action=LeadAction.HISTORY, id=lead_id, status="ASSIGNED").pack(), card
    )
    assert (await anna.reply()).text.startswith(f"История лида #{lead_id}")
    saved = await anna.ask("Москва")
    assert saved.text == "Сохранено. Адрес: Москва"


async def test_a_429_on_taking_the_old_copys_buttons_does_not_send_the_card_again(
    team: Team, running_bot: RunningBot, fake: Any
) -> None:
    lead_id, first = await annas_card(running_bot, team)
    anna = team.anna.user
    fake.fail(429, method="editMessageReplyMarkup", times=1, retry_after=1)
    await anna.press_data(LeadCb(action=LeadAction.OPEN, id=lead_id).pack(), first)
    await fake.wait_for(
        lambda: [m for m in anna.messages if m.text.startswith(f"#{lead_id} ·")][1:]
    )
    await asyncio.sleep(1.5)  # past the 429's pause: a retried row would have sent it again
    cards = [m for m in anna.messages if m.text.startswith(f"#{lead_id} · ")]
    assert len(cards) == 2 and "В работу" in cards[1].buttons()

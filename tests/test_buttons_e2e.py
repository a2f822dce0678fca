"""Buttons after their data was typed (#13): a forged or mangled press on any subject's button
is answered as stale and changes nothing; the data of cards sent before still works."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, select

from storage.tables import Base, OutboxRow
from tests.fake_telegram import BOT_WAIT, ChatMessage, FakeTelegram, TelegramUser
from tests.support import RunningBot
from tests.team import Team, card_of, post_lead
from tests.test_lead_bot_e2e import open_leads_menu
from tests.test_lead_flow_e2e import assign, lead_row
from tests.test_stale_confirmations_e2e import forward_to_bot

STALE = {"text": "Эта кнопка устарела: откройте раздел заново.", "show_alert": True}


async def settled(bot: RunningBot) -> dict[str, list[str]]:
    """Every row of every table, once the outbox has sent all it owed."""
    deadline = time.monotonic() + BOT_WAIT
    while True:
        async with bot.app.uow_factory() as uow:
            session = uow.session  # type: ignore[attr-defined]
            unsent = await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            )
            if not unsent:
                return {
                    table.name: sorted(
                        repr(tuple(row)) for row in await session.execute(select(table))
                    )
                    for table in Base.metadata.sorted_tables
                }
        assert time.monotonic() < deadline, "the outbox did not settle"
        await asyncio.sleep(0.02)


def shown(message: ChatMessage) -> tuple[str, list[list[dict[str, Any]]], int]:
    return message.text, message.inline_keyboard, message.edits


def forged(data: str) -> str:
    """The same button with an action (or a key, a role) no button carries."""
    prefix, _, *rest = data.split(":")
    return ":".join([prefix, "zzz", *rest])


async def test_a_forged_or_mangled_press_on_any_button_is_stale_and_changes_nothing(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    anna, boris, boss, admin = team.anna.user, team.boris.user, team.boss.user, team.admin.user
    draft = await forward_to_bot(fake, anna, "Нужны 20 палет кирпича.")
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    card = await card_of(anna, lead_id)
    menu = await open_leads_menu(anna)
    to_work = card.button("В работу")["callback_data"]  # the checklist takes the lead into work
    await anna.press("Чек-лист", card)  # anna walks the lead's checklist from here on
    question = await fake.wait_for(
        lambda: next((m for m in anna.messages if m.text.startswith("Чек-лист лида #")), None)
    )
    boris_menu = await open_leads_menu(boris)
    await boris.press("Новый лид", boris_menu)  # boris fills the new-lead form
    form = boris.last
    team_list = await boss.ask("/team")
    settings = await boss.ask("/settings")
    invite = await admin.ask("/invite")
    role = invite.inline_keyboard[0][0]["callback_data"]
    await admin.press(invite.inline_keyboard[0][0]["text"], invite)
    department = invite.button("Продажи")["callback_data"]

    # Each subject's button as the bot drew it, and data mangled in each of its fields.
    presses: list[tuple[TelegramUser, ChatMessage, str, list[str]]] = [
        (
            anna,
            card,
            to_work,
            [
                f"ld:go:{lead_id}:BOGUS:IN_PROCESS:0",
                "ld:go:x:ASSIGNED:IN_PROCESS:0",
                f"ld:go:{lead_id}:ASSIGNED:IN_PROCESS:-1",
                f"ld:chk:{lead_id}:ASSIGNED::x",
            ],
        ),
        (anna, menu, menu.button("Мои лиды")["callback_data"], ["ll:my:BOGUS:0:0", "ll:mgr::x:0"]),
        (anna, draft, draft.button("✅ Создать лид")["callback_data"], ["dr:ok:x", "dr:no:-1"]),
        (
            anna,
            question,
            question.button("Пауза")["callback_data"],
            [f"ck:p:{lead_id}:x:0", f"ck:c:{lead_id}:0:-1", "ck:r:x:0:0"],
        ),
        (boris, form, form.button("Пропустить")["callback_data"], ["fm:skip:1", "fm:"]),
        (anna, card, "es:rem:1:0", ["es:rem:x:0", "es:rpk:1:-1"]),  # an escalation's
        (anna, card, f"cl:done:{lead_id}:0", [f"cl:done:{lead_id}:x", "cl:done:x:0"]),  # a call's
        (boss, settings, settings.button("Связаться с клиентом")["callback_data"], []),
        (
            boss,
            team_list,
            team_list.button("🚫 Отключить: Аннова Анна")["callback_data"],
            ["tm:off:x"],
        ),
        (admin, invite, role, []),
        (admin, invite, department, ["id:manager:-2", "id:manager:x"]),
        (anna, card, "pf:save", []),  # the profile's, out of its conversation
    ]
    before = await settled(running_bot)
    looks = [shown(message) for _, message, _, _ in presses]

    for user, message, data, mangled in presses:
        for bad in [forged(data), f"{data}:0", *mangled]:
            assert await user.press_data(bad, message) == STALE, bad

    assert [shown(message) for _, message, _, _ in presses] == looks
    assert await settled(running_bot) == before
    assert (await lead_row(running_bot, lead_id)).status == "IN_PROCESS"  # by the checklist


async def test_a_code_that_is_no_value_of_its_kind_is_stale_and_changes_nothing(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    """The card's target is free text (a status, a field, a junk reason): one that is none
    parses, and its handler finds the button stale; the card is drawn again as it is."""
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    before = await lead_row(running_bot, lead_id)
    looks = shown(card)
    for bad in (
        f"ld:go:{lead_id}:ASSIGNED:BOGUS:0",
        f"ld:go:{lead_id}::IN_PROCESS:0",  # a move needs the status the card showed
        f"ld:jr:{lead_id}:ASSIGNED:bogus:0",
        f"ld:ef:{lead_id}:ASSIGNED:bogus:0",
    ):
        assert await anna.press_data(bad, card) == STALE, bad
    await settled(running_bot)
    after = await lead_row(running_bot, lead_id)
    assert (after.status, after.junk_reason, after.version) == (
        before.status,
        before.junk_reason,
        before.version,
    )
    assert shown(card)[:2] == looks[:2]
    assert (await anna.ask("/cancel")).text == "Отменять нечего."  # nothing was left asked


async def test_buttons_sent_before_the_data_was_typed_still_work(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    """Presses with data exactly as the bot packed it before #13 (2), written out by hand."""
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Иван"})
    lead_id = body["id"]
    await assign(team, lead_id, team.office, team.anna)
    anna, boss = team.anna.user, team.boss.user
    card = await card_of(anna, lead_id)
    anna_id = team.anna.member_id

    # The bot still draws the same bytes...
    assert card.button("В работу")["callback_data"] == f"ld:go:{lead_id}:ASSIGNED:IN_PROCESS:0"
    assert card.button("Чек-лист")["callback_data"] == f"ld:chk:{lead_id}:ASSIGNED::0"
    assert card.button("История")["callback_data"] == f"ld:his:{lead_id}:ASSIGNED::0"
    # ...and takes them.
    answer = await anna.press_data(f"ld:go:{lead_id}:ASSIGNED:IN_PROCESS:0", card)
    assert answer == {"text": "Статус: В работе", "show_alert": False}
    assert (await lead_row(running_bot, lead_id)).status == "IN_PROCESS"
    await fake.wait_for(lambda: "● В работе" in card.text)

    answer = await anna.press_data(f"ld:call:{lead_id}:IN_PROCESS::0", card)
    assert answer["text"] == "Когда перезвонить?"
    assert card.button("Через час")["callback_data"] == f"ld:c1h:{lead_id}:IN_PROCESS::0"
    answer = await anna.press_data(f"ld:crd:{lead_id}:IN_PROCESS::0", card)
    assert answer == {"text": "", "show_alert": False}

    menu = await open_leads_menu(anna)
    await anna.press_data("ll:my::0:0", menu)
    await fake.wait_for(lambda: menu.text.startswith("Мои лиды"))
    assert menu.buttons()[0].startswith(f"#{lead_id} ")

    listing = await boss.ask("/team")
    await boss.press_data(f"tm:ask:{anna_id}", listing)
    assert listing.button("Да, отключить: Аннова Анна")["callback_data"] == f"tm:off:{anna_id}"
    answer = await boss.press_data(f"tm:off:{anna_id}", listing)
    assert answer["text"] == "Аннова Анна: доступ отключён"

    settings = await boss.ask("/settings")
    await boss.press_data("st:contact", settings)
    assert boss.last.text == "Связаться с клиентом: сколько минут? Например 15 или 0,5."

"""#12: a button acts only while what it offers stands, and a change made is never reported
as failed: a confirmation taken back, an action no button offered, a refused edit after
the commit."""

from __future__ import annotations

from typing import Any

from handlers.callbacks import DraftCb
from storage.tables import LeadRow
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.support import RunningBot
from tests.team import Team
from tests.test_lead_bot_e2e import new_lead_in_bot
from tests.test_lead_flow_e2e import count, lead_row

STALE = {"text": "Эта кнопка устарела: откройте раздел заново.", "show_alert": True}
CANT_EDIT = "Bad Request: message can't be edited"


async def is_active(bot: RunningBot, member_id: int) -> bool:
    async with bot.app.uow_factory() as uow:
        member = await uow.members.get(member_id)
    assert member is not None
    return member.active


async def test_a_confirmation_taken_back_switches_nobody(
    running_bot: RunningBot, team: Team
) -> None:
    boss, anna_id = team.boss.user, team.anna.member_id
    listing = await boss.ask("/team")
    await boss.press("🚫 Отключить: Аннова Анна", listing)
    confirm_off = listing.button("Да, отключить: Аннова Анна")["callback_data"]
    await boss.press("Отмена", listing)
    assert "Да, отключить: Аннова Анна" not in listing.buttons()

    # The «Да, отключить» of the question taken back, pressed again: nothing changes.
    assert await boss.press_data(confirm_off, listing) == STALE
    assert await is_active(running_bot, anna_id)
    assert "доступ отключён" not in listing.text
    # Nor on another copy of the list, where it was never asked.
    other = await boss.ask("/team")
    assert await boss.press_data(confirm_off, other) == STALE
    assert await is_active(running_bot, anna_id)
    assert not (await team.anna.user.ask("/help")).text.startswith("Ваш доступ")

    # Asked and confirmed, it works.
    await boss.press("🚫 Отключить: Аннова Анна", listing)
    answer = await boss.press("Да, отключить: Аннова Анна", listing)
    assert answer["text"] == "Аннова Анна: доступ отключён"
    assert not await is_active(running_bot, anna_id)

    # The same for giving the access back.
    await boss.press("✅ Включить: Аннова Анна", listing)
    confirm_on = listing.button("Да, включить: Аннова Анна")["callback_data"]
    await boss.press("Отмена", listing)
    assert await boss.press_data(confirm_on, listing) == STALE
    assert not await is_active(running_bot, anna_id)
    assert listing.buttons()[:1] == ["✅ Включить: Аннова Анна"]


async def test_the_switch_stands_when_the_list_cannot_be_redrawn(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    boss = team.boss.user
    listing = await boss.ask("/team")
    await boss.press("🚫 Отключить: Аннова Анна", listing)
    fake.fail(400, method="editMessageText", chat_id=boss.id, times=1, description=CANT_EDIT)
    answer = await boss.press("Да, отключить: Аннова Анна", listing)
    assert answer == {"text": "Аннова Анна: доступ отключён", "show_alert": False}
    assert ("editmessagetext", 400) in fake.errors_returned
    assert not await is_active(running_bot, team.anna.member_id)


async def forward_to_bot(fake: FakeTelegram, user: TelegramUser, text: str) -> Any:
    """A client's message forwarded to the bot; returns the draft the bot offers."""
    await fake.user_sends(user.user, text=text)
    fake._updates[-1]["message"]["forward_origin"] = {
        "type": "user",
        "date": 1,
        "sender_user": {"id": 42, "is_bot": False, "first_name": "Семён"},
    }
    draft = await user.reply()
    assert draft.buttons() == ["✅ Создать лид", "Не нужно"]
    return draft


async def test_a_draft_action_no_button_offers_creates_nothing(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    anna = team.anna.user
    draft = await forward_to_bot(fake, anna, "Нужны 20 палет кирпича.")
    draft_id = DraftCb.unpack(draft.button("✅ Создать лид")["callback_data"]).id

    assert await anna.press_data(f"dr:zzz:{draft_id}", draft) == STALE
    assert await count(running_bot, LeadRow) == 0
    assert draft.buttons() == ["✅ Создать лид", "Не нужно"]  # the draft still stands

    answer = await anna.press("✅ Создать лид", draft)
    assert answer["text"].startswith("Лид #")
    assert await count(running_bot, LeadRow) == 1


async def test_a_draft_lead_made_is_reported_made_when_its_message_cannot_be_edited(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    anna = team.anna.user
    draft = await forward_to_bot(fake, anna, "Нужны 20 палет кирпича.")
    fake.fail(400, method="editMessageReplyMarkup", chat_id=anna.id, times=1, description=CANT_EDIT)
    answer = await anna.press("✅ Создать лид", draft)
    assert answer["show_alert"] is False and answer["text"].startswith("Лид #")
    assert ("editmessagereplymarkup", 400) in fake.errors_returned
    lead_id = int(answer["text"].split("#")[1].split()[0])
    row = await lead_row(running_bot, lead_id)
    assert (row.source, row.responsible_id) == ("OPENLINE", team.anna.member_id)


async def test_the_new_lead_form_takes_only_its_own_buttons_and_reports_the_lead_made(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    anna = team.anna.user
    summary = await new_lead_in_bot(anna, ["Окна", None, "Иван", None, None, None])
    assert summary.buttons() == ["✅ Создать", "Отмена"]

    assert await anna.press_data("fm:zzz", summary) == STALE
    assert await count(running_bot, LeadRow) == 0

    fake.fail(400, method="editMessageReplyMarkup", chat_id=anna.id, times=1, description=CANT_EDIT)
    answer = await anna.press("✅ Создать", summary)
    assert answer == {"text": "Лид создан", "show_alert": False}
    assert ("editmessagereplymarkup", 400) in fake.errors_returned
    created = await fake.wait_for(
        lambda: next((m for m in anna.messages if m.text.startswith("Лид #")), None)
    )
    assert created.text.endswith("создан. Карточка — ниже.")
    assert await count(running_bot, LeadRow) == 1

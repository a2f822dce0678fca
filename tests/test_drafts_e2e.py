"""A forwarded client message or a shared contact makes a draft with what a person would pick
out of it, and warns of the open lead it repeats, as the intake does (#14 §1, R2.13)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_telegram import ChatMessage, FakeTelegram, TelegramUser
from tests.support import RunningBot
from tests.team import Team, card_of
from tests.test_lead_flow_e2e import lead_row
from tests.test_search_e2e import new_lead

MESSAGE = (
    "Добрый день! Я из ООО «Ромашка», нужно 200 коробок. Звоните 8 (912) 555-11-22, "
    "пишите на Ivan@Romashka.ru, наш сайт — romashka.ru."
)


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    return await bot_factory(database_url=database_url)


async def forward(fake: FakeTelegram, user: TelegramUser, text: str) -> ChatMessage:
    await fake.user_sends(user.user, text=text)
    fake._updates[-1]["message"]["forward_origin"] = {
        "type": "user",
        "date": 1,
        "sender_user": {"id": 42, "is_bot": False, "first_name": "Иван"},
    }
    return await fake.wait_for(
        lambda: next((m for m in user.messages if m.text.startswith("Черновик")), None)
    )


async def test_a_forwarded_message_gives_its_phone_email_company_and_site(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    anna = team.anna.user
    draft = await forward(fake, anna, MESSAGE)
    assert draft.text.splitlines()[:6] == [
        "Черновик лида из мессенджера",
        "Компания: Ромашка ООО",
        "Имя контакта: Иван",
        "Телефон: +79125551122",
        "E-mail: Ivan@romashka.ru",
        "Сайт: romashka.ru",
    ]
    assert draft.text.splitlines()[-1] == (
        "Взято из текста сообщения: телефон, e-mail, компания, сайт. "
        "Проверьте, прежде чем создать лид."
    )
    assert draft.buttons() == ["✅ Создать лид", "Не нужно"]  # nothing it repeats
    answer = await anna.press("✅ Создать лид", draft)
    lead_id = int(answer["text"].split("#")[1].split()[0])
    row = await lead_row(running_bot, lead_id)
    assert (row.company_name, row.phone, row.email, row.website) == (
        "Ромашка ООО",
        "+79125551122",
        "Ivan@romashka.ru",
        "romashka.ru",
    )
    assert row.comment == MESSAGE


async def test_a_forwarded_message_warns_of_the_open_lead_it_repeats(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    lead_id = await new_lead(
        running_bot, team, team.anna.member_id, name="Иван", phone="+7 912 555-11-22"
    )
    anna = team.anna.user
    draft = await forward(fake, anna, "Перезвоните мне: 89125551122")
    assert f"⚠️ возможный дубль лида #{lead_id}" in draft.text.splitlines()
    assert draft.buttons() == ["✅ Создать лид", "Не нужно", f"Открыть лид #{lead_id}"]
    await anna.press(f"Открыть лид #{lead_id}", draft)
    assert "Иван" in (await card_of(anna, lead_id)).text


async def test_a_shared_contact_of_a_client_on_an_open_lead_warns(
    running_bot: RunningBot, team: Team, fake: FakeTelegram
) -> None:
    """Before: the contact made a second lead with no word of the first."""
    theirs = await new_lead(
        running_bot, team, team.boris.member_id, name="Клава", phone="+79001112233"
    )
    anna = team.anna.user
    await fake.user_sends(
        anna.user, contact={"phone_number": "79001112233", "first_name": "Клава", "user_id": 77}
    )
    draft = await fake.wait_for(
        lambda: next((m for m in anna.messages if m.text.startswith("Черновик")), None)
    )
    assert f"⚠️ возможный дубль лида #{theirs}" in draft.text.splitlines()
    # Boris's lead is not Anna's to open: the warning stands, with no button to it.
    assert draft.buttons() == ["✅ Создать лид", "Не нужно"]
    boss = team.boss.user
    await fake.user_sends(
        boss.user, contact={"phone_number": "+7 900 111-22-33", "first_name": "Клава"}
    )
    draft = await fake.wait_for(
        lambda: next((m for m in boss.messages if m.text.startswith("Черновик")), None)
    )
    assert f"Открыть лид #{theirs}" in draft.buttons()

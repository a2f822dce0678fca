"""Find a client when he calls (#14 §1): a phone in any spelling, an e-mail, a part of a name,
typed in the chat, after /find or inline, within what the member may see."""

from __future__ import annotations

from typing import Any

import pytest

from domain.lead_fields import LeadField, clean_field
from domain.model import LeadSource
from domain.services import leads
from tests.fake_telegram import ChatMessage, TelegramUser
from tests.support import RunningBot
from tests.team import NOW, Team, card_of

NOTHING = "Ничего не нашёл"


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """The search runs on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


async def new_lead(bot: RunningBot, team: Team, holder: int | None = None, **raw: str) -> int:
    """A lead of the department, held by `holder` (assigned by the supervisor) or nobody."""
    values = {LeadField(k): clean_field(LeadField(k), v) for k, v in raw.items()}
    async with bot.app.uow_factory() as uow:
        intake = await leads.create_lead(
            uow,
            values=values,
            source=LeadSource.WEB,
            department_id=team.department_id,
            creator=None,
            now=NOW,
        )
        lead_id = intake.lead.id
        assert lead_id is not None
    if holder is not None:
        async with bot.app.uow_factory() as uow:
            boss = await uow.members.get(team.boss.member_id)
            assert boss is not None
            await leads.assign_lead(uow, boss, lead_id, holder, NOW)
    return lead_id


async def search(user: TelegramUser, text: str) -> ChatMessage:
    """What the bot answers to `text`; the cards the outbox sends meanwhile passed over."""
    before = len(user.messages)
    await user.send(text)
    return await user.fake.wait_for(
        lambda: next((m for m in user.messages[before:] if not m.text.startswith("#")), None)
    )


def found(answer: ChatMessage) -> list[int]:
    """The lead ids of the answer's buttons."""
    return [int(label.split()[0][1:]) for label in answer.buttons()]


async def test_a_phone_in_any_spelling_and_its_last_digits_find_the_lead(
    running_bot: RunningBot, team: Team
) -> None:
    lead_id = await new_lead(
        running_bot, team, name="Иван", company="ОАО «Ромашка»", phone="+7 912 555-11-22"
    )
    other = await new_lead(running_bot, team, name="Пётр", phone="+7 912 555-33-44")
    boss = team.boss.user
    for typed in ("8 912 555-11-22", "+7 (912) 555 11 22", "89125551122", "1122", "55-11-22"):
        answer = await search(boss, typed)
        assert found(answer) == [lead_id], typed
        assert answer.text.startswith("Нашёл по телефону"), typed
    assert found(await search(boss, "555")) == []  # too short to be a number's end
    assert sorted(found(await search(boss, "912 555"))) == []  # not an end of either
    assert found(await search(boss, "3344")) == [other]


async def test_an_email_and_a_part_of_a_name_find_the_lead(
    running_bot: RunningBot, team: Team
) -> None:
    romashka = await new_lead(
        running_bot,
        team,
        name="Иван",
        last_name="Петров",
        company="ОАО «Ромашка»",
        email="Ivan@Romashka.ru",
    )
    elka = await new_lead(running_bot, team, name="Семён", company="ООО «Ёлочка»")
    boss = team.boss.user
    assert found(await search(boss, "ivan@romashka.RU")) == [romashka]
    assert found(await search(boss, "«ромашка»")) == [romashka]
    assert found(await search(boss, "РОМАШ")) == [romashka]
    assert found(await search(boss, "петров иван")) == [romashka]
    assert found(await search(boss, "елочка")) == [elka]  # ё and е are one letter here
    assert found(await search(boss, "Семен")) == [elka]
    answer = await search(boss, "ромашка ооо петров")
    assert found(answer) == [romashka]
    answer = await search(boss, "Лютик")
    assert answer.text.startswith(NOTHING) and "последние 4 цифры" in answer.text
    assert answer.buttons() == []


async def test_a_found_lead_opens_its_card(running_bot: RunningBot, team: Team) -> None:
    lead_id = await new_lead(
        running_bot, team, team.anna.member_id, name="Иван", phone="+79125551122"
    )
    anna = team.anna.user
    answer = await search(anna, "1122")
    await anna.press(answer.buttons()[0], answer)
    card = await card_of(anna, lead_id)
    assert "Иван" in card.text


async def test_a_manager_finds_his_own_leads_only(running_bot: RunningBot, team: Team) -> None:
    """The Roles table: a manager works the leads he is responsible for; the supervisor, the
    office manager and the admin see the department's."""
    annas = await new_lead(running_bot, team, team.anna.member_id, company="Ромашка Юг")
    boris = await new_lead(running_bot, team, team.boris.member_id, company="Ромашка Север")
    pool = await new_lead(running_bot, team, None, company="Ромашка Восток", name="Олег")
    assert found(await search(team.anna.user, "ромашка")) == [annas]
    assert found(await search(team.boris.user, "ромашка")) == [boris]
    every = sorted([annas, boris, pool], reverse=True)
    for person in (team.boss, team.office, team.admin):
        assert found(await search(person.user, "ромашка")) == every
    answer = await search(team.anna.user, "север")
    assert answer.text.startswith(NOTHING)


async def test_find_command_and_text_in_a_conversation(running_bot: RunningBot, team: Team) -> None:
    lead_id = await new_lead(running_bot, team, name="Иван", company="Ромашка")
    boss = team.boss.user
    assert found(await search(boss, "/find ромашка")) == [lead_id]
    assert (await search(boss, "/find")).text.startswith("Что найти?")
    await boss.send("/profile")  # a conversation: its answers are no search
    profile = await boss.fake.wait_for(
        lambda: next((m for m in boss.messages if "Изменить: Телефон" in m.buttons()), None)
    )
    await boss.press("Изменить: Телефон", profile)
    await boss.fake.wait_for(lambda: boss.messages[-1].text.startswith("Телефон: сейчас"))
    answer = await search(boss, "ромашка")  # no phone: asked again
    assert not answer.text.startswith(("Нашёл", NOTHING)) and not answer.buttons()
    await boss.send("/cancel")
    await boss.fake.wait_for(lambda: boss.messages[-1].text == "Действие отменено.")
    assert found(await search(boss, "ромашка")) == [lead_id]


async def test_inline_query_answers_with_the_leads_he_may_see(
    running_bot: RunningBot, team: Team, fake: Any, user_factory: Any
) -> None:
    annas = await new_lead(
        running_bot, team, team.anna.member_id, company="ОАО «Ромашка»", phone="+79125551122"
    )
    await new_lead(running_bot, team, team.boris.member_id, company="Ромашка Север")
    query_id = await fake.user_inline_query(team.anna.user.user, "ромашка")
    results = await fake.wait_for(lambda: fake.inline_answers.get(query_id))
    assert [r["id"] for r in results] == [f"lead-{annas}"]
    assert results[0]["title"].startswith(f"#{annas} ")
    assert "+79125551122" in results[0]["input_message_content"]["message_text"]
    [answer] = [c for c in fake.calls_of("answerInlineQuery") if c["inline_query_id"] == query_id]
    assert answer["is_personal"] == "true" and answer["cache_time"] == "0"

    stranger = user_factory("Чужой")
    query_id = await fake.user_inline_query(stranger.user, "ромашка")
    other = await fake.user_inline_query(team.boss.user.user, "ромашка")
    await fake.wait_for(lambda: fake.inline_answers.get(other))
    assert query_id not in fake.inline_answers  # a stranger gets nothing

"""No contact clock for a lead its creator holds (#12, R2.12): a manager who makes a lead
while talking to the client («Новый лид», a forwarded message, a shared contact) has made the
contact R2.15 asks for. Nobody is reminded or told of a missed contact; R2.2's deadline still
runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from domain.model import TimerKind
from storage.tables import EscalationRow, TimerRow
from tests.fake_telegram import TelegramUser
from tests.support import RunningBot
from tests.team import Team, card_of
from tests.test_lead_bot_e2e import new_lead_in_bot
from tests.test_lead_flow_e2e import lead_row

SWEEPS = 0.5  # several sweeps of the timers: long enough for a wrong reminder to show up


def texts(user: TelegramUser, start: str) -> list[str]:
    return [m.text for m in user.messages if m.text.startswith(start)]


def lead_id_in(text: str) -> int:
    return int(text.split("#")[1].split()[0])


async def typed(anna: TelegramUser, fake: Any) -> int:
    """«Лиды» → «Новый лид», on the phone with the client."""
    summary = await new_lead_in_bot(
        anna, ["Ромашка: 100 коробок", "ооо ромашка", "Иван Петров", "+7 912 765-43-21", None, None]
    )
    assert (await anna.press("✅ Создать", summary))["text"] == "Лид создан"
    return lead_id_in(next(m.text for m in anna.messages if m.text.startswith("Лид #")))


async def forwarded(anna: TelegramUser, fake: Any) -> int:
    """The client's message forwarded to the bot, then «✅ Создать лид» on the draft."""
    await fake.user_sends(anna.user, text="Здравствуйте! Нужны 20 палет кирпича.")
    fake._updates[-1]["message"]["forward_origin"] = {
        "type": "user",
        "date": 1,
        "sender_user": {"id": 42, "is_bot": False, "first_name": "Семён", "last_name": "Кирпичов"},
    }
    draft = await anna.reply()
    assert draft.text.startswith("Черновик лида")
    return lead_id_in((await anna.press("✅ Создать лид", draft))["text"])


async def shared(anna: TelegramUser, fake: Any) -> int:
    """The client's contact shared to the bot."""
    await fake.user_sends(
        anna.user, contact={"phone_number": "79001112233", "first_name": "Клава", "user_id": 77}
    )
    draft = await fake.wait_for(
        lambda: next((m for m in anna.messages if m.text.startswith("Черновик")), None)
    )
    return lead_id_in((await anna.press("✅ Создать лид", draft))["text"])


async def contact_timers(bot: RunningBot, lead_id: int) -> list[str]:
    async with bot.app.uow_factory() as uow:
        rows = await uow.session.scalars(
            select(TimerRow).where(
                TimerRow.subject_kind == "lead",
                TimerRow.subject_id == lead_id,
                TimerRow.kind.in_(
                    [TimerKind.CONTACT_REMINDER.value, TimerKind.CONTACT_BREACH.value]
                ),
            )
        )
        return [row.kind for row in rows]


async def escalations(bot: RunningBot) -> list[tuple[str, int | None, int | None]]:
    async with bot.app.uow_factory() as uow:
        rows = await uow.session.scalars(select(EscalationRow).order_by(EscalationRow.id))
        return [(row.rule, row.lead_id, row.responsible_id) for row in rows]


@pytest.mark.parametrize("make", [typed, forwarded, shared], ids=["typed", "forwarded", "shared"])
async def test_no_contact_clock_for_a_managers_own_lead(
    running_bot: RunningBot,
    team: Team,
    fake: Any,
    clock: Any,
    make: Callable[[TelegramUser, Any], Awaitable[int]],
) -> None:
    anna, boss = team.anna.user, team.boss.user
    created_at = clock.now()
    lead_id = await make(anna, fake)
    card = await card_of(anna, lead_id)
    assert "● Назначен" in card.text and "Ответственный: Аннова Анна" in card.text

    clock.advance(minutes=20)  # past R2.15's reminder and its 15 minutes
    await asyncio.sleep(SWEEPS)
    assert not texts(anna, "⏰")
    assert not texts(boss, "🚨") and not texts(team.boss2.user, "🚨")
    assert await escalations(running_bot) == []
    assert await contact_timers(running_bot, lead_id) == []
    row = await lead_row(running_bot, lead_id)
    assert (row.status, row.responsible_id) == ("ASSIGNED", team.anna.member_id)
    assert row.first_contact_at is not None
    assert row.first_contact_at.replace(tzinfo=created_at.tzinfo) == created_at

    clock.advance(minutes=41)  # 61 minutes: R2.2's deadline still holds the open lead
    await fake.wait_for(lambda: texts(boss, "🚨"))
    assert texts(boss, "🚨")[0].splitlines()[:2] == [
        "🚨 Лид не обработан в срок",
        f"Лид #{lead_id} «{row.title}» · Назначен ответственный",
    ]
    await asyncio.sleep(SWEEPS)
    assert await escalations(running_bot) == [("R2.2", lead_id, team.anna.member_id)]
    assert not texts(anna, "⏰")


async def test_in_work_keeps_the_first_contact_of_the_creation(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """«В работу» on his own lead moves it on as on any other lead; the contact stays dated
    at the lead's creation."""
    anna = team.anna.user
    created_at = clock.now()
    lead_id = await typed(anna, fake)
    clock.advance(minutes=30)
    answer = await anna.press("В работу", await card_of(anna, lead_id))
    assert answer["text"] == "Статус: В работе"
    row = await lead_row(running_bot, lead_id)
    assert row.status == "IN_PROCESS"
    assert row.first_contact_at is not None
    assert row.first_contact_at.replace(tzinfo=created_at.tzinfo) == created_at

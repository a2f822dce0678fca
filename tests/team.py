"""A department with its people, seeded through the use cases, each with a chat open."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from domain.model import Profile, Role
from domain.services import onboarding
from tests.fake_telegram import BOT_WAIT, FakeTelegram, TelegramUser
from tests.support import INTAKE_TOKEN, RunningBot

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Person:
    user: TelegramUser
    member_id: int
    name: str


@dataclass
class Team:
    department_id: int
    admin: Person
    boss: Person
    office: Person
    anna: Person  # a manager
    boris: Person  # another manager
    boss2: Person  # a second supervisor of the same department


async def seed_team(bot: RunningBot, fake: FakeTelegram, admin: TelegramUser) -> Team:
    people: dict[str, Person] = {}
    async with bot.app.uow_factory() as uow:
        boot = await onboarding.bootstrap_admin(uow, admin.id, "Админ", [admin.id], NOW)
        assert boot is not None and boot.id is not None
        people["admin"] = Person(admin, boot.id, "Админ")
        department = await onboarding.create_department(uow, boot, "Продажи")
        assert department.id is not None
        for key, role, name in (
            ("boss", Role.SUPERVISOR, "Борисов Борис"),
            ("office", Role.OFFICE_MANAGER, "Офисова Ольга"),
            ("anna", Role.MANAGER, "Аннова Анна"),
            ("boris", Role.MANAGER, "Бобров Борис"),
            ("boss2", Role.SUPERVISOR, "Второй Руководитель"),
        ):
            issued = await onboarding.issue_invitation(uow, boot, role, department.id, NOW)
            user = TelegramUser(fake, name.split()[1])
            member = await onboarding.accept_invitation(
                uow,
                issued.invitation.token,
                user.id,
                Profile(name, "+79120000000", "x@example.ru", role.label),
                NOW,
            )
            assert member.id is not None
            people[key] = Person(user, member.id, name)
    for person in people.values():
        await person.user.ask("/start")  # a private chat with the bot exists from here on
    return Team(department.id, **people)


async def post_lead(
    bot: RunningBot, body: Any, *, token: str | None = INTAKE_TOKEN, raw: bytes | None = None
) -> tuple[int, Any]:
    settings = bot.app.settings
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"http://{settings.http_host}:{settings.http_port}/api/v1/leads"
    async with aiohttp.ClientSession() as session:
        data = raw if raw is not None else None
        kwargs: dict[str, Any] = {"data": data} if data is not None else {"json": body}
        async with session.post(url, headers=headers, **kwargs) as response:
            return response.status, await response.json()


async def card_of(user: TelegramUser, lead_id: int) -> Any:
    """The user's card of the lead, once it has arrived."""

    def find() -> Any:
        for message in reversed(user.messages):
            if message.text.startswith(f"#{lead_id} · "):
                return message
        return None

    return await user.fake.wait_for(find)


async def contact_clock_started(
    bot: RunningBot, lead_id: int, timeout: float = BOT_WAIT
) -> datetime:
    """When R2.15's clock of the lead started, once it has: the sender records it right after
    Telegram took the responsible's card (or refused it for good)."""
    deadline = time.monotonic() + timeout
    while True:
        async with bot.app.uow_factory() as uow:
            lead = await uow.leads.get(lead_id)
        if lead is not None and lead.notified_at is not None:
            return lead.notified_at
        assert time.monotonic() < deadline, f"lead #{lead_id}: its contact clock has not started"
        await asyncio.sleep(0.02)

"""Always someone to tell (#12): a department with nobody of its own to hand out new leads
(R2.11) or to hear of breaches (R2.2, R2.15) sends them to the admins; with nobody at all, the
lead is still taken, the log says so once and /healthz warns while it lasts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update

from domain.model import Profile, Role
from domain.services import onboarding, recipients
from storage.tables import EscalationRow, LeadRow, MemberRow
from tests.fake_telegram import TelegramUser
from tests.support import RunningBot
from tests.team import NOW, Person, Team, card_of, contact_clock_started, post_lead, seed_team

SWEEPS = 0.5  # several sweeps of the timers: long enough for a wrong card to show up
NOBODY_FOR_LEADS = "отдел «Продажи»: некому сообщать о новых лидах"
NOBODY_FOR_BREACHES = "отдел «Продажи»: некому сообщать о нарушениях сроков"


@pytest.fixture(autouse=True)
def fresh_process_memory() -> Iterator[None]:
    """What the log already said lives in process memory: each test starts as a new process."""
    recipients.forget()
    yield
    recipients.forget()


@dataclass
class OwnerFirm:
    """A firm run by its owner: an admin and two managers, nobody else."""

    department_id: int
    owner: Person
    anna: Person
    boris: Person


async def seed_owner_firm(bot: RunningBot, fake: Any, admin: TelegramUser) -> OwnerFirm:
    people: dict[str, Person] = {}
    async with bot.app.uow_factory() as uow:
        owner = await onboarding.bootstrap_admin(uow, admin.id, "Владелец", [admin.id], NOW)
        assert owner is not None and owner.id is not None
        people["owner"] = Person(admin, owner.id, "Владелец")
        department = await onboarding.create_department(uow, owner, "Продажи")
        assert department.id is not None
        for key, name in (("anna", "Аннова Анна"), ("boris", "Бобров Борис")):
            issued = await onboarding.issue_invitation(uow, owner, Role.MANAGER, department.id, NOW)
            user = TelegramUser(fake, name.split()[1])
            member = await onboarding.accept_invitation(
                uow,
                issued.invitation.token,
                user.id,
                Profile(name, "+79120000000", "x@example.ru", "менеджер"),
                NOW,
            )
            assert member.id is not None
            people[key] = Person(user, member.id, name)
    for person in people.values():
        await person.user.ask("/start")
    return OwnerFirm(department.id, **people)


@pytest.fixture
async def firm(running_bot: RunningBot, fake: Any, admin: TelegramUser) -> OwnerFirm:
    return await seed_owner_firm(running_bot, fake, admin)


def texts(user: TelegramUser, start: str) -> list[str]:
    return [m.text for m in user.messages if m.text.startswith(start)]


async def escalation_rules(bot: RunningBot) -> list[tuple[str, int | None]]:
    async with bot.app.uow_factory() as uow:
        rows = await uow.session.scalars(select(EscalationRow).order_by(EscalationRow.id))
        return [(row.rule, row.lead_id) for row in rows]


async def lead_row(bot: RunningBot, lead_id: int) -> LeadRow:
    async with bot.app.uow_factory() as uow:
        row = await uow.session.get(LeadRow, lead_id)
        assert row is not None
        uow.session.expunge(row)
        return row


async def set_blocked(bot: RunningBot, *people: Person) -> None:
    """As the sender records it when Telegram answers 403: he blocked the bot."""
    async with bot.app.uow_factory() as uow:
        await uow.session.execute(
            update(MemberRow)
            .where(MemberRow.id.in_([p.member_id for p in people]))
            .values(blocked_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
        )
        await uow.commit()


async def health(bot: RunningBot) -> tuple[int, Any]:
    settings = bot.app.settings
    url = f"http://{settings.http_host}:{settings.http_port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def test_the_owner_gets_the_web_lead_and_assigns_it(
    running_bot: RunningBot, firm: OwnerFirm
) -> None:
    """R2.11 with no office manager or supervisor: the card with «Назначить» reaches the
    admin at once, and his press hands the lead to a manager of the department."""
    status, body = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "phone": "+79121112233"}
    )
    assert status == 201
    lead_id = body["id"]
    owner = firm.owner.user
    card = await card_of(owner, lead_id)
    assert card.text.startswith(f"#{lead_id} · Иван (сайт)")
    assert card.buttons()[0] == "Назначить"

    await owner.press("Назначить", card)
    assert card.buttons() == ["Аннова Анна", "Бобров Борис", "« Назад"]
    answer = await owner.press("Аннова Анна", card)
    assert answer["text"] == "Назначен: Аннова Анна"
    anna_card = await card_of(firm.anna.user, lead_id)
    assert "Ответственный: Аннова Анна" in anna_card.text
    assert anna_card.buttons()[0] == "В работу"
    await firm.owner.user.fake.wait_for(lambda: "Ответственный: Аннова Анна" in card.text)
    row = await lead_row(running_bot, lead_id)
    assert (row.status, row.responsible_id, row.assigned_by_id) == (
        "ASSIGNED",
        firm.anna.member_id,
        firm.owner.member_id,
    )
    assert all(f"#{lead_id} · " not in m.text for m in firm.boris.user.messages)


async def test_the_owner_hears_of_the_breaches(
    running_bot: RunningBot, firm: OwnerFirm, fake: Any, clock: Any
) -> None:
    """R2.15 and R2.2 in a firm without a supervisor: the escalations go to the admin, who can
    act on them; a lead nobody took is reported at its 60 minutes too."""
    owner = firm.owner.user
    _, assigned = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "phone": "+79121112233"}
    )
    card = await card_of(owner, assigned["id"])
    await owner.press("Назначить", card)
    await owner.press("Аннова Анна", card)
    await contact_clock_started(running_bot, assigned["id"])
    _, lone = await post_lead(
        running_bot, {"source": "WEB", "name": "Пётр", "phone": "+79131112233"}
    )
    await card_of(owner, lone["id"])

    clock.advance(minutes=15)
    breach = await fake.wait_for(lambda: texts(owner, "🚨"))
    assert breach[0].splitlines()[:3] == [
        "🚨 Не связался с клиентом вовремя",
        f"Лид #{assigned['id']} «Иван (сайт)» · Назначен ответственный",
        "Ответственный: Аннова Анна",
    ]
    breach_card = next(m for m in owner.messages if m.text.startswith("🚨"))
    assert breach_card.buttons()[:3] == ["Напомнить", "Взыскание", "Сменить ответственного"]
    assert (await owner.press("Напомнить", breach_card))["text"] == "Напоминание отправлено"
    await fake.wait_for(lambda: texts(firm.anna.user, "🔔 Руководитель напоминает"))

    clock.advance(minutes=46)  # 61 minutes after both arrived (R2.2)
    await fake.wait_for(
        lambda: [t for t in texts(owner, "🚨") if "Лид не обработан в срок" in t][1:]
    )
    await asyncio.sleep(SWEEPS)
    assert sorted(await escalation_rules(running_bot)) == sorted(
        [("R2.15", assigned["id"]), ("R2.2", assigned["id"]), ("R2.2", lone["id"])]
    )
    for manager in (firm.anna.user, firm.boris.user):
        assert not texts(manager, "🚨")


async def test_people_switched_off_or_unreachable_are_passed_over(
    running_bot: RunningBot, fake: Any, admin: TelegramUser
) -> None:
    """Both supervisors switched off and the office manager blocked the bot: the new lead
    goes to the admin; once the office manager writes to the bot again, it goes to him."""
    team: Team = await seed_team(running_bot, fake, admin)
    async with running_bot.app.uow_factory() as uow:
        boot = await uow.members.get(team.admin.member_id)
        assert boot is not None
        for boss in (team.boss, team.boss2):
            await onboarding.deactivate_member(uow, boot, boss.member_id)
    await set_blocked(running_bot, team.office)

    _, first = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "phone": "+79121112233"}
    )
    card = await card_of(team.admin.user, first["id"])
    assert card.buttons()[0] == "Назначить"
    assert await health(running_bot) == (200, {"status": "ok"})

    await team.office.user.ask("/start")  # he opened the bot again: he can be reached
    _, second = await post_lead(
        running_bot, {"source": "WEB", "name": "Пётр", "phone": "+79131112233"}
    )
    office_card = await card_of(team.office.user, second["id"])
    assert office_card.buttons()[0] == "Назначить"
    await asyncio.sleep(SWEEPS)
    assert all(f"#{second['id']} · " not in m.text for m in team.admin.user.messages)
    for boss in (team.boss, team.boss2):
        assert all(not m.text.startswith("#") for m in boss.user.messages)


async def test_nobody_to_tell_still_takes_the_lead_and_says_so(
    running_bot: RunningBot, firm: OwnerFirm, fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The only admin blocked the bot: every lead is taken (201), the log has one error for the
    department however many leads come, /healthz warns until he can be reached again."""
    await set_blocked(running_bot, firm.owner)
    caplog.set_level(logging.ERROR, logger="domain.services.recipients")

    for name in ("Иван", "Пётр", "Семён"):
        status, body = await post_lead(running_bot, {"source": "WEB", "name": name})
        assert status == 201 and body["status"] == "NEW"
    errors = [r for r in caplog.records if r.name == "domain.services.recipients"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert "'Продажи'" in errors[0].getMessage() and "new leads" in errors[0].getMessage()
    assert await health(running_bot) == (
        200,
        {"status": "ok", "warnings": [NOBODY_FOR_LEADS, NOBODY_FOR_BREACHES]},
    )

    await firm.owner.user.ask("/start")  # he unblocked the bot and wrote to it
    assert await health(running_bot) == (200, {"status": "ok"})
    _, body = await post_lead(running_bot, {"source": "WEB", "name": "Клава"})
    assert (await card_of(firm.owner.user, body["id"])).buttons()[0] == "Назначить"

    # Blocked again: the log says so again, once.
    await set_blocked(running_bot, firm.owner)
    for name in ("Олег", "Ольга"):
        assert (await post_lead(running_bot, {"source": "WEB", "name": name}))[0] == 201
    errors = [r for r in caplog.records if r.name == "domain.services.recipients"]
    assert len(errors) == 2

"""The timers through the fake Telegram (R2.2, R2.5, R2.14, R2.15): once, in time, every time.

The rules' clock is a FakeClock moved by the tests; the sweep runs every 0.1 s of real time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.model import Notification, NotificationKind, Penalty, Subject
from handlers.callbacks import EscalationAction, EscalationCb
from storage.tables import EscalationRow, MemberRow, PenaltyRow
from tests.fake_telegram import TelegramUser
from tests.support import RunningBot
from tests.team import Team, card_of, contact_clock_started, post_lead, seed_team
from tests.test_lead_flow_e2e import assign, events

SWEEPS = 0.5  # several sweeps: long enough for a second firing to show up if it could


@pytest.fixture
async def running_bot(database_url: str, bot_factory: Any) -> RunningBot:
    """This file's flows run on SQLite and on PostgreSQL."""
    return await bot_factory(database_url=database_url)


def texts(user: TelegramUser, start: str) -> list[str]:
    return [m.text for m in user.messages if m.text.startswith(start)]


async def escalations(bot: RunningBot, rule: str | None = None) -> list[EscalationRow]:
    async with bot.app.uow_factory() as uow:
        statement = select(EscalationRow).order_by(EscalationRow.id)
        if rule:
            statement = statement.where(EscalationRow.rule == rule)
        rows = list(await uow.session.scalars(statement))
        for row in rows:
            uow.session.expunge(row)
        return rows


async def new_assigned_lead(bot: RunningBot, team: Team, to: Any, name: str = "Иван") -> int:
    _, body = await post_lead(bot, {"source": "WEB", "name": name, "phone": "+79121112233"})
    await assign(team, body["id"], team.office, to)
    await contact_clock_started(bot, body["id"])
    return int(body["id"])


async def test_ignored_lead_reminds_then_escalates_once(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna, boss, boss2 = team.anna.user, team.boss.user, team.boss2.user

    clock.advance(minutes=10)  # two thirds of 15
    reminder = await fake.wait_for(lambda: texts(anna, "⏰"))
    assert reminder == [
        f"⏰ Лид #{lead_id} «Иван (сайт)»: осталось 5 мин, чтобы связаться с "
        "клиентом и нажать «В работу»."
    ]
    assert not texts(boss, "🚨")

    clock.advance(minutes=5)
    for supervisor in (boss, boss2):
        card = await fake.wait_for(lambda s=supervisor: texts(s, "🚨"))
        assert card[0].splitlines()[:3] == [
            "🚨 Не связался с клиентом вовремя",
            f"Лид #{lead_id} «Иван (сайт)» · Назначен ответственный",
            "Ответственный: Аннова Анна",
        ]
    await asyncio.sleep(SWEEPS)
    assert len(texts(boss, "🚨")) == 1 and len(texts(anna, "⏰")) == 1
    assert [e.rule for e in await escalations(running_bot)] == ["R2.15"]

    boss_card = next(m for m in boss.messages if m.text.startswith("🚨"))
    boss2_card = next(m for m in boss2.messages if m.text.startswith("🚨"))
    assert boss_card.buttons() == [
        "Напомнить",
        "Взыскание",
        "Сменить ответственного",
        "Карточка лида",
    ]
    unresolved = (boss2_card.text, boss2_card.inline_keyboard)
    answer = await boss.press("Напомнить", boss_card)
    assert answer["text"] == "Напоминание отправлено"
    await fake.wait_for(lambda: texts(anna, "🔔 Руководитель напоминает"))
    # #14 §5: remind first, penalise later: the other remedies stay.
    for card in (boss_card, boss2_card):
        await fake.wait_for(lambda c=card: "🔔 Борисов Борис напомнил ответственному" in c.text)
        assert card.buttons() == ["Взыскание", "Сменить ответственного", "Карточка лида"]
    escalation_id = (await escalations(running_bot))[0].id
    answer = await boss2.press_data(
        EscalationCb(action=EscalationAction.REMIND, id=escalation_id).pack(), boss2_card
    )
    assert answer == {"text": "Уже напомнил: Борисов Борис.", "show_alert": True}
    assert [e for e in await events(running_bot, lead_id) if e[0] == "reminded"] == [
        ("reminded", None, "R2.15")
    ]

    # A copy whose redraw never reached the phone still offers «Напомнить»: a press on it
    # says who did and draws the copy again; the penalty is still to be had.
    boss2_card.text, boss2_card.inline_keyboard = unresolved
    answer = await boss2.press("Напомнить", boss2_card)
    assert answer == {"text": "Уже напомнил: Борисов Борис.", "show_alert": True}
    await fake.wait_for(lambda: "Напомнить" not in boss2_card.buttons())
    await boss2.press("Взыскание", boss2_card)
    assert (await boss2.ask("Не связался")).text == (
        "Взыскание записано: Аннова Анна, не связался с клиентом вовремя."
    )
    for card in (boss_card, boss2_card):
        await fake.wait_for(lambda c=card: "⚖️ Второй Руководитель записал взыскание" in c.text)
        assert card.buttons() == ["Сменить ответственного", "Карточка лида"]


async def test_no_reminder_for_a_breach_that_no_longer_stands(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """The manager took the lead into work after the breach: «Напомнить» has nothing to
    remind him of and says so; the penalty for the breach stays possible."""
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    clock.advance(minutes=16)
    boss = team.boss.user
    card = (await fake.wait_for(lambda: [m for m in boss.messages if "🚨" in m.text]))[0]
    anna = team.anna.user
    await anna.press("В работу", await card_of(anna, lead_id))
    answer = await boss.press("Напомнить", card)
    assert answer == {
        "text": "Лид уже в статусе «В работе»: напоминать не о чем.",
        "show_alert": True,
    }
    # The card is drawn again as the lead is: nothing to remind of.
    await fake.wait_for(lambda: card.buttons()[0] == "Взыскание")
    assert card.buttons() == ["Взыскание", "Сменить ответственного", "Карточка лида"]
    await asyncio.sleep(SWEEPS)
    assert not texts(anna, "🔔")
    assert [row.resolved_at for row in await escalations(running_bot)] == [None]
    await boss.press("Взыскание", card)
    assert (
        await boss.ask("Опоздал на 1 минуту")
    ).text == "Взыскание записано: Аннова Анна, не связался с клиентом вовремя."


async def test_a_penalty_typed_after_another_supervisor_acted_is_refused_at_once(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """The refusal comes after the use case has written: the question still closes at once,
    without waiting on the database."""
    await new_assigned_lead(running_bot, team, team.anna)
    clock.advance(minutes=16)
    boss, boss2 = team.boss.user, team.boss2.user
    card = (await fake.wait_for(lambda: [m for m in boss.messages if "🚨" in m.text]))[0]
    card2 = (await fake.wait_for(lambda: [m for m in boss2.messages if "🚨" in m.text]))[0]
    await boss.press("Взыскание", card)
    await boss2.press("Взыскание", card2)
    assert (await boss2.ask("Опоздал", timeout=3)).text.startswith("Взыскание записано")
    refused = await boss.ask("Опоздал", timeout=3)
    assert refused.text == (
        "Взыскание за это нарушение уже записано.\nОтвет не сохранён: вопрос уже неактуален."
    )
    assert (await boss.ask("Опоздал", timeout=3)).text.startswith(
        "Ничего не нашёл"
    )  # a search now (#14 §1)


async def test_contacted_in_time_does_not_escalate(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    clock.advance(minutes=5)
    card = await card_of(team.anna.user, lead_id)
    await team.anna.user.press("В работу", card)
    clock.advance(minutes=30)
    await asyncio.sleep(SWEEPS)
    assert not texts(team.anna.user, "⏰")
    assert not texts(team.boss.user, "🚨")
    assert await escalations(running_bot) == []


async def test_reassignment_restarts_the_clock(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    clock.advance(minutes=12)
    await fake.wait_for(lambda: texts(team.anna.user, "⏰"))
    boss_card = await card_of(team.boss.user, lead_id)
    await fake.wait_for(lambda: "Сменить ответственного" in boss_card.buttons())
    await team.boss.user.press("Сменить ответственного", boss_card)
    await team.boss.user.press("Бобров Борис", boss_card)  # at 09:12
    await contact_clock_started(running_bot, lead_id)

    clock.advance(minutes=5)  # 09:17: Anna's 15 minutes are over, but the lead is not hers
    await asyncio.sleep(SWEEPS)
    assert await escalations(running_bot) == []
    clock.advance(minutes=5)  # 09:22: ten minutes of Boris's fifteen
    await fake.wait_for(lambda: texts(team.boris.user, "⏰"))
    clock.advance(minutes=5)  # 09:27
    await fake.wait_for(lambda: texts(team.boss.user, "🚨"))
    rows = await escalations(running_bot, "R2.15")
    assert [(row.responsible_id, row.lead_id) for row in rows] == [(team.boris.member_id, lead_id)]


async def test_the_clock_starts_when_telegram_takes_the_card(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """R2.15 counts from the card's hand-off to Telegram: a card Telegram did not take
    (down, a 429) and that is sent again later eats none of the manager's minutes."""
    anna, boss = team.anna.user, team.boss.user
    _, body = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "phone": "+79121112233"}
    )
    lead_id = body["id"]
    fake.fail(502, method="sendMessage", chat_id=anna.id, times=1)
    await assign(team, lead_id, team.office, team.anna)  # 09:00
    await fake.wait_for(lambda: ("sendmessage", 502) in fake.errors_returned)

    clock.advance(minutes=20)  # 09:20: past his 15 minutes, but his card was not taken yet
    await asyncio.sleep(SWEEPS)
    assert await escalations(running_bot) == []
    await card_of(anna, lead_id)  # sent again after the back-off
    assert await contact_clock_started(running_bot, lead_id) == clock.now()

    clock.advance(minutes=10)  # 09:30: two thirds of his 15 minutes
    await fake.wait_for(lambda: texts(anna, "⏰"))
    clock.advance(minutes=5)  # 09:35
    await fake.wait_for(lambda: texts(boss, "🚨"))
    await asyncio.sleep(SWEEPS)
    assert len(texts(anna, "⏰")) == 1 and len(texts(boss, "🚨")) == 1
    [row] = await escalations(running_bot, "R2.15")
    assert row.due_at == clock.now()


async def test_the_clock_runs_from_the_hand_off_while_telegram_answers_slowly(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """#12: the hand-off is written before the call, so a call that hangs (or a crash that
    loses its answer) cannot move the deadline: the breach comes at its true time."""
    boss = team.boss.user
    _, body = await post_lead(
        running_bot, {"source": "WEB", "name": "Иван", "phone": "+79121112233"}
    )
    lead_id = body["id"]
    held = fake.hold("sendMessage", team.anna.user.id)
    await assign(team, lead_id, team.office, team.anna)  # 09:00
    await fake.wait_for(lambda: held.waiting == 1)
    assigned_at = clock.now()
    assert await contact_clock_started(running_bot, lead_id) == assigned_at

    clock.advance(minutes=20)  # 09:20, the card still in the call
    await asyncio.sleep(SWEEPS)
    [row] = await escalations(running_bot, "R2.15")
    assert row.due_at == assigned_at + timedelta(minutes=15)
    held.release()
    await fake.wait_for(lambda: texts(boss, "🚨"))


async def test_a_card_that_cannot_reach_the_manager_still_starts_the_clock(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    """He blocked the bot: his card never arrives, but the breach still reaches the
    supervisor, who also learns why."""
    anna, boss = team.anna.user, team.boss.user
    fake.fail(403, chat_id=anna.id)
    lead_id = await new_assigned_lead(running_bot, team, team.anna)  # 09:00
    await fake.wait_for(lambda: texts(boss, "⚠️ Аннова Анна заблокировал"))
    clock.advance(minutes=15)
    card = await fake.wait_for(lambda: texts(boss, "🚨"))
    assert card[0].splitlines()[:2] == [
        "🚨 Не связался с клиентом вовремя",
        f"Лид #{lead_id} «Иван (сайт)» · Назначен ответственный",
    ]
    await asyncio.sleep(SWEEPS)
    assert len(texts(boss, "🚨")) == 1
    assert [row.lead_id for row in await escalations(running_bot, "R2.15")] == [lead_id]


async def test_due_while_stopped_fires_once_after_start(
    bot_factory: Any, fake: Any, admin: Any, clock: Any, sqlite_db: str
) -> None:
    first = await bot_factory()
    team = await seed_team(first, fake, admin)
    await new_assigned_lead(first, team, team.anna)
    await first.stop()

    clock.advance(minutes=20)  # the reminder and the breach come due while nothing runs
    second = await bot_factory()
    await fake.wait_for(lambda: texts(team.boss.user, "🚨"))
    await asyncio.sleep(SWEEPS)
    assert len(texts(team.boss.user, "🚨")) == 1
    assert len(texts(team.anna.user, "⏰")) == 1
    assert len(await escalations(second)) == 1


async def test_handing_over_and_a_penalty_from_the_escalation(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    first = await new_assigned_lead(running_bot, team, team.anna, "Первый")
    second = await new_assigned_lead(running_bot, team, team.anna, "Второй")
    clock.advance(minutes=16)
    boss = team.boss.user
    cards = await fake.wait_for(
        lambda: (
            [m for m in boss.messages if m.text.startswith("🚨")][1:]
            and [m for m in boss.messages if m.text.startswith("🚨")]
        )
    )
    by_lead = {f"#{first} ": None, f"#{second} ": None}
    for card in cards:
        for key in by_lead:
            if key in card.text:
                by_lead[key] = card
    first_card, second_card = by_lead[f"#{first} "], by_lead[f"#{second} "]

    await boss.press("Сменить ответственного", first_card)
    answer = await boss.press("Бобров Борис", first_card)
    assert answer["text"] == "Лид передан: Бобров Борис"
    await fake.wait_for(lambda: "✅ Борисов Борис передал лид: Бобров Борис" in first_card.text)
    await card_of(team.boris.user, first)

    await boss.press("Взыскание", second_card)
    assert "напишите комментарий" in boss.last.text
    confirm = await boss.ask("Не перезвонил клиенту")
    assert confirm.text == "Взыскание записано: Аннова Анна, не связался с клиентом вовремя."
    await fake.wait_for(lambda: texts(team.anna.user, "Вам записано взыскание"))
    async with running_bot.app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(PenaltyRow)))
        assert [(r.member_id, r.lead_id, r.rule, r.comment, r.created_by) for r in rows] == [
            (team.anna.member_id, second, "R2.15", "Не перезвонил клиенту", team.boss.member_id)
        ]

    report = await boss.ask("/penalties")
    assert report.text.splitlines()[:2] == ["Взыскания за 12.2026", "• Аннова Анна: 1"]
    assert "Не перезвонил клиенту" in report.text
    assert (await boss.ask("/penalties 1")).text == "Взыскания за 11.2026\nНет."
    refused = await team.anna.user.ask("/penalties")
    assert refused.text.startswith("Взыскания видят руководитель")


async def test_penalties_are_counted_by_the_companys_months(
    running_bot: RunningBot, team: Team
) -> None:
    """/penalties cuts months at midnight in the company's time zone (Moscow, UTC+3)."""
    async with running_bot.app.uow_factory() as uow:
        for comment, at in (
            ("ноябрь, 23:30 по Москве", datetime(2026, 11, 30, 20, 30, tzinfo=UTC)),
            ("декабрь, 00:30 по Москве", datetime(2026, 11, 30, 21, 30, tzinfo=UTC)),
        ):
            await uow.penalties.add(
                Penalty(
                    team.anna.member_id,
                    team.department_id,
                    "R2.15",
                    comment,
                    team.boss.member_id,
                    at,
                )
            )
        await uow.commit()
    boss = team.boss.user
    december = (await boss.ask("/penalties")).text
    assert december.splitlines()[:2] == ["Взыскания за 12.2026", "• Аннова Анна: 1"]
    assert "декабрь, 00:30 по Москве" in december
    november = (await boss.ask("/penalties 1")).text
    assert november.splitlines()[:2] == ["Взыскания за 11.2026", "• Аннова Анна: 1"]
    assert "ноябрь, 23:30 по Москве" in november


async def test_processing_deadline_and_the_pool(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    working = await new_assigned_lead(running_bot, team, team.anna)
    await team.anna.user.press("В работу", await card_of(team.anna.user, working))
    _, first = await post_lead(running_bot, {"source": "WEB", "name": "Пул 1"})
    clock.advance(minutes=5)
    _, second = await post_lead(running_bot, {"source": "WEB", "name": "Пул 2"})

    clock.advance(minutes=6)  # only the first has waited 10 minutes: not yet a breach (R2.14)
    await asyncio.sleep(SWEEPS)
    assert await escalations(running_bot, "R2.14") == []
    clock.advance(minutes=5)  # both have
    pool = await fake.wait_for(
        lambda: [t for t in texts(team.boss.user, "🚨") if "ждут назначения дольше срока" in t]
    )
    assert f"Без ответственного дольше срока: #{first['id']}, #{second['id']}" in pool[0]
    pool_card = next(m for m in team.boss.user.messages if "ждут назначения дольше срока" in m.text)
    assert pool_card.buttons() == [
        "Напомнить офис-менеджерам",
        f"Открыть #{first['id']}",
        f"Открыть #{second['id']}",
    ]
    await team.boss.user.press("Напомнить офис-менеджерам", pool_card)
    told = await fake.wait_for(lambda: texts(team.office.user, "🔔 Руководитель напоминает"))
    assert told == [
        f"🔔 Руководитель напоминает: лиды #{first['id']}, #{second['id']} ждут "
        "назначения дольше срока."
    ]
    await fake.wait_for(lambda: "🔔 Борисов Борис напомнил офис-менеджерам" in pool_card.text)
    assert "Напомнить офис-менеджерам" not in pool_card.buttons()  # reminded once

    clock.advance(minutes=45)  # 61 minutes after the first lead arrived (R2.2)
    # Each breach fires in a transaction of its own: wait for both cards.
    await fake.wait_for(
        lambda: [t for t in texts(team.boss.user, "🚨") if "Лид не обработан в срок" in t][1:]
    )
    rows = await escalations(running_bot, "R2.2")
    assert sorted(row.lead_id for row in rows) == [working, first["id"]]
    await asyncio.sleep(SWEEPS)
    assert len(await escalations(running_bot, "R2.14")) == 1

    # The R2.2 card of a lead nobody held offers no penalty; once the lead is assigned,
    # «Напомнить» reaches its manager.
    boss = team.boss.user
    nobodys = next(
        m
        for m in boss.messages
        if "Лид не обработан в срок" in m.text and f"#{first['id']} " in m.text
    )
    # #14 §5: a lead nobody holds is assigned, not handed over.
    assert nobodys.buttons() == ["Назначить", "Карточка лида"]
    escalation_id = next(
        r.id for r in await escalations(running_bot, "R2.2") if not r.responsible_id
    )
    refused = await boss.press_data(
        EscalationCb(action=EscalationAction.PENALTY, id=escalation_id).pack(), nobodys
    )
    assert refused["text"] == "Взыскание некому записать: у лида не было ответственного."
    await assign(team, first["id"], team.office, team.anna)
    remind = EscalationCb(
        action=EscalationAction.REMIND, id=escalation_id
    ).pack()  # the card was drawn before
    assert (await boss.press_data(remind, nobodys))["text"] == "Напоминание отправлено"
    await fake.wait_for(
        lambda: texts(team.anna.user, f"🔔 Руководитель напоминает: лид #{first['id']}")
    )


async def test_leads_that_come_due_together_make_one_pool_escalation(
    bot_factory: Any, database_url: str, fake: Any, admin: Any, clock: Any
) -> None:
    """R2.14 after a weekend: the leads of Saturday and Sunday all come due on Monday at
    09:10; the supervisor gets one card that lists them, not one card per lead."""
    clock.moment = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # Saturday
    bot = await bot_factory(database_url=database_url, work_hours="09:00-18:00")
    team = await seed_team(bot, fake, admin)
    posted = []
    for n in range(5):
        _, body = await post_lead(bot, {"source": "WEB", "name": f"Выходной {n}"})
        posted.append(body["id"])
        clock.advance(hours=6)
    clock.moment = datetime(2026, 12, 7, 6, 11, tzinfo=UTC)  # Monday 09:11 in Moscow
    listed = ", ".join(f"#{lead_id}" for lead_id in posted)
    boss = team.boss.user
    await fake.wait_for(lambda: [t for t in texts(boss, "🚨") if listed in t])
    await asyncio.sleep(SWEEPS)
    assert [row.lead_ids for row in await escalations(bot, "R2.14")] == [posted]
    assert len(texts(boss, "🚨")) == 1 and len(texts(team.boss2.user, "🚨")) == 1

    # Once a supervisor has acted on it, a lead coming due later makes a new one.
    await boss.press("Напомнить офис-менеджерам", next(m for m in boss.messages if "🚨" in m.text))
    _, late = await post_lead(bot, {"source": "WEB", "name": "Понедельник"})
    clock.advance(minutes=11)
    await fake.wait_for(lambda: texts(boss, "🚨")[1:])
    assert [row.lead_ids for row in await escalations(bot, "R2.14")] == [
        posted,
        [*posted, late["id"]],
    ]


async def test_call_reminder_comes_at_the_chosen_time(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    clock.moment = clock.moment.replace(second=17, microsecond=123456)  # as a real clock
    lead_id = await new_assigned_lead(running_bot, team, team.anna)
    anna = team.anna.user
    card = await card_of(anna, lead_id)
    await anna.press("В работу", card)
    await fake.wait_for(lambda: "● В работе" in card.text)
    await anna.press("Перенести звонок", card)
    await anna.press("Через час", card)
    clock.advance(minutes=59)
    await asyncio.sleep(SWEEPS)
    assert not texts(anna, "📞")
    clock.advance(minutes=1)
    reminder = await fake.wait_for(lambda: [m for m in anna.messages if m.text.startswith("📞")])
    assert reminder[0].text.splitlines()[:3] == [
        f"📞 Пора позвонить: лид #{lead_id} «Иван (сайт)»",
        "Иван",
        "Телефон: +79121112233",
    ]
    assert reminder[0].buttons() == ["Позвонил", "Перенести", "Карточка"]
    # Moved again before pressing: the old reminder's button is stale and changes nothing.
    called_data = reminder[0].button("Позвонил")["callback_data"]
    await anna.press("Перенести", reminder[0])
    await anna.press("Через час", reminder[0])
    stale = await anna.press_data(called_data, reminder[0])
    assert stale == {"text": "Это напоминание устарело: звонок уже перенесён.", "show_alert": True}
    async with running_bot.app.uow_factory() as uow:
        pending = [t.kind for t in await uow.timers.pending(Subject.lead(lead_id))]
    assert "call_reminder" in pending
    clock.advance(minutes=60)
    second = await fake.wait_for(lambda: [m for m in anna.messages if m.text.startswith("📞")][1:])
    answer = await anna.press("Позвонил", second[0])
    assert answer["text"] == "Отмечено: звонок сделан. Статус: В работе"
    assert [e[0] for e in await events(running_bot, lead_id)][-1] == "called"


async def test_settings_change_the_department_clock(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    early = await new_assigned_lead(running_bot, team, team.anna, "Ранний")  # 15 min clock
    clock.advance(minutes=10)
    await fake.wait_for(lambda: texts(team.anna.user, "⏰"))  # its reminder has fired
    running = await new_assigned_lead(running_bot, team, team.anna, "Идущий")
    boss = team.boss.user
    shown = await boss.ask("/settings")
    assert "Связаться с клиентом: 15 мин" in shown.text
    await boss.press("Связаться с клиентом", shown)
    assert (await boss.ask("ноль")).text.startswith("Напишите число минут")
    await boss.send("1,5")  # the early lead escalates at once: its 🚨 may come first
    saved = "Сохранено: Связаться с клиентом — 1 мин 30 с."
    await fake.wait_for(lambda: saved in [m.text for m in boss.messages])
    refused = await team.anna.user.ask("/settings")
    assert refused.text == "Настройки отдела меняют руководитель отдела и администратор."
    # The early lead's 1.5 minutes are long over: it escalates now, and is not reminded again.
    await fake.wait_for(lambda: len(texts(boss, "🚨")) == 1)
    fresh = await new_assigned_lead(running_bot, team, team.anna, "Новый")
    clock.advance(seconds=61)
    await fake.wait_for(lambda: len(texts(team.anna.user, "⏰")) == 3)
    assert all("осталось 30 с" in text for text in texts(team.anna.user, "⏰")[1:])
    clock.advance(seconds=30)
    await fake.wait_for(lambda: len(texts(boss, "🚨")) == 3)  # the running clock too
    await asyncio.sleep(SWEEPS)
    assert len(texts(boss, "🚨")) == 3 and len(texts(team.anna.user, "⏰")) == 3
    rows = await escalations(running_bot, "R2.15")
    assert sorted(row.lead_id for row in rows) == sorted([early, running, fresh])


async def test_429_for_a_while_delivers_everything_once_in_order(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    fake.fail(429, method="sendMessage", seconds=1.5, retry_after=1)
    async with running_bot.app.uow_factory() as uow:
        for n in range(5):
            for person in (team.anna, team.boris):
                await uow.outbox.add(
                    Notification(
                        person.member_id, NotificationKind.TEXT, clock.now(), text=f"Сообщение {n}"
                    )
                )
        await uow.commit()
    for person in (team.anna, team.boris):
        await fake.wait_for(lambda p=person: len(texts(p.user, "Сообщение")) == 5, timeout=15)
        assert texts(person.user, "Сообщение") == [f"Сообщение {n}" for n in range(5)]
    assert ("sendmessage", 429) in fake.errors_returned
    await asyncio.sleep(SWEEPS)
    assert len(texts(team.anna.user, "Сообщение")) == 5


async def test_a_member_who_blocked_the_bot_is_flagged(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    fake.fail(403, chat_id=team.anna.user.id)
    async with running_bot.app.uow_factory() as uow:
        for text in ("первое", "второе"):
            await uow.outbox.add(
                Notification(team.anna.member_id, NotificationKind.TEXT, clock.now(), text=text)
            )
        await uow.commit()
    told = await fake.wait_for(lambda: texts(team.boss.user, "⚠️ Аннова Анна заблокировал"))
    assert len(told) == 1
    await asyncio.sleep(SWEEPS)
    assert len(texts(team.boss.user, "⚠️")) == 1
    assert [
        c
        for c in fake.calls_of("sendMessage")
        if c.get("chat_id") == str(team.anna.user.id) and c.get("text") == "второе"
    ] == []
    async with running_bot.app.uow_factory() as uow:
        blocked = await uow.session.scalar(
            select(MemberRow.blocked_at).where(MemberRow.id == team.anna.member_id)
        )
        assert blocked is not None
        total = await uow.session.scalar(select(func.count()).select_from(EscalationRow))
        assert total == 0
    # He writes again: he can be reached again.
    fake._failures.clear()
    await team.anna.user.ask("/help")
    async with running_bot.app.uow_factory() as uow:
        assert (
            await uow.session.scalar(
                select(MemberRow.blocked_at).where(MemberRow.id == team.anna.member_id)
            )
            is None
        )


async def test_a_5xx_is_retried_until_delivered(
    running_bot: RunningBot, team: Team, fake: Any, clock: Any
) -> None:
    fake.fail(500, method="sendMessage", times=1, chat_id=team.anna.user.id)
    async with running_bot.app.uow_factory() as uow:
        await uow.outbox.add(
            Notification(team.anna.member_id, NotificationKind.TEXT, clock.now(), text="Важное")
        )
        await uow.commit()
    await fake.wait_for(lambda: texts(team.anna.user, "Важное"), timeout=10)
    assert ("sendmessage", 500) in fake.errors_returned
    await asyncio.sleep(SWEEPS)
    assert texts(team.anna.user, "Важное") == ["Важное"]

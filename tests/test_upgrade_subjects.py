"""#13's migration carries a working database forward: cards, timers, escalations and unsent
messages made before subjects keep working after the upgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from domain.model import Notification, NotificationKind, Subject
from storage.engine import create_engine, create_session_factory
from storage.migrate import downgrade_engine, upgrade_engine
from storage.uow import SqlUnitOfWorkFactory
from tests.team import card_of, seed_team
from tests.test_timers_e2e import SWEEPS, escalations, new_assigned_lead, texts

BEFORE_SUBJECTS = "0004"


async def test_cards_timers_and_escalations_survive_the_upgrade(
    bot_factory: Any, fake: Any, admin: Any, clock: Any, database_url: str
) -> None:
    first = await bot_factory(database_url=database_url)
    team = await seed_team(first, fake, admin)
    anna, boss = team.anna.user, team.boss.user
    lead_id = await new_assigned_lead(first, team, team.anna)  # 09:00
    card = await card_of(anna, lead_id)
    clock.advance(minutes=15)  # R2.15: the supervisor's escalation card
    boss_card = await fake.wait_for(
        lambda: next((m for m in boss.messages if m.text.startswith("🚨")), None)
    )
    [escalation] = await escalations(first)
    await first.stop()

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            # Rows the first run left unsent (the card redrawn as the deadline fired) are not
            # the ones this test writes and follows.
            before = (
                await connection.execute(text("SELECT coalesce(max(id), 0) FROM outbox"))
            ).scalar_one()
        async with SqlUnitOfWorkFactory(create_session_factory(engine))() as uow:
            now = clock.now()
            await uow.outbox.add(
                Notification(
                    team.anna.member_id,
                    NotificationKind.TEXT,
                    now,
                    Subject.lead(lead_id),
                    "Пока бот обновляли",
                )
            )
            await uow.outbox.add(
                Notification(
                    team.boss.member_id,
                    NotificationKind.CARD,
                    now,
                    Subject.escalation(escalation.id),
                )
            )
            await uow.commit()

        # The database as the version before subjects had it, rows and all.
        await downgrade_engine(engine, BEFORE_SUBJECTS)
        async with engine.connect() as connection:
            lead_cards = (await connection.execute(text("SELECT lead_id FROM lead_cards"))).all()
            escalation_cards = (
                await connection.execute(
                    text("SELECT escalation_id, member_id FROM escalation_cards")
                )
            ).all()
            owed = (
                await connection.execute(
                    text(
                        "SELECT kind, lead_id, escalation_id FROM outbox "
                        f"WHERE id > {before} AND sent_at IS NULL "
                        f"AND member_id IN ({team.boss.member_id}, {team.anna.member_id}) "
                        "ORDER BY id"
                    )
                )
            ).all()
            pending = (
                await connection.execute(
                    text(
                        "SELECT kind, lead_id FROM timers "
                        "WHERE fired_at IS NULL AND cancelled_at IS NULL"
                    )
                )
            ).all()
        assert (lead_id,) in lead_cards
        assert (escalation.id, team.boss.member_id) in escalation_cards
        assert [tuple(row) for row in owed] == [
            ("text", lead_id, None),
            ("escalation", lead_id, escalation.id),
        ]
        assert ("processing_breach", lead_id) in [tuple(row) for row in pending]

        await upgrade_engine(engine)
    finally:
        await engine.dispose()

    clock.advance(minutes=5)  # 09:20: the escalation's lateness reads differently
    second = await bot_factory(database_url=database_url)
    await fake.wait_for(lambda: texts(anna, "Пока бот обновляли"))
    # The escalation card is redrawn where it was, not sent again.
    await fake.wait_for(lambda: "просрочка 5 мин" in boss_card.text)
    assert len(texts(boss, "🚨")) == 1

    # Its old buttons still work.
    answer = await boss.press("Напомнить", boss_card)
    assert answer["text"] == "Напоминание отправлено"
    await fake.wait_for(lambda: texts(anna, "🔔 Руководитель напоминает"))

    # The manager's card from before the upgrade is still his live card.
    await anna.press("В работу", card)
    await fake.wait_for(lambda: "В работе" in card.text)
    assert [m for m in anna.messages if m.text.startswith(f"#{lead_id} · ")] == [card]

    # The R2.2 deadline planned before the upgrade fires, once.
    clock.advance(minutes=41)  # 10:01
    await fake.wait_for(lambda: len(texts(boss, "🚨")) == 2)
    await asyncio.sleep(SWEEPS)
    assert [row.rule for row in await escalations(second)] == ["R2.15", "R2.2"]

"""A stop in the middle of work: what was being sent is finished, or freed for the next start."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from domain.model import Notification, NotificationKind
from storage.engine import create_engine
from storage.tables import OutboxRow
from tests.support import RunningBot
from tests.team import seed_team
from tests.test_timers_e2e import SWEEPS, texts


async def owe_text(bot: RunningBot, member_id: int, text: str, clock: Any) -> None:
    async with bot.app.uow_factory() as uow:
        await uow.outbox.add(Notification(member_id, NotificationKind.TEXT, clock.now(), text=text))
        await uow.commit()


async def outbox_row(database_url: str, text: str) -> Any:
    """Read with an engine of the test's own: the stopped bot's engine is disposed."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(OutboxRow).where(OutboxRow.text == text))
            return result.one()
    finally:
        await engine.dispose()


async def started_team(bot_factory: Any, fake: Any, admin: Any, **settings: Any) -> Any:
    bot = await bot_factory(**settings)
    return bot, await seed_team(bot, fake, admin)


async def test_a_message_in_flight_is_finished_and_not_sent_again(
    bot_factory: Any, fake: Any, admin: Any, clock: Any, sqlite_db: str
) -> None:
    first, team = await started_team(bot_factory, fake, admin)
    anna = team.anna
    slow = fake.hold("sendMessage", anna.user.id)
    await owe_text(first, anna.member_id, "Проверка связи", clock)
    await fake.wait_for(lambda: slow.waiting == 1)

    stopping = asyncio.create_task(first.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done()  # the stop waits for Telegram's answer
    slow.release()
    await stopping
    assert texts(anna.user, "Проверка связи") == ["Проверка связи"]
    assert (await outbox_row(sqlite_db, "Проверка связи")).sent_at is not None

    await bot_factory()
    await asyncio.sleep(SWEEPS)
    assert texts(anna.user, "Проверка связи") == ["Проверка связи"]


async def test_a_message_cut_off_past_the_grace_goes_right_after_the_next_start(
    bot_factory: Any, fake: Any, admin: Any, clock: Any, sqlite_db: str
) -> None:
    first, team = await started_team(bot_factory, fake, admin, shutdown_grace_seconds=0.2)
    anna = team.anna
    slow = fake.hold("sendMessage", anna.user.id)
    await owe_text(first, anna.member_id, "Проверка связи", clock)
    await fake.wait_for(lambda: slow.waiting == 1)

    await first.stop()  # Telegram has not answered within the grace
    row = await outbox_row(sqlite_db, "Проверка связи")
    assert (row.sent_at, row.claimed_until) == (None, None)  # free, not held for minutes
    slow.drop()

    await bot_factory()
    await fake.wait_for(lambda: texts(anna.user, "Проверка связи"), timeout=2)
    await asyncio.sleep(SWEEPS)
    assert texts(anna.user, "Проверка связи") == ["Проверка связи"]

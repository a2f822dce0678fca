"""Several processes, one sender: the outbox lease, its hand-over, and Telegram's limits kept."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.support import RunningBot
from tests.team import seed_team
from tests.test_shutdown_e2e import owe_text
from tests.test_timers_e2e import texts


async def until(predicate: Any, timeout: float = 6.0) -> None:
    """For what the fake Telegram does not see: poll."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_process_sends_and_another_takes_over_when_it_stops(
    bot_factory: Any, fake: Any, admin: Any, clock: Any, database_url: str
) -> None:
    first: RunningBot = await bot_factory(database_url=database_url)
    team = await seed_team(first, fake, admin)
    second: RunningBot = await bot_factory(database_url=database_url)  # the same database
    anna = team.anna
    assert first.app.outbox.leading
    await owe_text(second, anna.member_id, "Первое", clock)  # written by either process
    await fake.wait_for(lambda: texts(anna.user, "Первое"))
    assert not second.app.outbox.leading and second.app.outbox.delivered == 0

    await first.stop()  # a clean stop gives the lease up at once
    await until(lambda: second.app.outbox.leading)
    await owe_text(second, anna.member_id, "Второе", clock)
    await fake.wait_for(lambda: texts(anna.user, "Второе"))
    await until(lambda: second.app.outbox.delivered == 1)
    assert texts(anna.user, "Первое") == ["Первое"]


async def test_a_sender_taking_over_waits_out_telegrams_429(
    bot_factory: Any, fake: Any, admin: Any, clock: Any, database_url: str
) -> None:
    first: RunningBot = await bot_factory(database_url=database_url)
    team = await seed_team(first, fake, admin)
    second: RunningBot = await bot_factory(database_url=database_url)
    fake.fail(429, method="sendMessage", times=1, retry_after=3)
    await owe_text(first, team.anna.member_id, "Первое", clock)
    await until(lambda: ("sendmessage", 429) in fake.errors_returned)
    refused_at = time.monotonic()

    await first.stop()  # mid-pause: the lease goes to the second process at once
    await until(lambda: second.app.outbox.leading)
    await owe_text(second, team.boris.member_id, "Второе", clock)
    await fake.wait_for(lambda: texts(team.boris.user, "Второе"), timeout=10)
    assert time.monotonic() - refused_at >= 2.5  # Telegram's 3 seconds were waited out
    await fake.wait_for(lambda: texts(team.anna.user, "Первое"))
    assert fake.errors_returned.count(("sendmessage", 429)) == 1

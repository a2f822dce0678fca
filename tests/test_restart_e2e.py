"""A conversation survives a restart of the bot: on our database, and on Redis."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_telegram import TelegramUser
from tests.support import REDIS_URL, unavailable
from tests.test_onboarding_e2e import admin_invites, members


async def redis_reachable() -> None:
    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as error:
        unavailable("Redis", error)
    finally:
        await client.aclose()


@pytest.mark.parametrize("fsm", ["database", "redis"])
async def test_profile_form_resumes_after_restart(
    fsm: str, bot_factory: Any, admin: TelegramUser, user_factory: Any
) -> None:
    fsm_storage = "database"
    if fsm == "redis":
        await redis_reachable()
        fsm_storage = REDIS_URL
    first = await bot_factory(fsm_storage=fsm_storage)
    await admin.ask("/start")
    token = await admin_invites(admin, "Менеджер", "Опт", new=True)
    newcomer = user_factory("Пётр")
    await newcomer.ask(f"/start {token}")
    await newcomer.ask("Петров Пётр")
    await first.stop()

    second = await bot_factory(fsm_storage=fsm_storage)
    assert "+79121234567" in (await newcomer.ask("89121234567")).text
    await newcomer.ask("petr@example.ru")
    summary = await newcomer.ask("Менеджер")
    assert "ФИО: Петров Пётр" in summary.text
    await newcomer.press("✅ Всё верно", summary)
    joined = [m for m in await members(second) if m.telegram_id == newcomer.id]
    assert [m.phone for m in joined] == ["+79121234567"]


async def test_onboarding_on_postgresql(
    bot_factory: Any, admin: TelegramUser, user_factory: Any
) -> None:
    from tests.support import postgres_database
    from tests.test_onboarding_e2e import join

    async with postgres_database() as url:
        bot = await bot_factory(database_url=url)
        await admin.ask("/start")
        token = await admin_invites(admin, "Менеджер", "Опт", new=True)
        await join(user_factory("Пётр"), token)
        roles = sorted(m.role.value for m in await members(bot))
        await bot.stop()
    assert roles == ["admin", "manager"]

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.support import (
    FakeClock,
    RunningBot,
    drop_templates,
    migrated_sqlite_url,
    postgres_database,
    settings_for,
    sqlite_url,
    start_bot,
)
from tests.team import Team, seed_team


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    assert not server.unknown_methods, f"the bot called unknown methods: {server.unknown_methods}"
    assert not server.rule_ids_shown, f"users read rule ids: {server.rule_ids_shown[:3]}"


@pytest.fixture(scope="session", autouse=True)
def _migrated_templates() -> Iterator[None]:
    """The databases migrated once a session (tests/support.py) go at its end."""
    yield
    asyncio.run(drop_templates())


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the test's own at the head of the migrations, on each engine."""
    if request.param == "sqlite":
        yield await migrated_sqlite_url(tmp_path)
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    async with postgres_database(migrated=False) as url:
        yield url


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> str:
    """The bots' default database: a SQLite file at the head of the migrations."""
    return await migrated_sqlite_url(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


ADMIN_ID = 100_001


@pytest.fixture
async def bot_factory(
    fake: FakeTelegram, sqlite_db: str, clock: FakeClock
) -> AsyncIterator[Callable[..., Any]]:
    running: list[RunningBot] = []

    async def start(database_url: str | None = None, **overrides: Any) -> RunningBot:
        overrides.setdefault("admin_ids", [ADMIN_ID])
        settings = settings_for(fake, database_url or sqlite_db, **overrides)
        bot = await start_bot(settings, clock)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


@pytest.fixture
async def running_bot(bot_factory: Callable[..., Any]) -> RunningBot:
    return await bot_factory()


@pytest.fixture
def admin(fake: FakeTelegram) -> TelegramUser:
    return TelegramUser(fake, "Анна", "Админова", user_id=ADMIN_ID)


@pytest.fixture
def user_factory(fake: FakeTelegram) -> Callable[..., TelegramUser]:
    def make(first_name: str, last_name: str | None = None) -> TelegramUser:
        return TelegramUser(fake, first_name, last_name)

    return make


@pytest.fixture
async def team(running_bot: RunningBot, fake: FakeTelegram, admin: TelegramUser) -> Team:
    """A department with its people, seeded on the test's `running_bot` (a file may run it on
    both databases), each with a chat open."""
    return await seed_team(running_bot, fake, admin)

"""Test helpers: a settable clock, databases on SQLite and PostgreSQL, the running bot."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.app import App, build_app
from bot.settings import Settings
from storage.migrate import upgrade_engine
from tests.fake_telegram import FakeTelegram

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


INTAKE_TOKEN = "intake-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def unavailable(what: str, error: BaseException) -> None:
    """Skip on a laptop without the service; under CI=true a missing service fails the run."""
    message = f"{what} is not reachable: {error!r}"
    if IN_CI:
        pytest.fail(message + " (CI=true: this test must run)")
    pytest.skip(message)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import asyncpg

    admin_dsn = _asyncpg_dsn(POSTGRES_URL)
    try:
        admin = await asyncio.wait_for(asyncpg.connect(admin_dsn), 5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", error)
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def sqlite_url(folder: Path, name: str = "crm.sqlite3") -> str:
    return f"sqlite+aiosqlite:///{folder / name}"


def settings_for(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": fake.token,
        "telegram_api_base": fake.base_url,
        "database_url": database_url,
        "fsm_storage": "database",
        "http_port": free_port(),
        "intake_token": INTAKE_TOKEN,
        "work_hours": "24/7",
        "timer_sweep_seconds": 0.1,
        "telegram_chat_interval_seconds": 0,
        "telegram_rate_per_second": 1000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    app: App
    task: asyncio.Task[None]

    async def stop(self) -> None:
        if not self.task.done():
            await self.app.stop()
        await self.task


async def start_bot(settings: Settings, clock: FakeClock | None = None) -> RunningBot:
    """The real app from the composition root, migrated, long-polling the fake."""
    app = build_app(settings, clock=clock)
    await upgrade_engine(app.engine)
    task = asyncio.create_task(app.serve(handle_signals=False))
    started = asyncio.Event()

    async def mark_started() -> None:
        started.set()

    app.dispatcher.startup.register(mark_started)
    done, _ = await asyncio.wait(
        [task, asyncio.create_task(started.wait())],
        timeout=10,
        return_when=asyncio.FIRST_COMPLETED,
    )
    if task in done:
        task.result()
    return RunningBot(app, task)

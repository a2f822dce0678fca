"""Test helpers: a settable clock, databases on SQLite and PostgreSQL, the running bot."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import tempfile
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
from storage.engine import create_engine
from storage.migrate import upgrade_engine
from tests.fake_telegram import FakeTelegram

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


INTAKE_TOKEN = "intake-secret-0123456789"


# Ports for the bots' HTTP endpoints: below the kernel's ephemeral range (32768-60999 on
# Linux), where no outgoing connection and no `bind(0)` (the fake Telegram's) lands between the
# probe and the bot's own bind; a slice of its own for each pytest-xdist worker, from a random
# start, so that parallel workers and another developer's run do not walk in step.
_PORTS_FROM, _SLICE, _SLICES = 20_000, 1_000, 12
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % _SLICES
_next_port = [random.randrange(_SLICE)]


def free_port() -> int:
    for _ in range(_SLICE):
        port = _PORTS_FROM + _WORKER * _SLICE + _next_port[0] % _SLICE
        _next_port[0] += 1
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # a bot of this worker still holds it, or someone else does
            return port
    raise RuntimeError(f"no free port in worker {_WORKER}'s slice from {_PORTS_FROM}")


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


# Migrated once a session (in each xdist worker), copied for every test that wants a database
# at the head: a copy takes a fraction of the migrations' second. The migrations themselves
# still run: here, in tests/test_storage.py on empty databases, in tests/test_schema_version.py
# and tests/test_upgrade_subjects.py.
_templates: dict[str, str] = {}


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()


def _postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _postgres_template(admin: Any) -> str:
    """A PostgreSQL database migrated to the head, for CREATE DATABASE ... TEMPLATE. Nothing
    stays connected to it (PostgreSQL copies only a database nobody is connected to)."""
    if "postgresql" not in _templates:
        name = f"crm_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        _templates["postgresql"] = name  # dropped at the end of the session, even half-made
        await _migrate(_postgres_url(name))
        _templates["postgresql ready"] = name
    if "postgresql ready" not in _templates:
        raise RuntimeError("the migrated PostgreSQL template failed earlier in this session")
    return _templates["postgresql"]


@asynccontextmanager
async def postgres_database(migrated: bool = True) -> AsyncIterator[str]:
    """A PostgreSQL database of its own for one test, dropped afterwards: at the head of the
    migrations (a copy of one migrated once a session), or empty with `migrated=False`."""
    import asyncpg

    admin_dsn = _asyncpg_dsn(POSTGRES_URL)
    try:
        admin = await asyncio.wait_for(asyncpg.connect(admin_dsn), 5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", error)
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    try:
        template = f' TEMPLATE "{await _postgres_template(admin)}"' if migrated else ""
        await admin.execute(f'CREATE DATABASE "{name}"{template}')
        yield _postgres_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def sqlite_url(folder: Path, name: str = "crm.sqlite3") -> str:
    """Where a new SQLite database will be: no file yet, nothing migrated."""
    return f"sqlite+aiosqlite:///{folder / name}"


async def migrated_sqlite_url(folder: Path, name: str = "crm.sqlite3") -> str:
    """A SQLite database at the head of the migrations: a copy of a file migrated once."""
    if "sqlite" not in _templates:
        template = Path(tempfile.mkdtemp(prefix="crm-template-")) / "crm.sqlite3"
        await _migrate(sqlite_url(template.parent))
        _templates["sqlite"] = str(template)
    template = Path(_templates["sqlite"])
    shutil.copyfile(template, folder / name)
    wal = template.with_name(template.name + "-wal")  # none once the last connection closed
    if wal.exists():
        shutil.copyfile(wal, folder / (name + "-wal"))
    return sqlite_url(folder, name)


async def drop_templates() -> None:
    """At the end of the session: the templates of migrated databases go."""
    if "sqlite" in _templates:
        shutil.rmtree(Path(_templates.pop("sqlite")).parent, ignore_errors=True)
    if "postgresql" in _templates:
        import asyncpg

        name = _templates.pop("postgresql")
        _templates.pop("postgresql ready", None)
        admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


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

"""Benchmark of the outbox and the timers, run by hand: `.venv/bin/python -m bench.outbox_timers`.

1. A burst of 1,000 lead notifications to 1,000 distinct chats against the fake Telegram
   enforcing 30 messages a second: the delivered rate as a share of 30, and the 429s.
2. With 100,000 pending timers in the database: the cost of one wake-up of the sweep.
3. The process's peak memory. This process is the bot as `crmbot run` has it: the fake
   Telegram runs in a process of its own and the migrations in a child, as `crmbot run`
   does them, so neither is counted.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bot.app import build_app
from bot.settings import Settings
from domain.model import Notification, NotificationKind
from storage.tables import DepartmentRow, LeadRow, MemberRow

CHATS = 1000
RATE = 30
TIMERS = 100_000
FIRST_CHAT = 10_001
NOW = datetime.now(UTC)


def peak_mb() -> int:
    """VmHWM: this process's own peak (ru_maxrss would include a forked parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


class FakeProcess:
    """bench.fake_server in a child process."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str, token: str) -> None:
        self.process, self.base_url, self.token = process, base_url, token

    @classmethod
    async def start(cls) -> FakeProcess:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bench.fake_server", str(RATE), str(FIRST_CHAT), str(CHATS)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        ready = json.loads(await process.stdout.readline())
        return cls(process, ready["base_url"], ready["token"])

    async def stop(self) -> dict[str, int]:
        """Stop it; its counters."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        counters = json.loads(await self.process.stdout.readline())
        await self.process.wait()
        return dict(counters)


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], env=env, check=True)


async def app_on(folder: Path, fake: FakeProcess):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    migrate(url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=fake.token,
        telegram_api_base=fake.base_url,
        database_url=url,
        telegram_rate_per_second=RATE,
    )
    app = build_app(settings)
    async with app.engine.begin() as connection:
        await connection.execute(insert(DepartmentRow), [{"id": 1, "name": "Продажи"}])
        await connection.execute(
            insert(MemberRow),
            [
                {
                    "id": n,
                    "telegram_id": FIRST_CHAT - 1 + n,
                    "full_name": f"Менеджер {n}",
                    "role": "manager",
                    "department_id": 1,
                    "active": True,
                    "created_at": NOW,
                }
                for n in range(1, CHATS + 1)
            ],
        )
    return app


async def burst(app) -> float:  # type: ignore[no-untyped-def]
    async with app.uow_factory() as uow:
        for n in range(1, CHATS + 1):
            await uow.outbox.add(
                Notification(n, NotificationKind.TEXT, NOW, text=f"Новый лид #{n}")
            )
        await uow.commit()
    started = time.perf_counter()
    while app.outbox.delivered < CHATS:
        await app.outbox.drain()
    elapsed = time.perf_counter() - started
    return CHATS / elapsed / RATE


async def wake_up_ms(app) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """A wake-up with nothing due, and one that fires 20 due timers."""
    async with app.engine.begin() as connection:
        await connection.execute(
            insert(LeadRow),
            [
                {
                    "id": 1,
                    "title": "Лид",
                    "title_is_auto": False,
                    "source": "WEB",
                    "status": "JUNK",
                    "department_id": 1,
                    "created_at": NOW,
                    "checklist_answers": {},
                }
            ],
        )
        await connection.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
                "INSERT INTO timers (kind, subject_kind, subject_id, department_id, due_at, "
                "created_at) SELECT 'processing_breach', 'lead', 1, 1, "
                "datetime(:base, '+' || i || ' seconds'), :now "
                "FROM n"
            ),
            {
                "count": TIMERS,
                "base": (NOW + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
                "now": NOW.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
    idle = []
    for _ in range(20):
        started = time.perf_counter()
        await app.sweep.run()
        idle.append((time.perf_counter() - started) * 1000)
    async with app.engine.begin() as connection:
        await connection.execute(
            text("UPDATE timers SET due_at = :past WHERE id IN (SELECT id FROM timers LIMIT 20)"),
            {"past": NOW.strftime("%Y-%m-%d %H:%M:%S")},
        )
    started = time.perf_counter()
    fired = await app.sweep.run()
    busy = (time.perf_counter() - started) * 1000
    assert fired == 20, fired
    return statistics.median(idle), busy


async def main(aiogram_alone: str) -> None:
    fake = await FakeProcess.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = await app_on(Path(folder), fake)
            start_peak = peak_mb()
            share = await burst(app)
            burst_peak = peak_mb()
            idle, busy = await wake_up_ms(app)
            await app.bot.session.close()
            await app.engine.dispose()
    finally:
        counters = await fake.stop()
    peak = peak_mb()

    print(
        f"burst of {CHATS} to {CHATS} chats: {share:.2f} of {RATE}/s delivered "
        f"(target >= 0.93), {counters['too_many']} answers 429 (target 0), "
        f"{counters['delivered']} messages in the chats"
    )
    print(
        f"wake-up with {TIMERS:,} pending timers: {idle:.1f} ms median with none due "
        f"(target <= 50 ms); {busy:.1f} ms when it fires 20"
    )
    print(
        f"peak memory of the bot process: {peak} MB (target <= 200 MB); after start "
        f"{start_peak} MB, after the burst {burst_peak} MB; a bare interpreter importing "
        f"aiogram: {aiogram_alone} MB"
    )


def aiogram_import_mb() -> str:
    """What a fresh interpreter holds after importing aiogram, for comparison."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import aiogram, pathlib; print(next(int(l.split()[1]) // 1024 for l in "
            "pathlib.Path('/proc/self/status').read_text().splitlines() "
            "if l.startswith('VmHWM:')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


if __name__ == "__main__":
    asyncio.run(main(aiogram_import_mb()))

"""Benchmark of the outbox and the timers, run by hand: `.venv/bin/python -m bench.outbox_timers`.

1. A burst of 1,000 lead notifications to 1,000 distinct chats against the fake Telegram
   enforcing 30 messages a second: the delivered rate as a share of 30, and the 429s.
2. With 100,000 pending timers in the database: the cost of one wake-up of the sweep.
3. The process's peak memory.
"""

from __future__ import annotations

import asyncio
import resource
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
from storage.migrate import upgrade_engine
from storage.tables import DepartmentRow, LeadRow, MemberRow
from tests.fake_telegram import FakeTelegram

CHATS = 1000
RATE = 30
TIMERS = 100_000
NOW = datetime.now(UTC)


async def app_on(folder: Path, fake: FakeTelegram):  # type: ignore[no-untyped-def]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=fake.token,
        telegram_api_base=fake.base_url,
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}",
        telegram_rate_per_second=RATE,
    )
    app = build_app(settings)
    await upgrade_engine(app.engine)
    async with app.engine.begin() as connection:
        await connection.execute(insert(DepartmentRow), [{"id": 1, "name": "Продажи"}])
        await connection.execute(
            insert(MemberRow),
            [
                {
                    "id": n,
                    "telegram_id": 10_000 + n,
                    "full_name": f"Менеджер {n}",
                    "role": "manager",
                    "department_id": 1,
                    "active": True,
                    "created_at": NOW,
                }
                for n in range(1, CHATS + 1)
            ],
        )
    for n in range(1, CHATS + 1):
        fake.chats.setdefault(10_000 + n, [])
    return app


async def burst(app, fake: FakeTelegram) -> tuple[float, int]:  # type: ignore[no-untyped-def]
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
    return CHATS / elapsed / RATE, fake.too_many


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
                "INSERT INTO timers (kind, lead_id, department_id, due_at, created_at) "
                "SELECT 'processing_breach', 1, 1, datetime(:base, '+' || i || ' seconds'), :now "
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
    fake = FakeTelegram(rate_limit=RATE)
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = await app_on(Path(folder), fake)
            start_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            share, too_many = await burst(app, fake)
            burst_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            idle, busy = await wake_up_ms(app)
            await app.bot.session.close()
            await app.engine.dispose()
    finally:
        await fake.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"burst of {CHATS} to {CHATS} chats: {share:.2f} of {RATE}/s delivered "
        f"(target >= 0.93), {too_many} answers 429 (target 0)"
    )
    print(
        f"wake-up with {TIMERS:,} pending timers: {idle:.1f} ms median with none due, "
        f"{busy:.1f} ms firing 20 (target <= 50 ms)"
    )
    print(
        f"peak memory: {peak:.0f} MB (target <= 200 MB); after start {start_peak:.0f} MB, "
        f"after the burst {burst_peak:.0f} MB; a bare interpreter importing aiogram: "
        f"{aiogram_alone} MB"
    )


def aiogram_import_mb() -> str:
    """What a fresh interpreter holds after importing aiogram, for comparison."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, aiogram.types; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


if __name__ == "__main__":
    asyncio.run(main(aiogram_import_mb()))

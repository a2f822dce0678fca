"""Two real bot processes on one PostgreSQL never send an escalation or a reminder twice."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.services.timers import CONTACT_KINDS
from storage.engine import create_engine
from storage.tables import EscalationRow, OutboxRow, TimerRow
from tests.crash_harness import CONTACT_SECONDS, Firm
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.support import free_port, postgres_database
from tests.test_cli import CRMBOT, clean_env

# Times real processes it kills or races: run with nothing beside it (the Makefile).
pytestmark = pytest.mark.alone

LEADS = 60


async def seed(url: str, fake: FakeTelegram) -> tuple[TelegramUser, TelegramUser, list[int]]:
    """A department, its supervisor and manager, and leads just assigned to him."""
    firm = await Firm.create(url, fake)
    try:
        lead_ids = await firm.assign_new_leads(LEADS)
    finally:
        await firm.close()
    return firm.boss, firm.manager, lead_ids


async def started(
    processes: list[asyncio.subprocess.Process], logs: list[Path], timeout: float = 60
) -> None:
    """Until each process runs its timers (or one of them has died: the test then says why)."""
    deadline = time.monotonic() + timeout
    while not all("timers: sweeping every" in log.read_text() for log in logs):
        if any(p.returncode is not None for p in processes) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.1)


async def test_two_processes_one_escalation_each(tmp_path: Path, fake: FakeTelegram) -> None:
    async with postgres_database() as url:
        boss, manager, lead_ids = await seed(url, fake)
        processes = []
        logs = []
        for n in range(2):
            env = clean_env(
                BOT_TOKEN=fake.token,
                TELEGRAM_API_BASE=fake.base_url,
                DATABASE_URL=url,
                HTTP_PORT=str(free_port()),
                WORK_HOURS="24/7",
                TIMER_SWEEP_SECONDS="0.2",
                CONTACT_SLA_MINUTES=str(CONTACT_SECONDS / 60),
                TELEGRAM_CHAT_INTERVAL_SECONDS="0",
                LOG_LEVEL="INFO",
            )
            log_path = tmp_path / f"bot{n}.log"
            logs.append(log_path)
            with log_path.open("wb") as log_file:
                processes.append(
                    await asyncio.create_subprocess_exec(
                        CRMBOT,
                        "run",
                        cwd=tmp_path,
                        env=env,
                        stdin=asyncio.subprocess.DEVNULL,
                        stdout=log_file,
                        stderr=log_file,
                    )
                )
        try:
            # A start takes seconds on a busy machine: the 30 s are for the escalations.
            await started(processes, logs)
            await fake.wait_for(
                lambda: len([m for m in boss.messages if m.text.startswith("🚨")]) >= LEADS,
                timeout=30,
            )
            await asyncio.sleep(2)  # both processes sweep a few more times
        finally:
            for process in processes:
                with contextlib.suppress(ProcessLookupError):  # it may have died: the log says why
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), 20)
        text = "\n".join(path.read_text() for path in logs)
        assert all(p.returncode == 0 for p in processes), text
        for process_log in logs:  # both really ran the timers
            assert "timers: sweeping every" in process_log.read_text()

        escalated = sorted(
            int(m.text.split("#")[1].split()[0]) for m in boss.messages if m.text.startswith("🚨")
        )
        reminded = sorted(
            int(m.text.split("#")[1].split()[0])
            for m in manager.messages
            if m.text.startswith("⏰")
        )
        assert escalated == lead_ids and reminded == lead_ids  # each once, none twice
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                assert (
                    await connection.scalar(select(func.count()).select_from(EscalationRow))
                    == LEADS
                )
                # No contact clock left to fire. (The clocks planned at assignment that came due
                # before the bots were up fired with nothing to say: R2.15 counts from
                # when each card reached the manager, and those clocks fired once each.)
                assert (
                    await connection.scalar(
                        select(func.count())
                        .select_from(TimerRow)
                        .where(
                            TimerRow.kind.in_([k.value for k in CONTACT_KINDS]),
                            TimerRow.fired_at.is_(None),
                            TimerRow.cancelled_at.is_(None),
                        )
                    )
                    == 0
                )
                assert (
                    await connection.scalar(
                        select(func.count())
                        .select_from(OutboxRow)
                        .where(OutboxRow.sent_at.is_(None))
                    )
                    == 0
                )
        finally:
            await engine.dispose()

"""Load benchmark of button presses, run by hand: `.venv/bin/python -m bench.press_load`.

Ten people, each on his own live lead card, press its stage buttons through the real bot:
`crmbot run` in a process of its own, on SQLite, long-polling the fake Telegram of the tests
over HTTP, with its settings as shipped (30 messages a second, one a second to a chat). The
fake runs here, and times each press where Telegram would see it: from the moment
`getUpdates` hands the press out to the moment `answerCallbackQuery` for it comes in.

1. 30 presses a second offered in all (three a second each): p50 / p95 / p99 of that time.
2. Each presses again as soon as his previous press is answered: presses a second, against
   the 30 messages a second Telegram takes from a bot.

Every press changes the lead: the card's «В работу» moves it on, and «← Назначен» moves it
back. A manager may not move a lead back (R2.10), so the ten are supervisors, one to a
department, each pressing the card of the lead his manager holds; the manager's copy of the
card is edited by the outbox after every press, as it would be. The fake keeps no rate limit
here: the answer to a press redraws the card, and it is the bot that is measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from domain.lead_fields import LeadField
from domain.model import LeadSource, Member, Profile, Role
from domain.ports import SystemClock
from domain.services import leads, onboarding
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.tables import LeadEventRow
from storage.uow import SqlUnitOfWorkFactory
from tests.fake_telegram import ChatMessage, FakeTelegram, TelegramUser
from tests.support import free_port
from tests.test_cli import CRMBOT, clean_env

PRESSERS = 10
OFFERED = 30.0  # presses a second in all, phase 1
TELEGRAM_SENDS = 30  # messages a second Telegram takes from one bot
WARM_UP_SECONDS = 3.0
PHASE_SECONDS = 20.0  # each phase; `python -m bench.press_load SECONDS` for another
FORWARD, BACK = "В работу", "← Назначен"


class TimedTelegram(FakeTelegram):
    """The fake Telegram, noting when each update is handed out and each press answered."""

    def __init__(self) -> None:
        super().__init__()
        self.handed: dict[str, float] = {}  # callback id -> first handed out by getUpdates
        self.answered: dict[str, float] = {}  # callback id -> answerCallbackQuery came in

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        updates = await super()._m_getupdates(params)
        now = time.perf_counter()
        for update in updates:
            query = update.get("callback_query")
            if query is not None:
                self.handed.setdefault(query["id"], now)
        return updates

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        self.answered.setdefault(str(params["callback_query_id"]), time.perf_counter())
        return await super()._m_answercallbackquery(params)


@dataclass
class Presser:
    """A supervisor on the live card of his department's lead."""

    user: TelegramUser
    lead_id: int
    presses: list[str] = field(default_factory=list)  # callback ids, in order

    @property
    def card(self) -> ChatMessage:
        return next(m for m in self.user.messages if m.text.startswith(f"#{self.lead_id} · "))

    async def press(self, fake: TimedTelegram) -> str:
        """Press whichever of the two moves the card offers now; wait for the answer."""
        card = self.card
        label = FORWARD if FORWARD in card.buttons() else BACK
        callback_id = await fake.user_presses(self.user.user, card, label)
        self.presses.append(callback_id)
        await fake.wait_for(lambda: callback_id in fake.callback_answers, timeout=30)
        expected = BACK if label == FORWARD else FORWARD
        await fake.wait_for(lambda: expected in self.card.buttons(), timeout=30)
        return callback_id


async def seed(url: str, fake: TimedTelegram) -> list[Presser]:
    """Ten departments, each a supervisor and a manager with one assigned lead."""
    engine = create_engine(url)
    await upgrade_engine(engine)
    factory = SqlUnitOfWorkFactory(create_session_factory(engine))
    now = SystemClock().now()
    pressers = []
    async with factory() as uow:
        admin = await onboarding.bootstrap_admin(uow, 1, "Админ", [1], now)
    assert admin is not None
    for n in range(1, PRESSERS + 1):
        async with factory() as uow:
            department = await onboarding.create_department(uow, admin, f"Отдел {n}")
        people: dict[Role, tuple[TelegramUser, Member]] = {}
        for role, name in ((Role.SUPERVISOR, f"Руководитель {n}"), (Role.MANAGER, f"Менеджер {n}")):
            user = TelegramUser(fake, name)
            fake.chats.setdefault(user.id, [])  # he has opened the bot
            async with factory() as uow:
                issued = await onboarding.issue_invitation(uow, admin, role, department.id, now)
            async with factory() as uow:
                member = await onboarding.accept_invitation(
                    uow,
                    issued.invitation.token,
                    user.id,
                    Profile(name, "+79120000000", "x@example.ru", "x"),
                    now,
                )
            people[role] = (user, member)
        boss, manager = people[Role.SUPERVISOR], people[Role.MANAGER]
        async with factory() as uow:
            intake = await leads.create_lead(
                uow,
                values={LeadField.NAME: f"Клиент {n}", LeadField.COMPANY: f"Ромашка {n}"},
                source=LeadSource.WEB,
                department_id=department.id or 0,
                creator=None,
                now=now,
            )
        async with factory() as uow:
            await leads.assign_lead(uow, boss[1], intake.lead.id or 0, manager[1].id or 0, now)
        pressers.append(Presser(boss[0], intake.lead.id or 0))
    await engine.dispose()
    return pressers


async def spawn_bot(url: str, fake: TimedTelegram, folder: Path) -> asyncio.subprocess.Process:
    """`crmbot run` as an operator starts it, its settings as shipped but for the fake."""
    with (folder / "bot.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            CRMBOT,
            "run",
            cwd=folder,
            env=clean_env(
                BOT_TOKEN=fake.token,
                TELEGRAM_API_BASE=fake.base_url,
                DATABASE_URL=url,
                HTTP_PORT=str(free_port()),
                WORK_HOURS="24/7",
                LOG_LEVEL="WARNING",
            ),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latencies_ms(fake: TimedTelegram, callback_ids: list[str]) -> list[float]:
    return [(fake.answered[c] - fake.handed[c]) * 1000 for c in callback_ids]


async def offered_load(fake: TimedTelegram, pressers: list[Presser], seconds: float) -> list[str]:
    """OFFERED presses a second in all, each presser in turn; one press of his at a time."""
    interval = len(pressers) / OFFERED
    presses: list[str] = []

    async def one(presser: Presser, offset: float) -> None:
        started = time.perf_counter()
        n = 0
        while True:
            due = started + offset + n * interval
            if due - started >= seconds:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            presses.append(await presser.press(fake))
            n += 1

    await asyncio.gather(*(one(p, i / OFFERED) for i, p in enumerate(pressers)))
    return presses


async def as_fast_as_answered(
    fake: TimedTelegram, pressers: list[Presser], seconds: float
) -> tuple[list[str], float]:
    presses: list[str] = []
    started = time.perf_counter()

    async def one(presser: Presser) -> None:
        while time.perf_counter() - started < seconds:
            presses.append(await presser.press(fake))

    await asyncio.gather(*(one(p) for p in pressers))
    return presses, time.perf_counter() - started


async def status_events(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(
                    select(func.count())
                    .select_from(LeadEventRow)
                    .where(LeadEventRow.kind == "status", LeadEventRow.actor_id.is_not(None))
                )
                or 0
            )
    finally:
        await engine.dispose()


async def main(seconds: float) -> None:
    fake = TimedTelegram()
    await fake.start()
    bot = None
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = f"sqlite+aiosqlite:///{folder / 'crm.sqlite3'}"
        try:
            pressers = await seed(url, fake)
            assigns = await status_events(url)  # «Назначен» by the supervisors at the seed
            bot = await spawn_bot(url, fake, folder)
            for presser in pressers:  # the cards reach them, and show the lead assigned
                await fake.wait_for(
                    lambda p=presser: any(
                        m.text.startswith(f"#{p.lead_id} · ") and FORWARD in m.buttons()
                        for m in p.user.messages
                    ),
                    timeout=60,
                )
            await offered_load(fake, pressers, WARM_UP_SECONDS)
            steady = await offered_load(fake, pressers, seconds)
            offered = len(steady) / seconds
            cpu = cpu_seconds(bot.pid)
            fastest, elapsed = await as_fast_as_answered(fake, pressers, seconds)
            cpu = cpu_seconds(bot.pid) - cpu
            rate = len(fastest) / elapsed
            await asyncio.sleep(1)
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 30)
            moved = await status_events(url) - assigns
            log = (folder / "bot.log").read_text(errors="replace")
        finally:
            if bot is not None and bot.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    bot.kill()
                await bot.wait()
            await fake.stop()

    pressed = sum(len(p.presses) for p in pressers)
    answers = [fake.callback_answers[c]["text"] for p in pressers for c in p.presses]
    refused = [a for a in answers if not a.startswith("Статус: ")]
    steady_ms = latencies_ms(fake, steady)
    fast_ms = latencies_ms(fake, fastest)
    print(
        f"{PRESSERS} pressers, {OFFERED:.0f} presses/s offered ({offered:.1f} made), "
        f"{len(steady)} presses: p50 {percentile(steady_ms, 0.5):.1f} ms, "
        f"p95 {percentile(steady_ms, 0.95):.1f} ms, p99 {percentile(steady_ms, 0.99):.1f} ms "
        f"(goal p99 <= 50 ms)"
    )
    print(
        f"each pressing again once answered: {rate:.0f} presses/s, {rate / TELEGRAM_SENDS:.1f}x "
        f"Telegram's {TELEGRAM_SENDS} sends/s (goal >= 3x); p50 "
        f"{statistics.median(fast_ms):.1f} ms, p99 {percentile(fast_ms, 0.99):.1f} ms"
    )
    print(
        f"the bot's CPU meanwhile: {cpu * 1000 / len(fastest):.1f} ms a press, "
        f"{cpu / elapsed:.2f} of a core; the machine's load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"check: {pressed} presses, {moved} status changes recorded, {len(refused)} answers "
        f"other than a new status, {log.count('Traceback')} tracebacks in the bot's log"
    )
    if refused:
        print("answers other than a new status:", sorted(set(refused))[:5])


if __name__ == "__main__":
    sys.exit(asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else PHASE_SECONDS)))

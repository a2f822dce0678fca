"""Crash soak, run by hand: `.venv/bin/python -m bench.crash_soak [cycles]` (about 4 minutes).

`[cycles] [sqlite|postgresql]`: how many kills (21), and one part only.
Real `crmbot run` processes against the fake Telegram, killed with SIGKILL again and again
while leads flow: at random moments, inside a card's send and inside an escalation's send.
First one process on SQLite, restarted after each kill; then two processes on PostgreSQL
(one polling, one with UPDATES_MODE=none), the sender killed each time and started again as
a standby. Each R2.15 breach must reach the supervisor once, at its deadline, or within
5 s of the restart (or the take-over) when the deadline fell while nobody sent.
Prints, for each part: leads, escalations expected / delivered / duplicated / missing,
lateness p50 / p95 / max, duplicate cards, and rows left claimed.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.crash_harness import BotProcess, Firm, Report, audit
from tests.fake_telegram import FakeTelegram
from tests.support import postgres_database, sqlite_url

MOMENTS = ("random", "card", "escalation")


async def _kill_moment(firm: Firm, fake: FakeTelegram, moment: str) -> tuple[object, float]:
    """Feed leads, and return once the chosen moment has come: (a hold to end, or None;
    the time to kill at)."""
    if moment == "card":
        held = fake.hold("sendMessage", firm.manager.id)
        await firm.assign_new_leads(random.randint(1, 3))
        await fake.wait_for(lambda: held.waiting == 1, timeout=20)
        return held, time.time()
    if moment == "escalation":
        held = fake.hold("sendMessage", firm.boss.id)
        await firm.assign_new_leads(random.randint(1, 3))
        await fake.wait_for(lambda: held.waiting == 1, timeout=30)
        return held, time.time()
    await firm.assign_new_leads(random.randint(1, 6))
    await asyncio.sleep(random.uniform(0, 8))  # cards, reminders, escalations under way
    return None, time.time()


def _end(held: object) -> None:
    """A held call ends after the kill: Telegram took it (a copy in flight) or not."""
    if held is None:
        return
    if random.random() < 0.5:
        held.release()  # type: ignore[attr-defined]
    else:
        held.drop()  # type: ignore[attr-defined]


async def sqlite_part(folder: Path, cycles: int) -> tuple[Report, int]:
    fake = FakeTelegram()
    await fake.start()
    url = sqlite_url(folder)
    firm = await Firm.create(url, fake)
    downtimes: list[tuple[float, float]] = []
    bot = await BotProcess.spawn(url, fake, folder, "sqlite")
    try:
        await bot.wait_log("outbox: this process sends")
        for cycle in range(cycles):
            held, _ = await _kill_moment(firm, fake, MOMENTS[cycle % len(MOMENTS)])
            killed = await bot.kill()
            _end(held)
            await asyncio.sleep(random.uniform(0, 3))  # down for a while
            bot = await BotProcess.spawn(url, fake, folder, "sqlite")
            downtimes.append((killed, bot.started))
            await bot.wait_log("outbox: this process sends")
            print(f"  sqlite: kill {cycle + 1}/{cycles} ({MOMENTS[cycle % 3]})", flush=True)
        await fake.wait_for(firm.all_escalated, timeout=90)
        await asyncio.sleep(3)
        report = await audit(firm, downtimes)
        await bot.stop()
    finally:
        await bot.kill()
        await firm.close()
        await fake.stop()
    return report, cycles


async def postgres_part(folder: Path, cycles: int) -> tuple[Report, int]:
    fake = FakeTelegram()
    await fake.start()
    async with postgres_database() as url:
        firm = await Firm.create(url, fake)
        downtimes: list[tuple[float, float]] = []
        env = {"poller": {}, "standby": {"UPDATES_MODE": "none"}}
        bots = {name: await BotProcess.spawn(url, fake, folder, name, **env[name]) for name in env}
        try:
            for bot in bots.values():
                await bot.wait_log("is up")
            for cycle in range(cycles):
                while True:
                    senders = [name for name, bot in bots.items() if bot.sends]
                    if len(senders) == 1:
                        break
                    await asyncio.sleep(0.05)
                name = senders[0]
                other = "standby" if name == "poller" else "poller"
                seen = len(bots[other].text())
                held, _ = await _kill_moment(firm, fake, MOMENTS[cycle % len(MOMENTS)])
                killed = await bots[name].kill()
                _end(held)
                await bots[other].wait_log("outbox: this process sends", after=seen)
                downtimes.append((killed, time.time()))
                bots[name] = await BotProcess.spawn(url, fake, folder, name, **env[name])
                await bots[name].wait_log("is up")
                print(f"  postgresql: kill {cycle + 1}/{cycles} of the {name}", flush=True)
            await fake.wait_for(firm.all_escalated, timeout=90)
            await asyncio.sleep(3)
            report = await audit(firm, downtimes)
            for bot in bots.values():
                await bot.stop()
        finally:
            for bot in bots.values():
                await bot.kill()
            await firm.close()
            await fake.stop()
    return report, cycles


async def main(cycles: int, only: str | None) -> None:
    random.seed(12)
    folder = tempfile.mkdtemp(prefix="crash-soak-")
    parts = (("SQLite, one process", sqlite_part), ("PostgreSQL, two", postgres_part))
    try:
        for title, part in parts:
            if only and not title.lower().startswith(only):
                continue
            print(f"{title}: {cycles} kills", flush=True)
            where = Path(folder) / title.split(",")[0]
            where.mkdir()
            report, kills = await part(where, cycles)
            for line in report.lines():
                print(f"  {line}")
            print(f"  kills: {kills} (a message in flight at a kill may go twice)")
    finally:
        if os.environ.get("SOAK_KEEP"):  # the processes' logs, for a look at a late one
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    asyncio.run(main(count, sys.argv[2] if len(sys.argv) > 2 else None))

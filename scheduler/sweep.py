"""The wake-up job: APScheduler only wakes the process; the timer rows decide what fires."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.ports import Clock
from domain.services import timers
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 200


class TimerSweep:
    def __init__(self, uow_factory: SqlUnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False

    async def stop(self, grace: float) -> None:
        """On shutdown: a running sweep finishes the timer it is firing, fires no more (they
        stay due for the next start), and is waited for up to `grace` seconds."""
        self._stopping = True
        await asyncio.sleep(0)  # a run the scheduler has just submitted starts first
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)

    async def run(self) -> int:
        self._idle.clear()
        try:
            return await self._run()
        finally:
            self._idle.set()

    async def _run(self) -> int:
        """Fire every timer that is due, in batches, each tried once a run (a failing one
        is passed by and tried again next run); returns how many fired here."""
        fired = 0
        after = None
        while True:
            async with self._uow_factory() as uow:
                due = await uow.timers.due(self._clock.now(), BATCH, after)
            for due_at, timer_id in due:
                if self._stopping:
                    return fired
                after = (due_at, timer_id)
                try:
                    async with self._uow_factory() as uow:
                        if await timers.fire(uow, timer_id, self._clock.now()):
                            fired += 1
                except Exception:
                    # One broken timer must not hold up the others; it is tried again later.
                    log.exception("timer %s failed to fire", timer_id)
                await asyncio.sleep(0)  # on SQLite nothing else awaits: let updates in
            if len(due) < BATCH:
                return fired


def schedule_sweep(scheduler: AsyncIOScheduler, sweep: TimerSweep, seconds: float) -> None:
    # Runs at once on start (what came due while the bot was down fires now, once), then
    # every few seconds. No misfire is dropped, and late runs are merged into one.
    scheduler.add_job(
        sweep.run,
        "interval",
        seconds=seconds,
        id="timer-sweep",
        replace_existing=True,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
    )

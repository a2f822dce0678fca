"""The wake-up job: APScheduler only wakes the process; the timer rows decide what fires.

Besides the periodic sweep (the safety net), the process sets an alarm for its earliest due
timer, set again after every sweep and whenever a transaction plans an earlier one, so a
deadline fires within a moment of its time, not at the next sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.ports import Clock
from domain.services import timers
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 200
ALARM_MARGIN = 0.02  # seconds past the due time: the timer is due when the sweep looks
RETRY_AFTER_FAILURE = timedelta(seconds=1)


class TimerSweep:
    def __init__(self, uow_factory: SqlUnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._running = asyncio.Lock()  # one sweep at a time in this process
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at: datetime | None = None
        self._rung: set[asyncio.Task[int]] = set()
        self._looked_at: datetime | None = None  # the last "now" a run looked for due timers

    def planned(self, due: datetime) -> None:
        """A committed transaction planned a timer due at `due`: wake then, if that is
        earlier than the alarm set. Called on the loop, from the unit of work."""
        if self._alarm_at is None or due < self._alarm_at:
            self._set_alarm(due)

    def _set_alarm(self, due: datetime | None) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm, self._alarm_at = None, due
        if due is None or self._stopping:
            return
        delay = max(0.0, (due - self._clock.now()).total_seconds()) + ALARM_MARGIN
        self._alarm = asyncio.get_running_loop().call_later(delay, self._ring)

    def _ring(self) -> None:
        self._alarm, self._alarm_at = None, None
        if self._stopping:
            return
        task = asyncio.create_task(self.run(), name="timer-alarm")
        self._rung.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._rung.discard)

    async def stop(self, grace: float) -> None:
        """On shutdown: a running sweep finishes the timer it is firing, fires no more (they
        stay due for the next start), and is waited for up to `grace` seconds."""
        self._stopping = True
        self._set_alarm(None)
        await asyncio.sleep(0)  # a run the scheduler has just submitted starts first
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)

    async def run(self) -> int:
        async with self._running:
            self._idle.clear()
            try:
                return await self._run()
            except Exception:
                log.exception("the timer sweep failed; it tries again in a second")
                self.planned(self._clock.now() + RETRY_AFTER_FAILURE)
                return 0
            finally:
                try:
                    await self._arm()
                except Exception:
                    log.exception("the timer alarm could not be set; it tries again in a second")
                    self.planned(self._clock.now() + RETRY_AFTER_FAILURE)
                self._idle.set()

    async def _arm(self) -> None:
        """Set the alarm for the earliest timer still pending (planned by any process)."""
        if self._stopping:
            return
        async with self._uow_factory() as uow:
            # Past due and still pending means failing or being fired elsewhere: the
            # periodic sweep tries those again; the alarm is for what comes next.
            # After the moment this run last looked, not after now: a timer that came due
            # while the run was firing the others is due now, and the alarm rings at once.
            # Those it tried and could not fire wait for the periodic sweep.
            due = await uow.timers.next_due(self._looked_at or self._clock.now())
        if due is None:
            return
        # Only ever earlier: a commit may have set an earlier alarm since the read.
        self.planned(due)

    async def _run(self) -> int:
        """Fire every timer that is due, in batches, each tried once a run (a failing one
        is passed by and tried again next run); returns how many fired here."""
        fired = 0
        after = None
        while True:
            self._looked_at = self._clock.now()
            async with self._uow_factory() as uow:
                due = await uow.timers.due(self._looked_at, BATCH, after)
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

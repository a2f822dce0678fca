"""The log an engineer reads: routine scheduler lines stay out of it unless he asks for DEBUG."""

import asyncio
import logging

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.logs import configure_logging


async def _overlapping_ticks() -> None:
    scheduler = AsyncIOScheduler()

    async def slow_sweep() -> None:
        await asyncio.sleep(0.35)

    scheduler.add_job(slow_sweep, "interval", seconds=0.05, max_instances=1, coalesce=True)
    scheduler.start()
    await asyncio.sleep(0.3)
    logging.getLogger("apscheduler.scheduler").warning("a warning of its own")
    scheduler.shutdown(wait=False)


@pytest.fixture(autouse=True)
def _restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    configure_logging("WARNING", {})


async def test_a_tick_skipped_while_the_sweep_runs_is_not_a_warning(capsys) -> None:
    configure_logging("INFO", {})
    await _overlapping_ticks()
    err = capsys.readouterr().err
    assert "maximum number of running instances" not in err
    assert "WARNING apscheduler.scheduler: a warning of its own" in err


async def test_debug_shows_the_skipped_ticks(capsys) -> None:
    configure_logging("DEBUG", {})
    await _overlapping_ticks()
    assert "skipped: maximum number of running instances reached" in capsys.readouterr().err

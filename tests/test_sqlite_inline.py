"""SQLite in the loop's thread: another writer's lock is waited out without stopping the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.sqlite_inline import InlineConnection


@pytest.fixture
async def engines(tmp_path: Path) -> tuple[AsyncEngine, AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locks.sqlite3'}"
    first, second = create_engine(url), create_engine(url)
    async with first.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_the_engine_drives_sqlite_inline(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    first, _ = engines
    async with first.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)


async def test_a_writer_waits_for_the_lock_while_the_loop_runs_on(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = engines
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def second_writer() -> float:
        started = time.monotonic()
        async with second.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (2)"))
        return time.monotonic() - started

    ticking = asyncio.create_task(ticker())
    async with first.begin() as holder:
        await holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
        waiting = asyncio.create_task(second_writer())
        await asyncio.sleep(0.3)
        assert not waiting.done()
        ticks_while_locked = ticks
    waited = await waiting
    ticking.cancel()
    assert ticks_while_locked >= 10  # the loop was not stopped by the waiting writer
    assert waited >= 0.25
    async with first.connect() as connection:
        rows = (await connection.execute(text("SELECT x FROM t ORDER BY x"))).scalars().all()
    assert rows == [1, 2]


async def test_a_lock_held_past_the_timeout_fails_with_database_is_locked(tmp_path: Path) -> None:
    path = str(tmp_path / "held.sqlite3")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite+aiosqlite:///{path}", busy_timeout=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (1)"))
        assert 0.15 <= time.monotonic() - started < 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await engine.dispose()


async def test_a_stale_snapshot_fails_at_once(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    """Waiting cannot help a transaction that read before another writer committed."""
    first, second = engines
    async with first.begin() as connection:
        await connection.execute(text("INSERT INTO t VALUES (1)"))
    async with second.connect() as reader:
        await reader.execute(text("BEGIN"))
        await reader.execute(text("SELECT count(*) FROM t"))  # the snapshot starts here
        async with first.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (2)"))
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            await reader.execute(text("INSERT INTO t VALUES (3)"))
        assert time.monotonic() - started < 1
        await reader.rollback()


async def test_a_savepoint_as_the_first_write_stays_inside_the_transaction(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """sqlite3 would let the SAVEPOINT start a transaction of its own, and its RELEASE would
    commit the row at once, whatever the unit of work did next."""
    first, _ = engines
    async with first.connect() as connection:
        async with connection.begin():
            await connection.execute(text("SELECT 1"))
            async with connection.begin_nested():
                await connection.execute(text("INSERT INTO t VALUES (1)"))
            await connection.rollback()
        count = (await connection.execute(text("SELECT count(*) FROM t"))).scalar()
    assert count == 0


async def test_a_url_with_options_is_left_to_aiosqlite(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///file:{tmp_path / 'x.sqlite3'}?uri=true")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert not isinstance(raw.driver_connection, InlineConnection)
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
        assert busy == 10_000
    finally:
        await engine.dispose()

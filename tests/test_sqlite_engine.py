"""SQLite through aiosqlite: transactions that really are transactions, and locks waited out."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine

# Another process that takes the file's write lock, says so, and holds it until told to
# stop, as any other writer of the file would (a script, a migration run by hand).
HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


@contextlib.contextmanager
def lock_held_by_another_process(path: Path) -> Iterator[Callable[[], None]]:
    """The write lock of `path` taken by another process; the call releases it."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"

        def release() -> None:
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()

        try:
            yield release
        finally:
            holder.kill()


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locks.sqlite3'}"
    first, second = create_engine(url), create_engine(url)
    async with first.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield first, second
    await first.dispose()
    await second.dispose()


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


async def test_ddl_is_rolled_back_with_its_transaction(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """sqlite3 would commit a CREATE TABLE at once: a migration that fails half-way would
    leave half a schema."""
    first, _ = engines
    async with first.connect() as connection:
        async with connection.begin():
            await connection.execute(text("CREATE TABLE u (y INTEGER)"))
            await connection.rollback()
        tables = (
            (await connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'")))
            .scalars()
            .all()
        )
    assert tables == ["t"]


async def test_a_transaction_that_reads_then_writes_never_meets_a_stale_snapshot(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """Most use cases read before they write. Another writer commits in between: the
    write must still go through (with a deferred BEGIN, SQLite refuses it at once with
    "database is locked", its busy timeout notwithstanding: storage/engine.py)."""
    first, second = engines

    async def other_writer() -> None:
        async with second.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (2)"))

    async with first.begin() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        writing = asyncio.create_task(other_writer())
        await asyncio.sleep(0.2)  # the other writer commits now, or waits for us
        await connection.execute(text("INSERT INTO t VALUES (1)"))
    await asyncio.wait_for(writing, 10)
    async with first.connect() as connection:
        rows = (await connection.execute(text("SELECT x FROM t ORDER BY x"))).scalars().all()
    assert rows == [1, 2]


async def test_a_transaction_that_has_only_read_holds_off_no_writer(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """A handler reads, then talks to Telegram or writes its FSM state through another
    connection: nobody's write may wait for it (with a BEGIN IMMEDIATE at the first
    statement, every such write would wait out the busy timeout)."""
    first, second = engines
    async with first.begin() as reader:
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        async with second.begin() as writer:
            await asyncio.wait_for(writer.execute(text("INSERT INTO t VALUES (1)")), 1)
    async with first.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 1


async def test_writers_wait_for_another_process_holding_the_lock_and_the_loop_runs_on(
    tmp_path: Path,
) -> None:
    """README, "Running on PostgreSQL": while another process holds the file's write lock,
    writers wait for it (up to the busy timeout) without stopping the bot."""
    path = tmp_path / "held.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def writer() -> float:
        started = time.monotonic()
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        return time.monotonic() - started

    with lock_held_by_another_process(path) as release:
        ticking = asyncio.create_task(ticker())
        writing = asyncio.create_task(writer())
        await asyncio.sleep(1.0)
        assert not writing.done()
        assert ticks >= 50  # the loop went on while the writer waited
        release()
        waited = await asyncio.wait_for(writing, 10)
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
    assert waited >= 0.9
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 1
    await engine.dispose()


async def test_a_lock_held_past_the_timeout_fails_with_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "held.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", busy_timeout=0.3)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    try:
        with lock_held_by_another_process(path):
            started = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO t VALUES (1)"))
            assert 0.25 <= time.monotonic() - started < 3
    finally:
        await engine.dispose()


async def test_a_url_with_options_is_set_up_alike(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///file:{tmp_path / 'x.sqlite3'}?uri=true")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.scalar(text(f"PRAGMA {name}"))
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "synchronous": 1,
    }


async def test_a_writer_of_this_process_that_waits_for_itself_fails_instead_of_hanging(
    tmp_path: Path,
) -> None:
    """Writers of one process queue for their turn before SQLite's lock (storage/engine.py);
    one that waits for its own task's open transaction must still end as it would without
    the queue, with "database is locked" after the busy timeout, not wait forever."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'self.sqlite3'}", busy_timeout=0.2)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    try:
        async with engine.connect() as first, first.begin():
            await first.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(OperationalError, match="database is locked"):
                async with engine.begin() as second:
                    await asyncio.wait_for(second.execute(text("INSERT INTO t VALUES (2)")), 10)
        # Both turns are over: the next writer goes at once.
        async with engine.begin() as third:
            await asyncio.wait_for(third.execute(text("INSERT INTO t VALUES (3)")), 1)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT x FROM t ORDER BY x"))).scalars().all()
        assert rows == [1, 3]
    finally:
        await engine.dispose()

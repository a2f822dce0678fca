"""SQLite driven in the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call (cursor, execute, fetch, close, commit) in a worker thread and
waits for it through a queue and a future; here that hop costs 100-300 µs, against 5-20 µs
for the SQLite work of a typical indexed statement, so a button press that makes a dozen
statements spent most of its time handing work to a thread and back. This connection does
the work in place and offers aiosqlite's awaitable interface, which is all the dialect uses.

The one thing a thread gave for free is waiting for another writer's lock without stopping
the loop. SQLite's own busy handler would block the loop — and with it the coroutine that
holds the lock — so the connection is opened with no busy timeout and a "database is locked"
is waited out here, asynchronously, up to the same timeout. A busy error that waiting cannot
cure (a read snapshot older than another writer's commit) is raised at once, as before.

Statements are short by design (every list is indexed and paged), so the loop is never held
for long; a long report belongs in a worker of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

FIRST_WAIT = 0.001
LONGEST_WAIT = 0.05
# Another connection's lock, or a WAL being recovered: both pass. (SQLITE_LOCKED is a
# conflict inside one connection and SQLITE_BUSY_SNAPSHOT a stale read: waiting cures neither.)
CURABLE = {"SQLITE_BUSY", "SQLITE_BUSY_RECOVERY", "SQLITE_BUSY_TIMEOUT"}


class InlineCursor:
    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        conn = self._connection._conn
        if sql.startswith("SAVEPOINT") and not conn.in_transaction:
            # sqlite3 begins a transaction only before a write; a SAVEPOINT outside one
            # would start its own, and releasing it would commit at once what the unit of
            # work might still roll back.
            await self._connection.waiting_out_locks(self._cursor.execute, "BEGIN")
        await self._connection.waiting_out_locks(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, rows: Iterable[Any]) -> InlineCursor:
        rows = list(rows)  # a retry must see every row again
        await self._connection.waiting_out_locks(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls on an aiosqlite connection."""

    def __init__(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        self._conn = conn
        self._busy_timeout = busy_timeout
        self._closed = False

    @property
    def _connection(self) -> sqlite3.Connection | None:
        # The dialect skips commit and rollback when this is None, as with aiosqlite.
        return None if self._closed else self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def _tx(self) -> _Immediate:
        return _Immediate()  # the dialect's isolation-level setter queues work through this

    async def waiting_out_locks(self, call: Callable[..., Any], *args: Any) -> Any:
        deadline = time.monotonic() + self._busy_timeout
        wait = FIRST_WAIT
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorname", "") not in CURABLE:
                    raise
                if time.monotonic() + wait > deadline:
                    raise
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = InlineCursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self.waiting_out_locks(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._closed = True
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


class _Immediate:
    """Runs a queued (future, function) pair at once, as aiosqlite's thread would later."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


def inline_connector(path: str, busy_timeout: float) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine."""

    async def connect() -> InlineConnection:
        conn = sqlite3.connect(path, timeout=0, isolation_level="", check_same_thread=False)
        return InlineConnection(conn, busy_timeout)

    return connect

"""The async engine: SQLite tuned for a live bot, or PostgreSQL."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_SECONDS = 10.0


def _sqlite_path(url: str) -> Path | None:
    """The file of a file-backed SQLite URL; None for anything else."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).expanduser()
    return None


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a file-backed SQLite database if it is missing."""
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's recipe ("Transactions with SQLite and the sqlite3 driver" in its
        # SQLite dialect): sqlite3 begins no transaction by itself, `_begin_before_writing`
        # does. Left to sqlite3, a SAVEPOINT before the first write would start a
        # transaction of its own, committed by its RELEASE, and DDL would not be
        # transactional at all.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # aiosqlite runs each connection in a thread of its own: SQLite's own busy handler
        # waits there for another writer's lock (a backup, another process) without
        # stopping the event loop.
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


# Statements that only read, or that may not run inside a transaction.
_NO_BEGIN = frozenset(
    {
        "SELECT",
        "PRAGMA",
        "EXPLAIN",
        "BEGIN",
        "COMMIT",
        "END",
        "ROLLBACK",  # also ROLLBACK TO SAVEPOINT, inside a transaction already
        "RELEASE",
        "VACUUM",
        "ATTACH",
        "DETACH",
    }
)


class _WriterQueue:
    """The writers of one engine in this process queue here, in turn, before their BEGIN
    IMMEDIATE, instead of in SQLite's busy handler: a writer the handler turns away sleeps
    in its thread and tries again (1 ms, then longer, up to 100 ms a try), and may miss the
    lock's release many times over while others take it (a press answered in 3 s behind
    the outbox sender under load, issue #13). Here the next writer goes as soon as the last
    one's transaction ends.

    Only an order, never the guard: SQLite's lock stays that, with its busy timeout, for
    another process or another engine on the file. A writer that waits here longer than
    the busy timeout (its own task holding a transaction open while it writes through
    another, say) goes on to SQLite, which turns it away as it would have without the
    queue."""

    KEY = "crm_writer_queue"  # in the pooled connection's info while it holds its turn

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _take(self, lock: asyncio.Lock) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                await lock.acquire()
        except TimeoutError:
            return False
        return True

    def enter(self, pooled: Any) -> None:
        """Called in the greenlet of a statement, right before its BEGIN IMMEDIATE."""
        if self.KEY in pooled.info:
            return
        lock = self._lock()
        if pooled.dbapi_connection.run_async(lambda _driver: self._take(lock)):
            pooled.info[self.KEY] = (asyncio.get_running_loop(), lock)

    @classmethod
    def leave(cls, info: dict[Any, Any]) -> None:
        """The transaction ended (or its connection did): the next writer's turn."""
        held = info.pop(cls.KEY, None)
        if held is None:
            return
        loop, lock = held
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            _release(lock)
        elif not loop.is_closed():  # a connection the garbage collector hands back
            loop.call_soon_threadsafe(_release, lock)


def _release(lock: asyncio.Lock) -> None:
    if lock.locked():
        lock.release()


def _in_transaction(pooled: Any) -> bool:
    """Whether the SQLite connection is inside a transaction; True when unknown."""
    try:
        return bool(pooled.driver_connection.in_transaction)
    except Exception:
        return True


def _ending(end: Callable[[Any], None]) -> Callable[[Any], None]:
    """COMMIT or ROLLBACK only where a transaction is open, then the next writer's turn.

    With sqlite3 beginning nothing by itself (`_sqlite_pragmas`), a session that only read
    has no transaction to end, yet SQLAlchemy ends it, and the pool "resets" every
    connection handed back with a ROLLBACK too: each a round trip to aiosqlite's thread,
    about a fifth of a press's (issue #13). sqlite3 knows exactly whether a transaction is
    open (`in_transaction`): where none is, there is nothing to end."""

    def end_if_open(pooled: Any) -> None:
        try:
            if _in_transaction(pooled):
                end(pooled)
        finally:
            _WriterQueue.leave(_info(pooled))

    return end_if_open


def _info(pooled: Any) -> dict[Any, Any]:
    """The pooled connection's info; none for the bare connection of the first connect."""
    try:
        return pooled.info  # type: ignore[no-any-return]
    except NotImplementedError:
        return {}


def _begin_before_writing(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
    """BEGIN IMMEDIATE right before a transaction's first write (or SAVEPOINT, or DDL).

    Why then, and why IMMEDIATE (measured on this code, issue #13):
    - Use cases read, decide, then write with a condition (the lead's version, a timer not
      yet fired), as on PostgreSQL's READ COMMITTED. Under a deferred BEGIN at the first
      statement, a read opens a WAL snapshot, and its later write fails at once with
      "database is locked" whenever another connection committed in between: SQLite cannot
      upgrade a stale snapshot, and the busy timeout does not apply. Five storage tests of
      concurrent writers failed so.
    - BEGIN IMMEDIATE at the first statement makes every reader a writer: the lock is then
      held across whatever a use case awaits between its reads and its end (the FSM's own
      writes, a call to Telegram), and seven tests stalled for the full busy timeout.
    - Begun at the first write, a transaction takes the write lock before it has read
      anything of its own, so SQLite's busy handler waits for another writer (in aiosqlite's
      thread, up to the busy timeout), and everything it reads after that is current and
      stays so until it commits. Reads before the first write run outside a transaction,
      each on its own snapshot: the conditional writes are what keep them honest, as on
      PostgreSQL. The lock is held from the first write to the commit only, which the code
      keeps short ("no write lock may be held across a call to Telegram").
    """
    words = statement.lstrip().split(None, 1)
    if not words or words[0].upper() in _NO_BEGIN:
        return
    pooled = connection.connection
    if not pooled.driver_connection.in_transaction:
        connection.engine.dialect.crm_writers.enter(pooled)
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except BaseException:
            _WriterQueue.leave(pooled.info)
            raise


def create_engine(
    url: str, *, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS, **kwargs: Any
) -> AsyncEngine:
    """`busy_timeout`: how long an SQLite writer waits for another's lock, in seconds."""
    ensure_sqlite_folder(url)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sync = engine.sync_engine
        event.listen(sync, "connect", _sqlite_pragmas(int(busy_timeout * 1000)))
        event.listen(sync, "before_cursor_execute", _begin_before_writing)
        dialect: Any = sync.dialect
        dialect.crm_writers = _WriterQueue(busy_timeout)
        # The pool's reset of a returned connection goes through do_rollback too.
        dialect.do_commit = _ending(dialect.do_commit)
        dialect.do_rollback = _ending(dialect.do_rollback)
        for name in ("checkin", "invalidate", "soft_invalidate", "close"):
            event.listen(sync.pool, name, _leave_on_pool_event)
    return engine


def _leave_on_pool_event(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
    """Whatever became of a connection that held a writer's turn, the turn is over."""
    if record is not None and hasattr(record, "info"):
        _WriterQueue.leave(record.info)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

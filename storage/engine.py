"""The async engine: SQLite tuned for a live bot, or PostgreSQL."""

from __future__ import annotations

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
    if not connection.connection.driver_connection.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")


def create_engine(
    url: str, *, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS, **kwargs: Any
) -> AsyncEngine:
    """`busy_timeout`: how long an SQLite writer waits for another's lock, in seconds."""
    ensure_sqlite_folder(url)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(int(busy_timeout * 1000)))
        event.listen(engine.sync_engine, "before_cursor_execute", _begin_before_writing)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

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

from storage.sqlite_inline import inline_connector

SQLITE_BUSY_TIMEOUT_SECONDS = 10.0


def _sqlite_path(url: str) -> Path | None:
    """The file of a file-backed SQLite URL; None for anything else."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).expanduser()
    return None


def sqlite_file(url: str) -> Path | None:
    """The file of a plain file-backed SQLite URL; None for anything else (URI options
    such as `?mode=ro` leave the connection to aiosqlite)."""
    return None if make_url(url).query else _sqlite_path(url)


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a file-backed SQLite database if it is missing."""
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def create_engine(
    url: str, *, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS, **kwargs: Any
) -> AsyncEngine:
    """`busy_timeout`: how long an SQLite writer waits for another's lock, in seconds."""
    ensure_sqlite_folder(url)
    path = sqlite_file(url)
    if path is not None:
        kwargs["async_creator"] = inline_connector(str(path), busy_timeout)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        # Inline, SQLite's own busy handler would stop the loop: the connection waits
        # out locks itself (storage/sqlite_inline.py). aiosqlite waits in its thread.
        busy_ms = 0 if path is not None else int(busy_timeout * 1000)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_ms))
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

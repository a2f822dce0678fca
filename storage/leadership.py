"""Leadership: work that one process at a time may do (sending the outbox), under a lock the
system releases the moment its holder dies.

- PostgreSQL: a session advisory lock on a connection of its own. A process killed in any way
  closes its socket; the server ends that session and frees the lock at once.
- SQLite (one machine): an OS lock (`flock`) on a file beside the database. The kernel drops
  it with the last descriptor of a dead process.

A standby asks again every second or so, so it takes over within that of the holder's death;
a restarted process gets it at its first ask. Nothing to wait out, unlike a lease with a term.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
# pg_try_advisory_lock(LEADERSHIP_LOCKS, n): the first key keeps these apart from the outbox's
# per-member transaction locks (storage/repositories/outbox.py).
LEADERSHIP_LOCKS = 0x6C65_6164  # "lead"
LOCK_IDS = {"outbox-sender": 1}


class Leadership(Protocol):
    async def hold(self) -> bool:
        """Take it if free, or confirm this process still has it. Never waits for it."""
        ...

    async def release(self) -> None:
        """Give it up (a clean stop): a standby takes it at its next ask."""
        ...


class FileLeadership:
    """An exclusive `flock` on `path`. Two opens of one file conflict even in one process."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def hold(self) -> bool:
        if self._fd is not None:
            return True  # the kernel keeps it for as long as the descriptor is open
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the lock


class PostgresLeadership:
    """A session advisory lock, on a connection kept for it alone (autocommit: it never sits
    idle in a transaction). Losing that connection loses the lock: `hold` then says False."""

    def __init__(self, engine: AsyncEngine, lock_id: int) -> None:
        self._engine = engine
        self._lock_id = lock_id
        self._connection: AsyncConnection | None = None
        self._held = False

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    async def hold(self) -> bool:
        try:
            connection = await self._connect()
            if self._held:
                await connection.execute(text("SELECT 1"))  # the session, and so the lock, lives
                return True
            self._held = bool(
                await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:space, :id)"),
                    {"space": LEADERSHIP_LOCKS, "id": self._lock_id},
                )
            )
            return self._held
        except Exception:
            await self._drop()
            raise

    async def _drop(self) -> None:
        """The connection failed: whatever it held the server has freed or will free."""
        connection, self._connection, self._held = self._connection, None, False
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()

    async def release(self) -> None:
        connection, held = self._connection, self._held
        if connection is None:
            return
        if held:
            try:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:space, :id)"),
                    {"space": LEADERSHIP_LOCKS, "id": self._lock_id},
                )
            except Exception:
                await self._drop()  # a closed session frees its locks too
                return
        self._connection, self._held = None, False
        await connection.close()


def leadership_for(engine: AsyncEngine, url: str, name: str) -> Leadership:
    """The lock for work `name` on this database."""
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine, LOCK_IDS[name])
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("an SQLite database in memory cannot be shared: use a file")
    path = Path(database).expanduser()
    return FileLeadership(path.with_name(f"{path.name}.{name}.lock"))

"""What every repository shares: the session of its unit of work, and inserting a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


class SqlRepository:
    """Never commits: the unit of work decides."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _insert(self, row: Any) -> None:
        """Add a row and flush it, so its generated id is known."""
        self._session.add(row)
        await self._session.flush()

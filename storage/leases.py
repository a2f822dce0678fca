"""Leases: one process at a time does a kind of work, the others stand by to take over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import LeaseRow
from storage.upsert import upsert_insert


class Leases:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def take(self, name: str, holder: str, now: datetime, term: timedelta) -> bool:
        """Take the lease, or renew it if `holder` has it. A read first, then one conditional
        statement: of two processes asking at once exactly one gets it. False while someone
        else's term runs."""
        current = (
            await self._session.execute(
                select(LeaseRow.holder, LeaseRow.expires_at).where(LeaseRow.name == name)
            )
        ).first()
        if current is None:
            insert = upsert_insert(self._session.get_bind().dialect.name)
            result = await self._session.execute(
                insert(LeaseRow)
                .values(name=name, holder=holder, expires_at=now + term)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            return result.rowcount == 1
        if current.holder != holder and current.expires_at > now:
            return False  # a read is enough to stand by: no write lock taken
        result = await self._session.execute(
            update(LeaseRow)
            .where(
                LeaseRow.name == name,
                or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now),
            )
            .values(holder=holder, expires_at=now + term)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def release(self, name: str, holder: str, now: datetime) -> None:
        """Give it up at once (a clean stop): a standby takes over without waiting the term."""
        await self._session.execute(
            update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.holder == holder)
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )

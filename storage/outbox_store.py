"""The outbox as the sender sees it: due rows, atomic claims, delivery stamps, card pointers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import NotificationKind
from storage.tables import LeadCardRow, OutboxRow


@dataclass(frozen=True)
class Pending:
    id: int
    member_id: int
    kind: NotificationKind
    lead_id: int | None
    text: str | None
    fresh: bool
    attempts: int


class OutboxStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def due(self, now: datetime, limit: int) -> list[int]:
        rows = await self._session.scalars(
            select(OutboxRow.id)
            .where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.not_before <= now,
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return list(rows)

    async def claim(self, row_id: int, now: datetime, hold: timedelta) -> Pending | None:
        """One conditional UPDATE: of two senders exactly one gets the row."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == row_id,
                OutboxRow.sent_at.is_(None),
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .values(claimed_until=now + hold, attempts=OutboxRow.attempts + 1)
            .returning(
                OutboxRow.id,
                OutboxRow.member_id,
                OutboxRow.kind,
                OutboxRow.lead_id,
                OutboxRow.text,
                OutboxRow.fresh,
                OutboxRow.attempts,
            )
        )
        row = result.first()
        if row is None:
            return None
        return Pending(
            row.id,
            row.member_id,
            NotificationKind(row.kind),
            row.lead_id,
            row.text,
            row.fresh,
            row.attempts,
        )

    async def sent(self, row_id: int, now: datetime, error: str | None = None) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id)
            .values(sent_at=now, claimed_until=None, last_error=error and error[:500])
        )

    async def retry_at(self, row_id: int, when: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id)
            .values(not_before=when, claimed_until=None, last_error=error[:500])
        )

    async def card(self, lead_id: int, member_id: int) -> tuple[int, int] | None:
        row = await self._session.get(LeadCardRow, (lead_id, member_id))
        return (row.chat_id, row.message_id) if row else None

    async def remember_card(
        self, lead_id: int, member_id: int, chat_id: int, message_id: int, now: datetime
    ) -> None:
        row = await self._session.get(LeadCardRow, (lead_id, member_id))
        if row is None:
            self._session.add(
                LeadCardRow(
                    lead_id=lead_id,
                    member_id=member_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    updated_at=now,
                )
            )
        else:
            row.chat_id, row.message_id, row.updated_at = chat_id, message_id, now
        await self._session.flush()

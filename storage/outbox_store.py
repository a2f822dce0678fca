"""The outbox as the sender sees it: what is pending, atomic claims, stamps, message pointers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, Update, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import NotificationKind, Subject, SubjectKind
from storage.tables import MemberRow, OutboxRow

# How a row Telegram answered 429 is marked: its not_before is when Telegram lets us send.
FLOOD_WAIT = "429 retry after"


@dataclass(frozen=True)
class Head:
    """The oldest unsent row of one member: his messages go out in order."""

    id: int
    member_id: int
    not_before: datetime | None
    claimed_until: datetime | None


@dataclass(frozen=True)
class Pending:
    id: int
    member_id: int
    kind: NotificationKind
    subject: Subject | None
    text: str | None
    fresh: bool
    attempts: int


def coalesce_card_edits(
    member_id: int, subject: Subject, now: datetime, after_id: int = 0
) -> Update:
    """Mark done the waiting edits of one member's card of one subject (those after
    `after_id`): whoever draws the card now draws the subject as it is."""
    return (
        update(OutboxRow)
        .where(
            OutboxRow.member_id == member_id,
            OutboxRow.subject_kind == subject.kind.value,
            OutboxRow.subject_id == subject.id,
            OutboxRow.kind == NotificationKind.CARD.value,
            OutboxRow.fresh.is_(False),
            OutboxRow.sent_at.is_(None),
            OutboxRow.claimed_until.is_(None),
            OutboxRow.id > after_id,
        )
        .values(sent_at=now, last_error="coalesced")
    )


def _heads() -> Select[Any]:
    first = (
        select(func.min(OutboxRow.id).label("id"))
        .where(OutboxRow.sent_at.is_(None))
        .group_by(OutboxRow.member_id)
        .order_by(func.min(OutboxRow.id))
        .limit(bindparam("limit"))
        .subquery()
    )
    return (
        select(OutboxRow.id, OutboxRow.member_id, OutboxRow.not_before, OutboxRow.claimed_until)
        .join(first, OutboxRow.id == first.c.id)
        .order_by(OutboxRow.id)
    )


# Built once, with bind parameters: the sender runs them for every message, and building
# one cost more than running it. No session holds a copy of these rows to synchronise.
_HEADS = _heads()
_CLAIM = (
    update(OutboxRow)
    .where(
        OutboxRow.id == bindparam("w_id"),
        OutboxRow.sent_at.is_(None),
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < bindparam("now")),
    )
    .values(claimed_until=bindparam("until"), attempts=OutboxRow.attempts + 1)
    .returning(
        OutboxRow.id,
        OutboxRow.member_id,
        OutboxRow.kind,
        OutboxRow.subject_kind,
        OutboxRow.subject_id,
        OutboxRow.text,
        OutboxRow.fresh,
        OutboxRow.attempts,
    )
    .execution_options(synchronize_session=False)
)
_SENT = (
    update(OutboxRow)
    .where(OutboxRow.id == bindparam("w_id"))
    .values(sent_at=bindparam("now"), claimed_until=None, last_error=bindparam("error"))
    .execution_options(synchronize_session=False)
)


class OutboxStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def heads(self, limit: int) -> list[Head]:
        """The first unsent row of each member, oldest first: one member's backlog, however
        long, never hides the others' messages."""
        rows = await self._session.execute(_HEADS, {"limit": limit})
        return [Head(row.id, row.member_id, row.not_before, row.claimed_until) for row in rows]

    async def claim(self, row_id: int, now: datetime, hold: timedelta) -> Pending | None:
        """One conditional UPDATE: of two senders exactly one gets the row."""
        result = await self._session.execute(
            _CLAIM, {"w_id": row_id, "now": now, "until": now + hold}
        )
        row = result.first()
        if row is None:
            return None
        return Pending(
            row.id,
            row.member_id,
            NotificationKind(row.kind),
            Subject(SubjectKind(row.subject_kind), row.subject_id) if row.subject_kind else None,
            row.text,
            row.fresh,
            row.attempts,
        )

    async def sent(self, row_id: int, now: datetime, error: str | None = None) -> None:
        await self._session.execute(
            _SENT, {"w_id": row_id, "now": now, "error": error and error[:500]}
        )

    async def coalesce_cards(self, pending: Pending, now: datetime) -> None:
        """Later edits of the same card are done by this one: it draws the subject as it is
        now."""
        assert pending.subject is not None
        await self._session.execute(
            coalesce_card_edits(pending.member_id, pending.subject, now, after_id=pending.id)
        )

    async def release(self, row_id: int) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id, OutboxRow.sent_at.is_(None))
            .values(claimed_until=None)
        )

    async def release_claims(self) -> int:
        """Free every claimed row: called by a sender that has just taken the sending lock,
        when no other sender lives to hold one. How many were freed."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.claimed_until.is_not(None))
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def retry_at(self, row_id: int, when: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id)
            .values(not_before=when, claimed_until=None, last_error=error[:500])
        )

    async def flood_wait_until(self) -> datetime | None:
        """Until when Telegram's last 429 told this bot to wait, as the rows it refused
        remember it: a sender taking over from another waits it out too."""
        return await self._session.scalar(
            select(func.max(OutboxRow.not_before)).where(
                OutboxRow.sent_at.is_(None), OutboxRow.last_error.startswith(FLOOD_WAIT)
            )
        )

    async def block(self, member_id: int, now: datetime) -> bool:
        """Flag a member who blocked the bot; True the first time."""
        result = await self._session.execute(
            update(MemberRow)
            .where(MemberRow.id == member_id, MemberRow.blocked_at.is_(None))
            .values(blocked_at=now)
            .returning(MemberRow.id)
        )
        return result.first() is not None

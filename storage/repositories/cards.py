"""Where each member's live card of each subject is: read by the use cases, written by the
outbox sender when it sends a new copy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, select

from domain.model import NotificationKind, Subject
from storage.base import SqlRepository
from storage.tables import CardRow, OutboxRow


def _of(subject: Subject) -> tuple[object, ...]:
    return (CardRow.subject_kind == subject.kind.value, CardRow.subject_id == subject.id)


_IS_LIVE = select(CardRow.message_id).where(
    CardRow.subject_kind == bindparam("subject_kind"),
    CardRow.subject_id == bindparam("subject_id"),
    CardRow.member_id == bindparam("member_id"),
    CardRow.message_id == bindparam("message_id"),
)
_IS_LIVE_UNLESS_OWED = _IS_LIVE.where(
    ~exists().where(
        OutboxRow.member_id == CardRow.member_id,
        OutboxRow.subject_kind == CardRow.subject_kind,
        OutboxRow.subject_id == CardRow.subject_id,
        OutboxRow.kind == NotificationKind.CARD.value,
        OutboxRow.sent_at.is_(None),
    )
)


class SqlCardRepository(SqlRepository):
    async def holders(self, subject: Subject) -> dict[int, int]:
        rows = await self._session.execute(
            select(CardRow.member_id, CardRow.message_id)
            .where(*_of(subject))
            .order_by(CardRow.member_id)
        )
        return {member_id: message_id for member_id, message_id in rows}

    async def is_live(
        self, subject: Subject, member_id: int, message_id: int, *, unless_owed: bool = False
    ) -> bool:
        """With `unless_owed`, one statement asks both (after every press that changes a
        subject): what the unit of work owes but has not written is not seen, so it is for
        after the commit."""
        statement = _IS_LIVE_UNLESS_OWED if unless_owed else _IS_LIVE
        found = await self._session.scalar(
            statement,
            {
                "subject_kind": subject.kind.value,
                "subject_id": subject.id,
                "member_id": member_id,
                "message_id": message_id,
            },
        )
        return found is not None

    async def where(self, subject: Subject, member_id: int) -> tuple[int, int] | None:
        """(chat, message) of the member's live card of the subject."""
        row = await self._session.get(CardRow, (subject.kind.value, subject.id, member_id))
        return (row.chat_id, row.message_id) if row else None

    async def remember(
        self, subject: Subject, member_id: int, chat_id: int, message_id: int, now: datetime
    ) -> None:
        """The member's live card of the subject is now this message."""
        key = (subject.kind.value, subject.id, member_id)
        row = await self._session.get(CardRow, key)
        if row is None:
            self._session.add(
                CardRow(
                    subject_kind=subject.kind.value,
                    subject_id=subject.id,
                    member_id=member_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    updated_at=now,
                )
            )
        else:
            row.chat_id, row.message_id, row.updated_at = chat_id, message_id, now
        await self._session.flush()

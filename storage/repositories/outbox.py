"""The outbox as the use cases see it: messages owed, written when their transaction commits.

A member's messages go out in the order of their rows' ids. A PostgreSQL sequence hands ids
out as rows are inserted, not as transactions commit: two transactions writing to one member
at once could commit in the other order, and his messages would then go out in an order that
depends on when the sender happened to look. So rows wait in the unit of work and are written
right before it commits, member by member in id order, each member's under a transaction lock
of his: one member's ids follow the order in which their transactions commit. The locks are
the last ones such a transaction takes and are always taken in one order, so they cannot
deadlock. SQLite has one writer at a time, which gives that order by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Notification, NotificationKind, Subject
from storage.outbox_store import coalesce_card_edits
from storage.tables import OutboxRow

# pg_advisory_xact_lock(OUTBOX_LOCKS, member_id): the first key keeps these locks apart
# from any other use of advisory locks on the database.
OUTBOX_LOCKS = 0x6F75_7462  # "outb"


def _is_card(notification: Notification, member_id: int, subject: Subject) -> bool:
    addressed = (notification.member_id, notification.subject) == (member_id, subject)
    return addressed and notification.kind is NotificationKind.CARD


def _is_card_edit(notification: Notification, member_id: int, subject: Subject) -> bool:
    """What `coalesce_card_edits` marks done among written rows, among those still owed."""
    return _is_card(notification, member_id, subject) and not notification.fresh


# Asked on every change of a subject with cards: built once.
_CARDS_COMING = (
    select(OutboxRow.member_id)
    .where(
        OutboxRow.subject_kind == bindparam("subject_kind"),
        OutboxRow.subject_id == bindparam("subject_id"),
        OutboxRow.kind == NotificationKind.CARD.value,
        OutboxRow.sent_at.is_(None),
    )
    .distinct()
)


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession, on_add: Callable[[], None]) -> None:
        self._session = session
        self._on_add = on_add
        self._owed: list[Notification] = []

    async def add(self, notification: Notification) -> None:
        self._owed.append(notification)
        self._on_add()

    async def drop_card_edits(self, member_id: int, subject: Subject, now: datetime) -> None:
        self._owed = [n for n in self._owed if not _is_card_edit(n, member_id, subject)]
        await self._session.execute(coalesce_card_edits(member_id, subject, now))

    async def cards_coming(self, subject: Subject) -> set[int]:
        owed = {
            n.member_id
            for n in self._owed
            if n.subject == subject and n.kind is NotificationKind.CARD
        }
        written = await self._session.scalars(
            _CARDS_COMING, {"subject_kind": subject.kind.value, "subject_id": subject.id}
        )
        return owed | set(written)

    def discard(self) -> None:
        """The transaction rolled back: nothing is owed."""
        self._owed = []

    async def write(self) -> None:
        """Write what is owed; the unit of work calls this right before it commits."""
        owed, self._owed = self._owed, []
        if not owed:
            return
        if self._session.get_bind().dialect.name == "postgresql":
            for member_id in sorted({n.member_id for n in owed}):
                await self._session.execute(
                    select(func.pg_advisory_xact_lock(OUTBOX_LOCKS, member_id))
                )
        await self._session.execute(
            insert(OutboxRow),
            [
                {
                    "member_id": n.member_id,
                    "kind": n.kind.value,
                    "subject_kind": n.subject.kind.value if n.subject else None,
                    "subject_id": n.subject.id if n.subject else None,
                    "text": n.text,
                    "fresh": n.fresh,
                    "created_at": n.created_at,
                }
                for n in owed
            ],
        )

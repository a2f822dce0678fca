"""Timers: every deadline and reminder is a row, claimed once when due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Subject, SubjectKind, Timer, TimerKind
from domain.statuses import LeadStatus
from storage.base import SqlRepository
from storage.tables import (
    LeadRow,
    TimerRow,
)

_PENDING = (TimerRow.fired_at.is_(None), TimerRow.cancelled_at.is_(None))


# Built once, with bind parameters, and without synchronising the session's copies (a search
# per statement): a firing and a press run them every time, and building one cost more than
# running it. The sweep claims each timer in a unit of work of its own, with no copy loaded.
_CLAIM = (
    update(TimerRow)
    .where(TimerRow.id == bindparam("w_id"), *_PENDING)
    .values(fired_at=bindparam("now"))
    .returning(
        TimerRow.id,
        TimerRow.kind,
        TimerRow.subject_kind,
        TimerRow.subject_id,
        TimerRow.department_id,
        TimerRow.member_id,
        TimerRow.due_at,
        TimerRow.created_at,
        TimerRow.fired_at,
        TimerRow.cancelled_at,
    )
    .execution_options(synchronize_session=False)
)


_CANCEL = (
    update(TimerRow)
    .where(
        TimerRow.subject_kind == bindparam("w_kind"),
        TimerRow.subject_id == bindparam("w_id"),
        TimerRow.kind.in_(bindparam("w_kinds", expanding=True)),
        *_PENDING,
    )
    .values(cancelled_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


def _timer(row: Any) -> Timer:
    """From a TimerRow, or a row of the timers table's columns."""
    return Timer(
        id=row.id,
        kind=TimerKind(row.kind),
        subject=Subject(SubjectKind(row.subject_kind), row.subject_id),
        department_id=row.department_id,
        member_id=row.member_id,
        due_at=row.due_at,
        created_at=row.created_at,
        fired_at=row.fired_at,
        cancelled_at=row.cancelled_at,
    )


class SqlTimerRepository(SqlRepository):
    def __init__(
        self, session: AsyncSession, on_add: Callable[[datetime], None] = lambda due: None
    ) -> None:
        super().__init__(session)
        self._on_add = on_add

    async def add(self, timer: Timer) -> Timer:
        self._on_add(timer.due_at)
        row = TimerRow(
            kind=timer.kind.value,
            subject_kind=timer.subject.kind.value,
            subject_id=timer.subject.id,
            department_id=timer.department_id,
            member_id=timer.member_id,
            due_at=timer.due_at,
            created_at=timer.created_at,
        )
        await self._insert(row)
        timer.id = row.id
        return timer

    async def cancel(self, subject: Subject, kinds: tuple[TimerKind, ...], now: datetime) -> int:
        result = await self._session.execute(
            _CANCEL,
            {
                "w_kind": subject.kind.value,
                "w_id": subject.id,
                "w_kinds": [k.value for k in kinds],
                "now": now,
            },
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> list[tuple[datetime, int]]:
        statement = select(TimerRow.due_at, TimerRow.id).where(*_PENDING, TimerRow.due_at <= now)
        if after is not None:
            statement = statement.where(
                or_(
                    TimerRow.due_at > after[0],
                    and_(TimerRow.due_at == after[0], TimerRow.id > after[1]),
                )
            )
        rows = await self._session.execute(
            statement.order_by(TimerRow.due_at, TimerRow.id).limit(limit)
        )
        return [(due_at, timer_id) for due_at, timer_id in rows]

    async def next_due(self, after: datetime) -> datetime | None:
        return await self._session.scalar(
            select(func.min(TimerRow.due_at)).where(*_PENDING, TimerRow.due_at > after)
        )

    async def claim_due(self, department_id: int, kind: TimerKind, now: datetime) -> list[int]:
        due = await self._session.scalars(
            select(TimerRow.id)
            .where(
                TimerRow.department_id == department_id,
                TimerRow.kind == kind.value,
                TimerRow.due_at <= now,
                *_PENDING,
            )
            .with_for_update(skip_locked=True)
        )
        ids = list(due)
        if not ids:
            return []
        claimed = await self._session.scalars(
            update(TimerRow)
            .where(TimerRow.id.in_(ids), *_PENDING)
            .values(fired_at=now)
            .returning(TimerRow.id)
        )
        return list(claimed)

    async def claim(self, timer_id: int, now: datetime) -> Timer | None:
        result = await self._session.execute(_CLAIM, {"w_id": timer_id, "now": now})
        row = result.first()
        return _timer(row) if row else None

    async def pending(self, subject: Subject) -> list[Timer]:
        rows = await self._session.scalars(
            select(TimerRow)
            .where(
                TimerRow.subject_kind == subject.kind.value,
                TimerRow.subject_id == subject.id,
                *_PENDING,
            )
            .order_by(TimerRow.id)
        )
        return [_timer(row) for row in rows]

    async def overdue_unassigned(self, department_id: int) -> list[tuple[int, int, bool]]:
        rows = await self._session.execute(
            select(TimerRow.id, TimerRow.subject_id, TimerRow.escalation_id)
            .join(LeadRow, LeadRow.id == TimerRow.subject_id)
            .where(
                TimerRow.subject_kind == SubjectKind.LEAD.value,
                TimerRow.department_id == department_id,
                TimerRow.kind == TimerKind.UNASSIGNED.value,
                TimerRow.fired_at.is_not(None),
                LeadRow.status == LeadStatus.NEW.value,
            )
            .order_by(TimerRow.subject_id)
        )
        return [(timer_id, lead_id, reported is not None) for timer_id, lead_id, reported in rows]

    async def subjects_with_pending(
        self, department_id: int, kinds: tuple[TimerKind, ...]
    ) -> list[Subject]:
        rows = await self._session.execute(
            select(TimerRow.subject_kind, TimerRow.subject_id)
            .distinct()
            .where(
                TimerRow.department_id == department_id,
                TimerRow.kind.in_([k.value for k in kinds]),
                *_PENDING,
            )
            .order_by(TimerRow.subject_kind, TimerRow.subject_id)
        )
        return [Subject(SubjectKind(kind), subject_id) for kind, subject_id in rows]

    async def mark_reported(self, timer_ids: list[int], escalation_id: int) -> None:
        await self._session.execute(
            update(TimerRow).where(TimerRow.id.in_(timer_ids)).values(escalation_id=escalation_id)
        )

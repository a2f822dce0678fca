"""Repositories of the timers: deadlines, escalations, penalties, the departments' rule values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.checklist import Checklist
from domain.checklist import parse as parse_checklist
from domain.model import Escalation, Penalty, Rule, Subject, SubjectKind, Timer, TimerKind
from domain.sla import SlaDefaults, SlaPolicy
from domain.statuses import LeadStatus
from storage.base import SqlRepository
from storage.tables import (
    ChecklistRow,
    DepartmentSettingsRow,
    EscalationRow,
    LeadRow,
    PenaltyRow,
    TimerRow,
)
from storage.upsert import upsert_insert

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


def _escalation(row: EscalationRow) -> Escalation:
    return Escalation(
        id=row.id,
        rule=Rule(row.rule),
        department_id=row.department_id,
        lead_id=row.lead_id,
        lead_ids=list(row.lead_ids or []),
        responsible_id=row.responsible_id,
        due_at=row.due_at,
        detected_at=row.detected_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
    )


class SqlEscalationRepository(SqlRepository):
    async def add(self, escalation: Escalation) -> Escalation:
        row = EscalationRow(
            rule=escalation.rule.value,
            department_id=escalation.department_id,
            lead_id=escalation.lead_id,
            lead_ids=escalation.lead_ids,
            responsible_id=escalation.responsible_id,
            due_at=escalation.due_at,
            detected_at=escalation.detected_at,
        )
        await self._insert(row)
        escalation.id = row.id
        return escalation

    async def get(self, escalation_id: int) -> Escalation | None:
        row = await self._session.get(EscalationRow, escalation_id, populate_existing=True)
        return _escalation(row) if row else None

    async def resolve(self, escalation_id: int, by: int, resolution: str, now: datetime) -> bool:
        result = await self._session.execute(
            update(EscalationRow)
            .where(EscalationRow.id == escalation_id, EscalationRow.resolved_at.is_(None))
            .values(resolved_at=now, resolved_by=by, resolution=resolution[:500])
            .returning(EscalationRow.id)
        )
        return result.first() is not None


class SqlPenaltyRepository(SqlRepository):
    async def add(self, penalty: Penalty) -> Penalty:
        row = PenaltyRow(
            member_id=penalty.member_id,
            department_id=penalty.department_id,
            lead_id=penalty.lead_id,
            escalation_id=penalty.escalation_id,
            rule=penalty.rule,
            comment=penalty.comment,
            created_by=penalty.created_by,
            created_at=penalty.created_at,
        )
        await self._insert(row)
        penalty.id = row.id
        return penalty

    async def between(
        self, department_id: int | None, start: datetime, end: datetime
    ) -> list[Penalty]:
        statement = select(PenaltyRow).where(
            PenaltyRow.created_at >= start, PenaltyRow.created_at < end
        )
        if department_id is not None:
            statement = statement.where(PenaltyRow.department_id == department_id)
        rows = await self._session.scalars(statement.order_by(PenaltyRow.created_at))
        return [
            Penalty(
                id=r.id,
                member_id=r.member_id,
                department_id=r.department_id,
                rule=r.rule,
                comment=r.comment,
                created_by=r.created_by,
                created_at=r.created_at,
                lead_id=r.lead_id,
                escalation_id=r.escalation_id,
            )
            for r in rows
        ]


class SqlSlaRepository:
    """A department's values over the defaults from the environment."""

    def __init__(self, session: AsyncSession, defaults: SlaDefaults) -> None:
        self._session = session
        self._defaults = defaults

    async def policy(self, department_id: int) -> SlaPolicy:
        row = await self._session.get(DepartmentSettingsRow, department_id, populate_existing=True)
        if row is None:
            return self._defaults
        policy = self._defaults
        for name, field in (
            ("contact_sla_minutes", "contact"),
            ("processing_deadline_minutes", "processing"),
            ("unassigned_limit_minutes", "unassigned"),
        ):
            minutes = getattr(row, name)
            if minutes is not None:
                policy = replace(policy, **{field: timedelta(minutes=minutes)})
        return policy

    async def set_minutes(self, department_id: int, name: str, minutes: float) -> None:
        """An upsert: two supervisors' first values at once both land, and it always writes,
        so a change of the department's durations holds its row (and on SQLite the write
        lock) before anything is re-planned, even when the value is the one stored."""
        insert = upsert_insert(self._session.get_bind().dialect.name)
        await self._session.execute(
            insert(DepartmentSettingsRow)
            .values(department_id=department_id, **{name: minutes})
            .on_conflict_do_update(index_elements=["department_id"], set_={name: minutes}),
        )


class SqlChecklistRepository(SqlRepository):
    @staticmethod
    def _checklist(row: ChecklistRow) -> Checklist:
        parsed = parse_checklist({"name": row.name, **row.questions})
        return replace(parsed, id=row.id, department_id=row.department_id)

    async def add(self, checklist: Checklist, now: datetime, by: int | None) -> Checklist:
        data = checklist.to_data()
        row = ChecklistRow(
            department_id=checklist.department_id,
            name=checklist.name,
            questions={"questions": data["questions"]},
            created_at=now,
            created_by=by,
        )
        await self._insert(row)
        return replace(checklist, id=row.id)

    async def get(self, checklist_id: int) -> Checklist | None:
        row = await self._session.get(ChecklistRow, checklist_id)
        return self._checklist(row) if row else None

    async def active_for(self, department_id: int) -> Checklist | None:
        """The department's newest version, else the newest default."""
        for where in (
            ChecklistRow.department_id == department_id,
            ChecklistRow.department_id.is_(None),
        ):
            row = await self._session.scalar(
                select(ChecklistRow).where(where).order_by(ChecklistRow.id.desc()).limit(1)
            )
            if row is not None:
                return self._checklist(row)
        return None

    async def has_default(self) -> bool:
        return (
            await self._session.scalar(
                select(ChecklistRow.id).where(ChecklistRow.department_id.is_(None)).limit(1)
            )
            is not None
        )

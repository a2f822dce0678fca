"""Escalations told to supervisors, and the penalties they record (R2.2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from domain.model import Escalation, Penalty, Remedy, Rule
from storage.base import SqlRepository
from storage.tables import (
    EscalationRow,
    PenaltyRow,
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
        reminded_at=row.reminded_at,
        reminded_by=row.reminded_by,
        penalized_at=row.penalized_at,
        penalized_by=row.penalized_by,
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

    async def mark(self, escalation_id: int, remedy: Remedy, by: int, now: datetime) -> bool:
        at = getattr(EscalationRow, f"{remedy.value}_at")
        result = await self._session.execute(
            update(EscalationRow)
            .where(EscalationRow.id == escalation_id, at.is_(None))
            .values({f"{remedy.value}_at": now, f"{remedy.value}_by": by})
            .returning(EscalationRow.id)
        )
        return result.first() is not None

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

"""The needs-assessment checklists (R2.6), by version."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from domain.checklist import Checklist
from domain.checklist import parse as parse_checklist
from storage.base import SqlRepository
from storage.tables import (
    ChecklistRow,
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

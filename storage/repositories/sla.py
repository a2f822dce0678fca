"""A department's rule durations, set by the company order (R2.2, R2.14, R2.15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.sla import SlaDefaults, SlaPolicy
from storage.tables import (
    DepartmentSettingsRow,
)
from storage.upsert import upsert_insert


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

    async def checklist_required(self, department_id: int) -> bool:
        row = await self._session.get(DepartmentSettingsRow, department_id, populate_existing=True)
        return bool(row is not None and row.checklist_required)

    async def set_checklist_required(self, department_id: int, required: bool) -> None:
        insert = upsert_insert(self._session.get_bind().dialect.name)
        await self._session.execute(
            insert(DepartmentSettingsRow)
            .values(department_id=department_id, checklist_required=required)
            .on_conflict_do_update(
                index_elements=["department_id"], set_={"checklist_required": required}
            ),
        )

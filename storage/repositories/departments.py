"""Departments."""

from __future__ import annotations

from sqlalchemy import select

from domain.model import Department
from storage.base import SqlRepository
from storage.tables import DepartmentRow


class SqlDepartmentRepository(SqlRepository):
    async def add(self, department: Department) -> Department:
        row = DepartmentRow(name=department.name)
        await self._insert(row)
        department.id = row.id
        return department

    async def get(self, department_id: int) -> Department | None:
        row = await self._session.get(DepartmentRow, department_id)
        return Department(id=row.id, name=row.name) if row else None

    async def by_name(self, name: str) -> Department | None:
        row = await self._session.scalar(select(DepartmentRow).where(DepartmentRow.name == name))
        return Department(id=row.id, name=row.name) if row else None

    async def lock(self, department_id: int) -> None:
        # FOR NO KEY UPDATE: it serialises the holders of this lock, but not with the many
        # transactions that only reference the department (a row inserted with its id takes
        # a KEY SHARE lock on it); FOR UPDATE waited for those, and could close a deadlock
        # with /settings re-planning the timers. SQLite ignores it: its writers are serialised.
        await self._session.execute(
            select(DepartmentRow.id)
            .where(DepartmentRow.id == department_id)
            .with_for_update(key_share=True)
        )

    async def all(self) -> list[Department]:
        rows = await self._session.scalars(select(DepartmentRow).order_by(DepartmentRow.name))
        return [Department(id=row.id, name=row.name) for row in rows]

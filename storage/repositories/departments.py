"""Departments."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from domain.assignment import AssignMode, Routing
from domain.model import Department
from storage.base import SqlRepository
from storage.tables import DepartmentRow, LeadAssignmentRow
from storage.upsert import upsert_insert

# The intake's hold on the department's turn: an UPDATE that changes nothing takes the row's
# lock on PostgreSQL (a second intake waits here, then reads the turn the first one left) and
# the write lock on SQLite, where a SELECT FOR UPDATE would take none.
_TAKE_TURN = (
    update(LeadAssignmentRow)
    .where(LeadAssignmentRow.department_id == bindparam("w_department"))
    .values(last_member_id=LeadAssignmentRow.last_member_id)
    .returning(LeadAssignmentRow.mode, LeadAssignmentRow.last_member_id)
)


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

    async def routing(self, department_id: int) -> Routing:
        row = (
            await self._session.execute(
                select(LeadAssignmentRow.mode, LeadAssignmentRow.last_member_id).where(
                    LeadAssignmentRow.department_id == department_id
                )
            )
        ).first()
        return Routing(AssignMode(row.mode), row.last_member_id) if row else Routing()

    async def set_mode(self, department_id: int, mode: AssignMode) -> None:
        insert = upsert_insert(self._session.get_bind().dialect.name)
        await self._session.execute(
            insert(LeadAssignmentRow)
            .values(department_id=department_id, mode=mode.value)
            .on_conflict_do_update(index_elements=["department_id"], set_={"mode": mode.value})
        )

    async def take_turn(self, department_id: int) -> Routing:
        row = (await self._session.execute(_TAKE_TURN, {"w_department": department_id})).first()
        return Routing(AssignMode(row.mode), row.last_member_id) if row else Routing()

    async def turn_taken(self, department_id: int, member_id: int) -> None:
        await self._session.execute(
            update(LeadAssignmentRow)
            .where(LeadAssignmentRow.department_id == department_id)
            .values(last_member_id=member_id)
        )

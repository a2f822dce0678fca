"""Members: who may use the bot, in which role and department (R1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update

from domain.model import Member, Role
from storage.base import SqlRepository
from storage.tables import MemberRow


def _member(row: Any) -> Member:
    """From a MemberRow, or a row of the members table's columns."""
    return Member(
        id=row.id,
        telegram_id=row.telegram_id,
        full_name=row.full_name,
        phone=row.phone,
        email=row.email,
        position=row.position,
        role=Role(row.role),
        department_id=row.department_id,
        active=row.active,
        created_at=row.created_at,
        blocked_at=row.blocked_at,
    )


# Every update looks its sender up: the statement is built once, and reads plain columns
# (no ORM object to track for a lookup the unit of work then lets go of).
_BY_TELEGRAM_ID = select(MemberRow.__table__).where(
    MemberRow.telegram_id == bindparam("telegram_id")
)


class SqlMemberRepository(SqlRepository):
    async def add(self, member: Member) -> Member:
        row = MemberRow(
            telegram_id=member.telegram_id,
            full_name=member.full_name,
            phone=member.phone,
            email=member.email,
            position=member.position,
            role=member.role.value,
            department_id=member.department_id,
            active=member.active,
            created_at=member.created_at,
        )
        await self._insert(row)
        member.id = row.id
        return member

    async def get(self, member_id: int) -> Member | None:
        row = await self._session.get(MemberRow, member_id)
        return _member(row) if row else None

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        row = (await self._session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()
        return _member(row) if row else None

    async def in_department(self, department_id: int) -> list[Member]:
        rows = await self._session.scalars(
            select(MemberRow)
            .where(MemberRow.department_id == department_id)
            .order_by(MemberRow.full_name, MemberRow.id)
        )
        return [_member(row) for row in rows]

    async def everyone(self) -> list[Member]:
        rows = await self._session.scalars(
            select(MemberRow).order_by(MemberRow.full_name, MemberRow.id)
        )
        return [_member(row) for row in rows]

    async def with_roles(self, department_id: int, roles: tuple[Role, ...]) -> list[Member]:
        rows = await self._session.scalars(
            select(MemberRow)
            .where(
                MemberRow.department_id == department_id,
                MemberRow.role.in_([role.value for role in roles]),
                MemberRow.active.is_(True),
            )
            .order_by(MemberRow.full_name, MemberRow.id)
        )
        return [_member(row) for row in rows]

    async def unblock(self, member_id: int) -> None:
        await self._session.execute(
            update(MemberRow).where(MemberRow.id == member_id).values(blocked_at=None)
        )

    async def save(self, member: Member) -> None:
        await self._session.execute(
            update(MemberRow)
            .where(MemberRow.id == member.id)
            .values(
                full_name=member.full_name,
                phone=member.phone,
                email=member.email,
                position=member.position,
                role=member.role.value,
                department_id=member.department_id,
                active=member.active,
            )
        )

"""Repositories: load and save domain objects. They never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from domain.model import Department, Invitation, Member, Role
from storage.base import SqlRepository
from storage.tables import DepartmentRow, InvitationRow, MemberRow


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


def _invitation(row: InvitationRow) -> Invitation:
    return Invitation(
        id=row.id,
        token=row.token,
        role=Role(row.role),
        department_id=row.department_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
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


class SqlInvitationRepository(SqlRepository):
    async def add(self, invitation: Invitation) -> Invitation:
        row = InvitationRow(
            token=invitation.token,
            role=invitation.role.value,
            department_id=invitation.department_id,
            created_by=invitation.created_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )
        await self._insert(row)
        invitation.id = row.id
        return invitation

    async def by_token(self, token: str) -> Invitation | None:
        row = await self._session.scalar(select(InvitationRow).where(InvitationRow.token == token))
        return _invitation(row) if row else None

    async def claim(self, token: str, member_id: int, now: datetime) -> bool:
        result = await self._session.execute(
            update(InvitationRow)
            .where(
                InvitationRow.token == token,
                InvitationRow.used_at.is_(None),
                InvitationRow.expires_at > now,
            )
            .values(used_at=now, used_by=member_id)
            .returning(InvitationRow.id)
        )
        return result.first() is not None

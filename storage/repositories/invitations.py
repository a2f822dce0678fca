"""Invitations: the only way in (R1.1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from domain.model import Invitation, Role
from storage.base import SqlRepository
from storage.tables import InvitationRow


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

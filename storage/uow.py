"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import (
    SqlDepartmentRepository,
    SqlInvitationRepository,
    SqlMemberRepository,
)


class SqlUnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self.members = SqlMemberRepository(self._session)
        self.departments = SqlDepartmentRepository(self._session)
        self.invitations = SqlInvitationRepository(self._session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None
        await self._session.commit()

    async def rollback(self) -> None:
        assert self._session is not None
        await self._session.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work for each update or job."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._session_factory)

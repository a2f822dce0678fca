"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.sla import DEFAULT_SLA, SlaDefaults
from storage.repositories.cards import SqlCardRepository
from storage.repositories.checklists import SqlChecklistRepository
from storage.repositories.companies import SqlCompanyRepository, SqlContactRepository
from storage.repositories.deals import SqlDealRepository, SqlPipelineRepository
from storage.repositories.departments import SqlDepartmentRepository
from storage.repositories.escalations import SqlEscalationRepository, SqlPenaltyRepository
from storage.repositories.invitations import SqlInvitationRepository
from storage.repositories.leads import (
    SqlDraftRepository,
    SqlLeadEventRepository,
    SqlLeadRepository,
)
from storage.repositories.members import SqlMemberRepository
from storage.repositories.outbox import SqlOutboxRepository
from storage.repositories.search import SqlSearchRepository
from storage.repositories.sla import SqlSlaRepository
from storage.repositories.timers import SqlTimerRepository


def _nothing() -> None:
    return None


def _ignore(_due: datetime) -> None:
    return None


class SqlUnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        on_outbox_commit: Callable[[], None] = _nothing,
        sla_defaults: SlaDefaults = DEFAULT_SLA,
        on_timers_commit: Callable[[datetime], None] = _ignore,
    ) -> None:
        self._session_factory = session_factory
        self._on_outbox_commit = on_outbox_commit
        self._on_timers_commit = on_timers_commit
        self._sla_defaults = sla_defaults
        self._session: AsyncSession | None = None
        self._outbox_written = False
        self._earliest_timer: datetime | None = None

    def _mark_outbox(self) -> None:
        self._outbox_written = True

    def _mark_timer(self, due: datetime) -> None:
        if self._earliest_timer is None or due < self._earliest_timer:
            self._earliest_timer = due

    async def __aenter__(self) -> Self:
        session = self._session = self._session_factory()
        self.members = SqlMemberRepository(session)
        self.departments = SqlDepartmentRepository(session)
        self.invitations = SqlInvitationRepository(session)
        self.leads = SqlLeadRepository(session)
        self.lead_events = SqlLeadEventRepository(session)
        self.companies = SqlCompanyRepository(session)
        self.contacts = SqlContactRepository(session)
        self.deals = SqlDealRepository(session)
        self.pipelines = SqlPipelineRepository(session)
        self.outbox = SqlOutboxRepository(session, self._mark_outbox)
        self.cards = SqlCardRepository(session)
        self.drafts = SqlDraftRepository(session)
        self.timers = SqlTimerRepository(session, self._mark_timer)
        self.escalations = SqlEscalationRepository(session)
        self.penalties = SqlPenaltyRepository(session)
        self.sla = SqlSlaRepository(session, self._sla_defaults)
        self.checklists = SqlChecklistRepository(session)
        self.search = SqlSearchRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        """For storage-side code (the outbox sender); use cases go through repositories."""
        assert self._session is not None
        return self._session

    async def commit(self) -> None:
        assert self._session is not None
        await self.outbox.write()
        await self._session.commit()
        if self._outbox_written:
            self._outbox_written = False
            self._on_outbox_commit()
        if self._earliest_timer is not None:
            due, self._earliest_timer = self._earliest_timer, None
            self._on_timers_commit(due)

    async def rollback(self) -> None:
        assert self._session is not None
        await self._session.rollback()
        self.outbox.discard()
        self._outbox_written = False
        self._earliest_timer = None


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work for each update or job."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        on_outbox_commit: Callable[[], None] = _nothing,
        sla_defaults: SlaDefaults = DEFAULT_SLA,
    ) -> None:
        self._session_factory = session_factory
        self.on_outbox_commit = on_outbox_commit
        self.on_timers_commit: Callable[[datetime], None] = _ignore
        self.sla_defaults = sla_defaults

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self._session_factory,
            self.on_outbox_commit,
            self.sla_defaults,
            self.on_timers_commit,
        )

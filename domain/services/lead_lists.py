"""Lists of leads (R2.1, R2.10): mine, a department's, the stage board."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import NotAllowed
from domain.model import Lead, Member, Role
from domain.permissions import Action, may
from domain.ports import LeadQuery, UnitOfWork
from domain.statuses import OPEN_STAGES, LeadStatus

PAGE_SIZE = 8
WORKING_STAGES = tuple(s for s in OPEN_STAGES if s is not LeadStatus.NEW)


@dataclass(frozen=True)
class Page:
    leads: list[Lead]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _page_query(page: int, **criteria: object) -> LeadQuery:
    page = max(0, page)
    return LeadQuery(offset=page * PAGE_SIZE, limit=PAGE_SIZE, **criteria)  # type: ignore[arg-type]


async def my_leads(uow: UnitOfWork, actor: Member, status: LeadStatus | None, page: int) -> Page:
    """R2.1: the open leads I am responsible for, most urgent first."""
    statuses = (status,) if status else WORKING_STAGES
    leads, total = await uow.leads.find(
        _page_query(page, responsible_id=actor.id, statuses=statuses)
    )
    return Page(leads, total, max(0, page))


def sees_department(actor: Member) -> bool:
    return actor.role in (Role.SUPERVISOR, Role.OFFICE_MANAGER, Role.ADMIN)


async def department_leads(
    uow: UnitOfWork,
    actor: Member,
    *,
    status: LeadStatus | None = None,
    responsible_id: int | None = None,
    unassigned: bool = False,
    page: int = 0,
) -> Page:
    """A supervisor's view: by status, by manager, or the unassigned pool."""
    if not sees_department(actor) or not may(
        actor, Action.VIEW_LEAD, department_id=actor.department_id
    ):
        raise NotAllowed("Лиды отдела видят руководитель и офис-менеджер.")
    statuses: tuple[LeadStatus, ...] = (status,) if status else OPEN_STAGES
    if unassigned:
        statuses = (LeadStatus.NEW,)
    leads, total = await uow.leads.find(
        _page_query(
            page,
            department_id=actor.department_id,
            responsible_id=responsible_id,
            unassigned=unassigned,
            statuses=statuses,
        )
    )
    return Page(leads, total, max(0, page))


async def board(uow: UnitOfWork, actor: Member) -> dict[LeadStatus, int]:
    """The stage board (kanban): how many leads stand in each status."""
    if sees_department(actor):
        counts = await uow.leads.count_by_status(actor.department_id, None)
    else:
        counts = await uow.leads.count_by_status(None, actor.id)
    return {status: counts.get(status, 0) for status in LeadStatus}


async def by_manager(uow: UnitOfWork, actor: Member) -> list[tuple[Member, int]]:
    """Open leads per manager of the department, and per anyone else who still holds some:
    a manager switched off, whose leads wait to be handed over."""
    if not sees_department(actor):
        raise NotAllowed("Лиды отдела видят руководитель и офис-менеджер.")
    if actor.department_id is None:
        raise NotAllowed("Вы не в отделе: списки по менеджерам — у руководителя отдела.")
    counts = await uow.leads.count_by_responsible(actor.department_id)
    holders = await uow.members.with_roles(actor.department_id, (Role.MANAGER,))
    for member_id in sorted(set(counts) - {m.id for m in holders}):
        member = await uow.members.get(member_id)
        if member is not None:
            holders.append(member)
    return [(m, counts.get(m.id or 0, 0)) for m in holders]

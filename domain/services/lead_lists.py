"""Lists of leads (R2.1, R2.10): mine, a department's, the stage board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.deadlines import Deadlines, day_of
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
    deadlines: dict[int, Deadlines] = field(default_factory=dict)
    overdue: int = 0  # of all the list's leads, not only this page's
    calls_today: int = 0

    def due(self, lead: Lead) -> Deadlines:
        return self.deadlines.get(lead.id or 0, Deadlines())

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _page_query(page: int, **criteria: object) -> LeadQuery:
    page = max(0, page)
    return LeadQuery(offset=page * PAGE_SIZE, limit=PAGE_SIZE, **criteria)  # type: ignore[arg-type]


async def _page(
    uow: UnitOfWork, query: LeadQuery, page: int, now: datetime | None, zone: ZoneInfo | None
) -> Page:
    """The leads most urgent first, what is due on each, and how many of the whole list are
    overdue or have their call today (counted when `now` and the company's `zone` are given)."""
    leads, total = await uow.leads.find(query)
    deadlines = await uow.leads.deadlines([lead.id for lead in leads if lead.id is not None])
    overdue = calls = 0
    if now is not None and zone is not None and total:
        overdue, calls = await uow.leads.count_urgent(query, now, day_of(now, zone))
    return Page(leads, total, max(0, page), deadlines, overdue, calls)


async def my_leads(
    uow: UnitOfWork,
    actor: Member,
    status: LeadStatus | None,
    page: int,
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> Page:
    """R2.1: the open leads I am responsible for, most urgent first."""
    statuses = (status,) if status else WORKING_STAGES
    query = _page_query(page, responsible_id=actor.id, statuses=statuses)
    return await _page(uow, query, page, now, zone)


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
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> Page:
    """A supervisor's view: by status, by manager, or the unassigned pool."""
    if not sees_department(actor) or not may(
        actor, Action.VIEW_LEAD, department_id=actor.department_id
    ):
        raise NotAllowed("Лиды отдела видят руководитель и офис-менеджер.")
    statuses: tuple[LeadStatus, ...] = (status,) if status else OPEN_STAGES
    if unassigned:
        statuses = (LeadStatus.NEW,)
    query = _page_query(
        page,
        department_id=actor.department_id,
        responsible_id=responsible_id,
        unassigned=unassigned,
        statuses=statuses,
    )
    return await _page(uow, query, page, now, zone)


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

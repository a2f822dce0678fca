"""A lead's history (R2.8), a page at a time, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import NotAllowed
from domain.model import Lead, LeadEvent, Member
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.services.leads import load_lead

PAGE_SIZE = 10


@dataclass(frozen=True)
class HistoryPage:
    lead: Lead
    events: list[LeadEvent]  # newest first
    page: int  # 0: the newest
    pages: int
    total: int
    questions: dict[str, str]  # the lead's checklist: question key -> its text


async def history(uow: UnitOfWork, actor: Member, lead_id: int, page: int = 0) -> HistoryPage:
    lead = await load_lead(uow, lead_id)
    if not may(actor, Action.VIEW_LEAD, lead=lead):
        raise NotAllowed("Это не ваш лид: история недоступна.")
    assert lead.id is not None
    total = await uow.lead_events.count(lead.id)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    events = await uow.lead_events.latest(lead.id, PAGE_SIZE, offset=page * PAGE_SIZE)
    checklist = await uow.checklists.get(lead.checklist_id) if lead.checklist_id else None
    questions = {q.key: q.text for q in checklist.questions} if checklist else {}
    return HistoryPage(lead, events, page, pages, total, questions)

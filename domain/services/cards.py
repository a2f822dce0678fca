"""What a lead card shows to one member: gathered here, drawn by the views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.checklist import Checklist
from domain.deadlines import Deadlines
from domain.model import Company, Deal, Lead, Member, Subject
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.services.conversion import Duplicates, duplicates_of


@dataclass(frozen=True)
class CardContext:
    lead: Lead
    viewer: Member
    responsible: Member | None
    assigned_by: Member | None
    duplicates: Duplicates
    deal: Deal | None = None
    deal_company: Company | None = None
    checklist: Checklist | None = None
    deadlines: Deadlines = field(default_factory=Deadlines)

    @property
    def can_view(self) -> bool:
        return may(self.viewer, Action.VIEW_LEAD, lead=self.lead)

    def can(self, action: Action) -> bool:
        return may(self.viewer, action, lead=self.lead)


async def _member(uow: UnitOfWork, member_id: int | None, viewer: Member) -> Member | None:
    """Most often the viewer himself (his own lead, or one he assigned): no read for him."""
    if member_id is None:
        return None
    return viewer if member_id == viewer.id else await uow.members.get(member_id)


async def card_context(uow: UnitOfWork, lead: Lead, viewer: Member) -> CardContext:
    responsible = await _member(uow, lead.responsible_id, viewer)
    assigned_by = await _member(uow, lead.assigned_by_id, viewer)
    deal = await uow.deals.get(lead.deal_id) if lead.deal_id else None
    company = await uow.companies.get(deal.company_id) if deal and deal.company_id else None
    duplicates = await duplicates_of(uow, lead) if not lead.status.is_final else Duplicates([], [])
    checklist = await uow.checklists.get(lead.checklist_id) if lead.checklist_id else None
    deadlines = (await uow.leads.deadlines([lead.id])).get(lead.id) if lead.id else None
    return CardContext(
        lead,
        viewer,
        responsible,
        assigned_by,
        duplicates,
        deal,
        company,
        checklist,
        deadlines or Deadlines(),
    )


async def menu_card(
    uow: UnitOfWork, lead: Lead, viewer: Member, message_id: int, now: datetime
) -> CardContext | None:
    """A menu (whom to assign, when to call, ...) opened on the viewer's live card: the card
    is redrawn with it as the lead is now, so the edits still waiting for that card are done
    and none comes later to replace the menu with the plain card. None when the message is
    not the live card (a reminder, say): only its buttons change."""
    assert lead.id is not None and viewer.id is not None
    subject = Subject.lead(lead.id)
    if not await uow.cards.is_live(subject, viewer.id, message_id):
        return None
    await uow.outbox.drop_card_edits(viewer.id, subject, now)
    context = await card_context(uow, lead, viewer)
    await uow.commit()
    return context

"""What a lead card shows to one member: gathered here, drawn by the views."""

from __future__ import annotations

from dataclasses import dataclass

from domain.checklist import Checklist
from domain.model import Company, Deal, Lead, Member
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

    @property
    def can_view(self) -> bool:
        return may(self.viewer, Action.VIEW_LEAD, lead=self.lead)

    def can(self, action: Action) -> bool:
        return may(self.viewer, action, lead=self.lead)


async def card_context(uow: UnitOfWork, lead: Lead, viewer: Member) -> CardContext:
    responsible = await uow.members.get(lead.responsible_id) if lead.responsible_id else None
    assigned_by = await uow.members.get(lead.assigned_by_id) if lead.assigned_by_id else None
    deal = await uow.deals.get(lead.deal_id) if lead.deal_id else None
    company = await uow.companies.get(deal.company_id) if deal and deal.company_id else None
    duplicates = await duplicates_of(uow, lead) if not lead.status.is_final else Duplicates([], [])
    checklist = await uow.checklists.get(lead.checklist_id) if lead.checklist_id else None
    return CardContext(lead, viewer, responsible, assigned_by, duplicates, deal, company, checklist)

"""A draft lead from a forwarded message or a shared contact (R2.3, #14 §1): what the text
holds, and the open leads and clients it repeats, found as a lead's card finds them (R2.13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.lead_fields import LeadField
from domain.model import Lead, LeadDraft, LeadSource, Member
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.services import leads
from domain.services.conversion import Duplicates, duplicates_of


@dataclass(frozen=True)
class Offer:
    draft: LeadDraft
    duplicates: Duplicates
    openable: list[int]  # the duplicate leads the member may open


async def offer(
    uow: UnitOfWork, actor: Member, fields: dict[str, str], department_id: int, now: datetime
) -> Offer:
    probe = Lead(
        title="",
        source=LeadSource.OPENLINE,
        department_id=department_id,
        created_at=now,
        **{LeadField(k).attribute: v for k, v in fields.items() if k != LeadField.TITLE},
    )
    duplicates = await duplicates_of(uow, probe)
    openable = []
    for lead_id in duplicates.leads:
        lead = await uow.leads.get(lead_id)
        if lead is not None and may(actor, Action.VIEW_LEAD, lead=lead):
            openable.append(lead_id)
    draft = await leads.offer_draft(uow, actor, fields, now)
    return Offer(draft, duplicates, openable)

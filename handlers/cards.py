"""Every subject's card as it is drawn for one member: one renderer per kind of subject.

The outbox sender draws any card through `draw`; a new kind of subject (a deal, a task) adds
its renderer here, and its "open the card" button if texts may point to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from domain.model import Member, Subject, SubjectKind
from domain.ports import UnitOfWork
from domain.services import escalations
from domain.services.cards import card_context
from handlers import escalation_views, lead_card_views, texts
from handlers.callbacks import LeadAction, LeadCb


@dataclass(frozen=True)
class Drawn:
    text: str
    keyboard: InlineKeyboardMarkup


Renderer = Callable[[UnitOfWork, int, Member, datetime, ZoneInfo], Awaitable[Drawn | None]]


async def _lead(
    uow: UnitOfWork, lead_id: int, viewer: Member, now: datetime, zone: ZoneInfo
) -> Drawn | None:
    lead = await uow.leads.get(lead_id)
    if lead is None:
        return None
    context = await card_context(uow, lead, viewer, now)
    return Drawn(
        lead_card_views.card_text(context, now, zone), lead_card_views.card_keyboard(context)
    )


async def _escalation(
    uow: UnitOfWork, escalation_id: int, viewer: Member, now: datetime, zone: ZoneInfo
) -> Drawn | None:
    escalation = await uow.escalations.get(escalation_id)
    if escalation is None:
        return None
    lead = await uow.leads.get(escalation.lead_id) if escalation.lead_id else None
    responsible = None
    if escalation.responsible_id is not None:
        responsible = await uow.members.get(escalation.responsible_id)
    facts = await escalations.card_facts(uow, escalation, lead)
    return Drawn(
        escalation_views.escalation_text(escalation, lead, responsible, now, zone, facts),
        escalation_views.escalation_keyboard(escalation, lead, facts),
    )


RENDERERS: dict[SubjectKind, Renderer] = {
    SubjectKind.LEAD: _lead,
    SubjectKind.ESCALATION: _escalation,
}

# The button under a text about a subject that opens its card.
OPENERS: dict[SubjectKind, Callable[[int], InlineKeyboardMarkup]] = {
    SubjectKind.LEAD: lambda lead_id: InlineKeyboardMarkup(
        inline_keyboard=[
            [texts.button("Открыть карточку", LeadCb(action=LeadAction.OPEN, id=lead_id))]
        ]
    ),
}


async def draw(
    uow: UnitOfWork, subject: Subject, viewer: Member, now: datetime, zone: ZoneInfo
) -> Drawn | None:
    """The subject's card for `viewer` as it is now; None when the subject is gone."""
    return await RENDERERS[subject.kind](uow, subject.id, viewer, now, zone)


def opener(subject: Subject | None) -> InlineKeyboardMarkup | None:
    """The "open the card" button for a text about `subject`, where its kind has one."""
    if subject is None or subject.kind not in OPENERS:
        return None
    return OPENERS[subject.kind](subject.id)

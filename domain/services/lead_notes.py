"""Notes on a lead (#14 §5): a timeline of who wrote what and when, kept in its history
(R2.8); the client's own text from the intake is never replaced."""

from __future__ import annotations

from datetime import datetime

from domain.model import NOTE, Lead, LeadEvent, Member, Press, Subject
from domain.permissions import Action, require
from domain.ports import UnitOfWork
from domain.services import history, leads

# How many notes the card shows, the newest last; the history holds them all.
ON_CARD = 2


async def add_note(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    text: str,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    lead = await leads.load_lead(uow, lead_id)
    require(actor, Action.WORK_LEAD, lead=lead)
    assert lead.id is not None
    await history.record(uow, Subject.lead(lead.id), lead.note(text, actor, now))
    return await leads.publish(uow, lead, now, press)


def latest_notes(newest_first: list[LeadEvent], count: int = ON_CARD) -> list[LeadEvent]:
    """The newest `count` notes of a history read newest first, oldest of them first."""
    notes = [event for event in newest_first if event.kind == NOTE]
    return list(reversed(notes[:count]))

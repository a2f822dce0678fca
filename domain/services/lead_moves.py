"""Moves of a lead that guard against one-tap accidents (#14 §5): a move taken back within
UNDO_WINDOW by the member who made it; «Обработан» straight from «Назначен» only with the
reason the checklist was skipped."""

from __future__ import annotations

from datetime import datetime

from domain.errors import StaleState
from domain.model import CHECKLIST_REQUIRED, Lead, Member, Press, SkipReason, StatusMove
from domain.permissions import Action, require
from domain.ports import UnitOfWork
from domain.services import leads, timers
from domain.services.cards import RECENT
from domain.statuses import LeadStatus, TransitionRefused


async def last_move(uow: UnitOfWork, lead_id: int) -> StatusMove | None:
    return StatusMove.last(await uow.lead_events.latest(lead_id, RECENT))


async def undo_move(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    expected: LeadStatus,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """«Отменить» on the card: the lead back in the status its last move left, with the
    clocks that status runs (R2.2, R2.15), recorded in its history (R2.8)."""
    lead = await leads.load_lead(uow, lead_id)
    require(actor, Action.WORK_LEAD, lead=lead)
    if lead.status is not expected:
        raise StaleState(f"Лид уже в статусе «{lead.status.label}».")
    assert lead.id is not None
    move = await last_move(uow, lead.id)
    events = lead.undo(move, actor, now)
    assert move is not None
    await leads.write_lead(uow, lead, events, was=expected)
    await timers.reopened(uow, lead, move.at, now)
    return await leads.publish(uow, lead, now, press)


async def may_skip_checklist(uow: UnitOfWork, actor: Member, lead_id: int) -> Lead:
    """«→ Обработан» on a lead in «Назначен»: the lead, unless its department requires the
    checklist (then refused before any reason is asked)."""
    lead = await leads.lead_to_work(uow, actor, lead_id, LeadStatus.ASSIGNED)
    if await uow.sla.checklist_required(lead.department_id):
        raise TransitionRefused(CHECKLIST_REQUIRED)
    return lead


async def process_without_checklist(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    reason: SkipReason,
    detail: str | None,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """#14 §5: from «Назначен» straight to «Обработан», with the reason the checklist (R2.6)
    was skipped in the history; refused where the department requires the checklist."""
    lead = await leads.lead_to_work(uow, actor, lead_id, LeadStatus.ASSIGNED)
    required = await uow.sla.checklist_required(lead.department_id)
    events = lead.process_without_checklist(reason, actor, now, detail=detail, required=required)
    await leads.write_lead(uow, lead, events, was=LeadStatus.ASSIGNED)
    await timers.contacted(uow, lead, now)  # R2.15: the client was contacted
    return await leads.publish(uow, lead, now, press)

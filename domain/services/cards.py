"""What a lead card shows to one member: gathered here, drawn by the views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.checklist import Checklist
from domain.deadlines import Deadlines
from domain.model import UNDO_WINDOW, Company, Deal, Lead, LeadEvent, Member, StatusMove, Subject
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.services.conversion import Duplicates, duplicates_of
from domain.services.lead_notes import latest_notes
from domain.statuses import OPEN_STAGES, LeadStatus

# The newest lines of a history searched for its last move: a move is followed by a few
# lines at most (its junk reason) within the short while it may be taken back.
RECENT = 5


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
    undo: StatusMove | None = None  # the viewer's own move, which he may take back now
    skipped: frozenset[LeadStatus] = frozenset()  # earlier open stages the lead never had
    notes: list[NoteLine] = field(default_factory=list)  # the newest, oldest first

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


def undoable(
    lead: Lead, viewer: Member, now: datetime | None, newest_first: list[LeadEvent]
) -> StatusMove | None:
    """#14 §5: the viewer's last move of the lead, while he may still take it back; found
    in the history the card reads anyway, no read of its own."""
    if now is None or lead.id is None or lead.status is LeadStatus.CONVERTED:
        return None
    if lead.status_changed_at is None or now >= lead.status_changed_at + UNDO_WINDOW:
        return None
    move = StatusMove.last(newest_first[:RECENT])
    if move is None or move.to is not lead.status or not move.undoable_by(viewer, now):
        return None
    return move


# The history read for the stages a lead went through and its latest notes: its status
# lines are a few among its edits and answers.
HISTORY_READ = 500


def skipped_stages(lead: Lead, newest_first: list[LeadEvent]) -> frozenset[LeadStatus]:
    """#14 §5: the open stages before the lead's own that its history (R2.8) never shows
    it in: skipped, not done (a manager's own lead never waited in «Не обработан»; a lead
    processed straight from «Назначен» was never «В работе»)."""
    if lead.status.is_final or lead.status is LeadStatus.NEW:
        return frozenset()
    before = set(OPEN_STAGES[: OPEN_STAGES.index(lead.status)])
    for event in newest_first:
        if event.field_name == "status":
            before -= {s for s in LeadStatus if s.label in (event.old_value, event.new_value)}
    return frozenset(before)


@dataclass(frozen=True)
class NoteLine:
    """A note on the card (#14 §5): when, who, what."""

    at: datetime
    author: str
    text: str


async def note_lines(
    uow: UnitOfWork, newest_first: list[LeadEvent], viewer: Member
) -> list[NoteLine]:
    lines = []
    for event in latest_notes(newest_first):
        author = await _member(uow, event.actor_id, viewer)
        lines.append(NoteLine(event.at, author.full_name if author else "—", event.new_value or ""))
    return lines


async def card_context(
    uow: UnitOfWork, lead: Lead, viewer: Member, now: datetime | None = None
) -> CardContext:
    responsible = await _member(uow, lead.responsible_id, viewer)
    assigned_by = await _member(uow, lead.assigned_by_id, viewer)
    deal = await uow.deals.get(lead.deal_id) if lead.deal_id else None
    company = await uow.companies.get(deal.company_id) if deal and deal.company_id else None
    duplicates = await duplicates_of(uow, lead) if not lead.status.is_final else Duplicates([], [])
    checklist = await uow.checklists.get(lead.checklist_id) if lead.checklist_id else None
    deadlines = (await uow.leads.deadlines([lead.id])).get(lead.id) if lead.id else None
    # One read of the history for the undo, the stages skipped and the notes (#14 §5).
    recent = await uow.lead_events.latest(lead.id, HISTORY_READ) if lead.id else []
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
        undoable(lead, viewer, now, recent),
        skipped_stages(lead, recent),
        await note_lines(uow, recent, viewer),
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
    context = await card_context(uow, lead, viewer, now)
    await uow.commit()
    return context

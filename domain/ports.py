"""What the use cases need from the outside: repositories, a unit of work, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, Self

from domain.assignment import AssignMode, Routing
from domain.checklist import Checklist
from domain.deadlines import Deadlines
from domain.model import (
    Company,
    Contact,
    Deal,
    Department,
    Escalation,
    Invitation,
    Lead,
    LeadDraft,
    LeadEvent,
    Member,
    Notification,
    Penalty,
    Pipeline,
    Remedy,
    Role,
    Subject,
    Timer,
    TimerKind,
)
from domain.search import SearchQuery, SearchScope
from domain.sla import SlaPolicy
from domain.statuses import LeadStatus

# What `LeadRepository.update_if` writes: every attribute of a lead but its id, the facts of
# its creation, and `notified_at` (that is `set_notified`'s).
LEAD_UPDATE_FIELDS = (
    "title",
    "title_is_auto",
    "status",
    "status_changed_at",
    "company_name",
    "contact_name",
    "contact_last_name",
    "position",
    "phone",
    "email",
    "website",
    "address",
    "comment",
    "responsible_id",
    "assigned_by_id",
    "assigned_how",
    "assigned_at",
    "first_contact_at",
    "next_contact_at",
    "junk_reason",
    "checklist_answers",
    "checklist_id",
    "checklist_cursor",
    "deal_id",
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MemberRepository(Protocol):
    async def add(self, member: Member) -> Member: ...
    async def get(self, member_id: int) -> Member | None: ...
    async def by_telegram_id(self, telegram_id: int) -> Member | None: ...
    async def in_department(self, department_id: int) -> list[Member]: ...
    async def everyone(self) -> list[Member]: ...
    async def with_roles(self, department_id: int, roles: tuple[Role, ...]) -> list[Member]:
        """Active members of the department with one of the roles, by name."""
        ...

    async def save(self, member: Member) -> None: ...
    async def unblock(self, member_id: int) -> None: ...


class DepartmentRepository(Protocol):
    async def add(self, department: Department) -> Department: ...
    async def get(self, department_id: int) -> Department | None: ...
    async def by_name(self, name: str) -> Department | None: ...
    async def all(self) -> list[Department]: ...

    async def lock(self, department_id: int) -> None:
        """Hold the department's row against other holders to the end of the transaction
        (PostgreSQL: FOR NO KEY UPDATE)."""
        ...

    # How its new leads find a manager (#14 §6).
    async def routing(self, department_id: int) -> Routing: ...
    async def set_mode(self, department_id: int, mode: AssignMode) -> None: ...

    async def take_turn(self, department_id: int) -> Routing:
        """The routing as it is now, held against every other taker until this unit of work
        ends: two intakes at once take their turns one after the other."""
        ...

    async def turn_taken(self, department_id: int, member_id: int) -> None:
        """`member_id` got the department's lead: the next turn is after him."""
        ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> Invitation: ...
    async def by_token(self, token: str) -> Invitation | None: ...

    async def claim(self, token: str, member_id: int, now: datetime) -> bool:
        """Mark the invitation used by `member_id` if it is still unused and unexpired.

        One conditional statement: of two concurrent claims exactly one returns True.
        """
        ...


@dataclass(frozen=True)
class LeadQuery:
    """Which leads a list shows: by department, responsible, statuses; a page of them."""

    department_id: int | None = None
    responsible_id: int | None = None
    unassigned: bool = False
    statuses: tuple[LeadStatus, ...] = ()
    offset: int = 0
    limit: int = 8


class LeadRepository(Protocol):
    async def add(self, lead: Lead) -> Lead: ...
    async def get(self, lead_id: int) -> Lead | None: ...

    async def lock(self, lead_id: int) -> Lead | None:
        """The lead as it is now, and no other writer of it until this unit of work ends
        (a use case's write of it waits): its timers can be re-planned from a current read."""
        ...

    async def by_external_id(self, external_id: str) -> Lead | None: ...

    async def update_if(
        self,
        lead: Lead,
        *,
        expected_status: LeadStatus,
        expected_responsible: int | object | None = ...,
    ) -> bool:
        """Write `lead` only if nobody wrote it since it was read and the stored status (and
        responsible) are still as expected. One conditional UPDATE: of two concurrent
        writes exactly one wins; the other is told the lead changed.
        `notified_at` is not written here: see `set_notified`.
        """
        ...

    async def set_notified(self, lead_id: int, responsible_id: int, at: datetime | None) -> bool:
        """When the card of the lead reached its responsible, or failed for good (R2.15's
        clock starts), or None for a new assignment. Only while `responsible_id` is the
        responsible, and a time already set is kept; a time is set only while the lead still
        awaits its first contact (a press that got there first wins). Apart from `update_if`
        and its version, so that the sender recording a delivery never makes a manager's
        press at that moment fail as a conflict."""
        ...

    async def find(self, query: LeadQuery) -> tuple[list[Lead], int]:
        """A page of the leads `query` picks, most urgent first: the nearest thing due
        (`Deadlines.first`; past ones first, those with nothing due last), and the total."""
        ...

    async def count_urgent(
        self, query: LeadQuery, now: datetime, day: tuple[datetime, datetime]
    ) -> tuple[int, int]:
        """Of the leads `query` picks: how many are overdue at `now`, and how many have
        their call within `day`."""
        ...

    async def deadlines(self, lead_ids: list[int]) -> dict[int, Deadlines]:
        """What is due on each of these leads, as their timers fire."""
        ...

    async def count_by_status(
        self, department_id: int | None, responsible_id: int | None
    ) -> dict[LeadStatus, int]: ...
    async def count_by_responsible(self, department_id: int) -> dict[int, int]: ...

    async def open_matches(
        self,
        *,
        department_id: int,
        exclude_id: int | None,
        phone: str | None,
        email: str | None,
        company_key: str | None,
    ) -> list[Lead]: ...


class LeadEventRepository(Protocol):
    async def add(self, event: LeadEvent) -> None: ...
    async def latest(self, lead_id: int, limit: int, offset: int = 0) -> list[LeadEvent]: ...
    async def count(self, lead_id: int) -> int: ...


class CompanyRepository(Protocol):
    async def add(self, company: Company) -> Company: ...
    async def get(self, company_id: int) -> Company | None: ...
    # A department's clients: its own companies and those of no department.
    async def matching(self, department_id: int, name_key: str) -> list[Company]: ...
    async def with_contacts(
        self, department_id: int, phone: str | None, email: str | None
    ) -> list[Company]: ...
    async def deal_count(self, company_id: int) -> int: ...


class ContactRepository(Protocol):
    async def add(self, contact: Contact) -> Contact: ...
    async def in_company(
        self, company_id: int, phone: str | None, email: str | None
    ) -> list[Contact]: ...  # by phone or e-mail, the oldest first


class DealRepository(Protocol):
    async def add(self, deal: Deal) -> Deal: ...
    async def get(self, deal_id: int) -> Deal | None: ...


class PipelineRepository(Protocol):
    async def add(self, pipeline: Pipeline) -> Pipeline: ...
    async def default_for(self, department_id: int) -> Pipeline | None: ...


class OutboxRepository(Protocol):
    async def add(self, notification: Notification) -> None:
        """Owe a message; it is written when the unit of work commits, and a member's
        messages go out in the order their transactions commit."""
        ...

    async def drop_card_edits(self, member_id: int, subject: Subject, now: datetime) -> None:
        """The member's card of the subject is being drawn now: the edits still waiting for
        it are done by that (one already on its way is not stopped)."""
        ...

    async def cards_coming(self, subject: Subject) -> set[int]:
        """The members a card of the subject is still to go to (an edit or a new card, written
        or owed in this unit of work, on its way or not)."""
        ...


class CardRepository(Protocol):
    """Where each member's live card of each subject is, so it is edited in place."""

    async def holders(self, subject: Subject) -> dict[int, int]:
        """The members who have a card of this subject in their chat, each with its message."""
        ...

    async def is_live(
        self, subject: Subject, member_id: int, message_id: int, *, unless_owed: bool = False
    ) -> bool:
        """Whether that message is the member's live card of the subject; with
        `unless_owed`, and no card of the subject is still to go to him (`cards_coming`)."""
        ...


class DraftRepository(Protocol):
    async def add(self, draft: LeadDraft) -> LeadDraft: ...
    async def take(self, draft_id: int, member_id: int) -> LeadDraft | None:
        """Remove and return the member's draft; None if it is gone (used already)."""
        ...


class TimerRepository(Protocol):
    async def add(self, timer: Timer) -> Timer: ...
    async def cancel(self, subject: Subject, kinds: tuple[TimerKind, ...], now: datetime) -> int:
        """Cancel the subject's pending timers of these kinds; how many."""
        ...

    async def due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> list[tuple[datetime, int]]:
        """Pending timers due by `now`, as (due_at, id) in that order, past `after`."""
        ...

    async def next_due(self, after: datetime) -> datetime | None:
        """When the earliest pending timer due after `after` is due."""
        ...

    async def claim_due(self, department_id: int, kind: TimerKind, now: datetime) -> list[int]:
        """Mark fired every pending timer of the kind due by `now` in the department (those
        another transaction is claiming are left to it); their ids."""
        ...

    async def claim(self, timer_id: int, now: datetime) -> Timer | None:
        """Mark the timer fired if it is still pending: one conditional statement."""
        ...

    async def pending(self, subject: Subject) -> list[Timer]: ...

    async def overdue_unassigned(self, department_id: int) -> list[tuple[int, int, bool]]:
        """(timer id, lead id, reported) of fired R2.14 timers whose lead is still NEW."""
        ...

    async def mark_reported(self, timer_ids: list[int], escalation_id: int) -> None: ...

    async def subjects_with_pending(
        self, department_id: int, kinds: tuple[TimerKind, ...]
    ) -> list[Subject]:
        """The subjects of the department with a pending timer of these kinds."""
        ...


class EscalationRepository(Protocol):
    async def add(self, escalation: Escalation) -> Escalation: ...
    async def get(self, escalation_id: int) -> Escalation | None: ...

    async def mark(self, escalation_id: int, remedy: Remedy, by: int, now: datetime) -> bool:
        """Record `remedy` once: False when it was recorded already."""
        ...

    async def resolve(self, escalation_id: int, by: int, resolution: str, now: datetime) -> bool:
        """Record what was done, if nothing was yet: of two presses one wins."""
        ...


class PenaltyRepository(Protocol):
    async def add(self, penalty: Penalty) -> Penalty: ...
    async def between(
        self, department_id: int | None, start: datetime, end: datetime
    ) -> list[Penalty]: ...


class SlaRepository(Protocol):
    async def policy(self, department_id: int) -> SlaPolicy: ...
    async def set_minutes(self, department_id: int, name: str, minutes: float) -> None: ...
    async def checklist_required(self, department_id: int) -> bool:
        """#14 §5: whether the department's leads reach «Обработан» only by the checklist."""
        ...

    async def set_checklist_required(self, department_id: int, required: bool) -> None: ...


class ChecklistRepository(Protocol):
    async def add(self, checklist: Checklist, now: datetime, by: int | None) -> Checklist: ...
    async def get(self, checklist_id: int) -> Checklist | None: ...
    async def active_for(self, department_id: int) -> Checklist | None: ...
    async def has_default(self) -> bool: ...


class SearchRepository(Protocol):
    async def leads(self, query: SearchQuery, scope: SearchScope, limit: int) -> list[Lead]:
        """The leads in `scope` found by the query (#14 §1): each of its prefixes begins a
        term of the lead, or of the company or contact its deal went to; open ones first,
        then the newest."""
        ...


class UnitOfWork(Protocol):
    members: MemberRepository
    departments: DepartmentRepository
    invitations: InvitationRepository
    leads: LeadRepository
    lead_events: LeadEventRepository
    companies: CompanyRepository
    contacts: ContactRepository
    deals: DealRepository
    pipelines: PipelineRepository
    outbox: OutboxRepository
    cards: CardRepository
    drafts: DraftRepository
    timers: TimerRepository
    escalations: EscalationRepository
    penalties: PenaltyRepository
    sla: SlaRepository
    checklists: ChecklistRepository
    search: SearchRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...

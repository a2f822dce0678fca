"""A unit of work on dicts, for use-case tests that need no database (#13, item 7).

The shape of "Architecture Patterns with Python": the repositories of `domain/ports.py` over
plain dicts, so a rule's test runs the real use case in microseconds. It keeps the promises the
use cases rely on, as the SQL unit of work does:

- A unit of work's writes are staged: it reads what was committed plus its own writes, and
  others see them only once it commits. `rollback()` (and leaving it uncommitted) drops them;
  a unit of work goes on after a commit or a rollback, like a session.
- Repositories hand out copies: changing a loaded lead changes nothing stored until it is
  written (`update_if`), as with rows.
- The conditional statements (`update_if`, `set_notified`, timer claims, `resolve`, an
  invitation's claim, a draft's `take`) check their condition against the latest row and
  write nothing when it fails.
- The outbox is written at commit, in order; its rows can be read back (`FakeDatabase.outbox`).

What it does not imitate: two units of work writing the same row at the same time (a row
lock, PostgreSQL's re-check of a waiting UPDATE). Those races are the storage tests'
(`tests/test_storage.py`, `tests/test_two_processes.py`); a use-case test runs one unit of work
at a time. Ids come from counters that a rollback does not give back, like sequences.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from copy import copy
from dataclasses import dataclass, field, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Self

from domain import normalize, search
from domain.assignment import AssignMode, Routing
from domain.checklist import Checklist
from domain.deadlines import Deadlines
from domain.errors import DuplicateExternalId, InvalidInput
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
    NotificationKind,
    Penalty,
    Pipeline,
    Remedy,
    Role,
    Subject,
    SubjectKind,
    Timer,
    TimerKind,
)
from domain.ports import LEAD_UPDATE_FIELDS, LeadQuery
from domain.search import SearchQuery, SearchScope
from domain.sla import DEFAULT_SLA, SlaDefaults, SlaPolicy
from domain.statuses import OPEN_STAGES, LeadStatus

ANY = ...  # `update_if(expected_responsible=ANY)`: do not check the responsible
_GONE = object()  # a staged delete

_STAGE_ORDER = {LeadStatus.ASSIGNED: 0, LeadStatus.IN_PROCESS: 1, LeadStatus.PROCESSED: 2}
_NEVER = datetime.max.replace(tzinfo=UTC)

# The columns storage/tables.py declares NOT NULL, and the foreign keys among them, as the
# database checks them on each write: a use case that writes a row without its time, or a
# message to nobody, fails here as it would there. (A wrapped row is checked by its entity.)
NOT_NULL: dict[str, tuple[str, ...]] = {
    "members": ("telegram_id", "full_name", "role", "active", "created_at"),
    "departments": ("name",),
    "invitations": ("token", "role", "created_by", "created_at", "expires_at"),
    "companies": ("name", "created_at"),
    "contacts": ("full_name", "created_at"),
    "leads": ("title", "source", "status", "department_id", "created_at", "version"),
    "lead_events": ("lead_id", "at", "kind"),
    "pipelines": ("department_id", "name", "stages"),
    "deals": ("title", "department_id", "pipeline_id", "stage", "created_at"),
    "outbox": ("member_id", "kind", "created_at"),
    "drafts": ("member_id", "fields", "created_at"),
    "timers": ("kind", "subject", "department_id", "due_at", "created_at"),
    "escalations": ("rule", "department_id", "due_at", "detected_at"),
    "penalties": ("member_id", "department_id", "rule", "comment", "created_by", "created_at"),
    "lead_assignment": ("mode",),
}
REFERENCES: dict[str, dict[str, str]] = {
    "members": {"department_id": "departments"},
    "leads": {
        "department_id": "departments",
        "responsible_id": "members",
        "creator_id": "members",
        "assigned_by_id": "members",
        "deal_id": "deals",
    },
    "lead_events": {"lead_id": "leads", "actor_id": "members"},
    "deals": {"company_id": "companies", "contact_id": "contacts", "pipeline_id": "pipelines"},
    "outbox": {"member_id": "members"},
    "timers": {"department_id": "departments", "member_id": "members"},
    "escalations": {"department_id": "departments", "responsible_id": "members"},
    "penalties": {"member_id": "members", "created_by": "members", "escalation_id": "escalations"},
    "lead_assignment": {"last_member_id": "members"},
}


class IntegrityError(Exception):
    """What the database would refuse: a NOT NULL column left empty, a reference to no row."""


_IMMUTABLE = (str, int, float, type(None), datetime, timedelta, Enum, tuple, frozenset)


def _clone(value: Any) -> Any:
    """A copy that shares nothing a caller could change: dicts, lists and mutable
    dataclasses are copied, the immutable rest (texts, times, enums, frozen rows) shared."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    if is_dataclass(value) and value.__dataclass_params__.frozen:  # type: ignore[union-attr]
        return value
    copied = copy(value)
    attributes = vars(copied)
    for name, item in attributes.items():
        if not isinstance(item, _IMMUTABLE):
            attributes[name] = _clone(item)
    return copied


def _entity(row: Any) -> Any:
    if isinstance(row, OutboxRow):
        return row.notification
    if isinstance(row, TimerRow):
        return row.timer
    return row


@dataclass
class OutboxRow:
    """A message owed, as the sender finds it."""

    id: int
    notification: Notification
    sent_at: datetime | None = None
    claimed_until: datetime | None = None
    last_error: str | None = None


@dataclass
class TimerRow:
    timer: Timer
    escalation_id: int | None = None  # R2.14: the escalation that reported it


@dataclass
class ChecklistRow:
    checklist: Checklist
    created_at: datetime
    created_by: int | None


@dataclass
class FakeDatabase:
    """The committed state, shared by the units of work it makes (call it for one)."""

    sla_defaults: SlaDefaults = DEFAULT_SLA
    tables: dict[str, dict[Any, Any]] = field(default_factory=dict)
    commits: int = 0
    _ids: dict[str, Iterator[int]] = field(default_factory=dict)

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def next_id(self, table: str) -> int:
        return next(self._ids.setdefault(table, itertools.count(1)))

    def rows(self, table: str) -> list[Any]:
        """Copies of the committed rows of a table, by key."""
        return [_clone(row) for _, row in sorted(self.tables.get(table, {}).items())]

    # What tests look at, as a person or the database would see it.

    def outbox(self, member_id: int | None = None) -> list[Notification]:
        """The messages written to the outbox (sent or not), in order; one member's."""
        rows = self.rows("outbox")
        return [
            r.notification
            for r in rows
            if member_id is None or r.notification.member_id == member_id
        ]

    def timers(self, subject: Subject | None = None, *, pending: bool = True) -> list[Timer]:
        found = [r.timer for r in self.rows("timers")]
        if subject is not None:
            found = [t for t in found if t.subject == subject]
        if pending:
            found = [t for t in found if t.fired_at is None and t.cancelled_at is None]
        return found

    def events(self, lead_id: int) -> list[LeadEvent]:
        return [e for e in self.rows("lead_events") if e.lead_id == lead_id]

    def hold_card(self, subject: Subject, member_id: int, message_id: int) -> None:
        """The sender put the member's copy of the subject's card in his chat."""
        self.tables.setdefault("cards", {})[(subject.kind.value, subject.id, member_id)] = (
            message_id
        )

    def send_all(self, now: datetime) -> None:
        """The sender delivered every message owed."""
        for row in self.tables.get("outbox", {}).values():
            if row.sent_at is None:
                row.sent_at = now


class FakeUnitOfWork:
    """One transaction at a time over a FakeDatabase: staged writes, applied at commit."""

    def __init__(self, database: FakeDatabase) -> None:
        self.database = database
        self._staged: dict[str, dict[Any, Any]] = {}
        self._owed: list[Notification] = []
        self.members = FakeMembers(self)
        self.departments = FakeDepartments(self)
        self.invitations = FakeInvitations(self)
        self.leads = FakeLeads(self)
        self.lead_events = FakeLeadEvents(self)
        self.companies = FakeCompanies(self)
        self.contacts = FakeContacts(self)
        self.deals = FakeDeals(self)
        self.pipelines = FakePipelines(self)
        self.outbox = FakeOutbox(self)
        self.cards = FakeCards(self)
        self.drafts = FakeDrafts(self)
        self.timers = FakeTimers(self)
        self.escalations = FakeEscalations(self)
        self.penalties = FakePenalties(self)
        self.sla = FakeSla(self)
        self.checklists = FakeChecklists(self)
        self.search = FakeSearch(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()

    async def commit(self) -> None:
        for notification in self._owed:
            row_id = self.database.next_id("outbox")
            self.put("outbox", row_id, OutboxRow(row_id, notification))
        self._owed = []
        for table, rows in self._staged.items():
            stored = self.database.tables.setdefault(table, {})
            for key, row in rows.items():
                if row is _GONE:
                    stored.pop(key, None)
                else:
                    stored[key] = row
        self._staged = {}
        self.database.commits += 1

    async def rollback(self) -> None:
        self._staged = {}
        self._owed = []

    # The rows as this transaction sees them: the committed ones and its own writes.

    def view(self, table: str) -> dict[Any, Any]:
        rows = dict(self.database.tables.get(table, {}))
        for key, row in self._staged.get(table, {}).items():
            if row is _GONE:
                rows.pop(key, None)
            else:
                rows[key] = row
        return dict(sorted(rows.items()))

    def exists(self, table: str, key: Any) -> bool:
        staged = self._staged.get(table, {})
        if key in staged:
            return staged[key] is not _GONE
        return key in self.database.tables.get(table, {})

    def row(self, table: str, key: Any) -> Any:
        """A copy of one row, or None."""
        staged = self._staged.get(table, {})
        found = staged[key] if key in staged else self.database.tables.get(table, {}).get(key)
        return None if found is _GONE else _clone(found)

    def select(self, table: str, where: Callable[[Any], bool] = lambda row: True) -> list[Any]:
        """Copies of the rows that match, by key."""
        return [_clone(row) for row in self.view(table).values() if where(row)]

    def put(self, table: str, key: Any, row: Any) -> None:
        entity = _entity(row)
        for name in NOT_NULL.get(table, ()):
            if getattr(entity, name) is None:
                raise IntegrityError(f"NOT NULL constraint failed: {table}.{name}")
        for name, target in REFERENCES.get(table, {}).items():
            value = getattr(entity, name)
            if value is not None and not self.exists(target, value):
                raise IntegrityError(f"FOREIGN KEY constraint failed: {table}.{name}={value}")
        self._staged.setdefault(table, {})[key] = _clone(row)

    def delete(self, table: str, key: Any) -> None:
        self._staged.setdefault(table, {})[key] = _GONE

    def insert(self, table: str, row: Any) -> Any:
        """Store a copy of a new entity under a fresh id; the entity gets the id."""
        row.id = self.database.next_id(table)
        self.put(table, row.id, row)
        return row


class _Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow


def _by_name(member: Member) -> tuple[str, int]:
    return member.full_name, member.id or 0


class FakeMembers(_Repository):
    async def add(self, member: Member) -> Member:
        if self._uow.select("members", lambda m: m.telegram_id == member.telegram_id):
            raise ValueError(f"telegram_id {member.telegram_id} is taken")  # a unique index
        return self._uow.insert("members", member)

    async def get(self, member_id: int) -> Member | None:
        return self._uow.row("members", member_id)

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        found = self._uow.select("members", lambda m: m.telegram_id == telegram_id)
        return found[0] if found else None

    async def in_department(self, department_id: int) -> list[Member]:
        found = self._uow.select("members", lambda m: m.department_id == department_id)
        return sorted(found, key=_by_name)

    async def everyone(self) -> list[Member]:
        return sorted(self._uow.select("members"), key=_by_name)

    async def with_roles(self, department_id: int, roles: tuple[Role, ...]) -> list[Member]:
        found = self._uow.select(
            "members",
            lambda m: m.department_id == department_id and m.role in roles and m.active,
        )
        return sorted(found, key=_by_name)

    async def save(self, member: Member) -> None:
        stored = self._uow.row("members", member.id)
        if stored is None:
            return
        for name in ("full_name", "phone", "email", "position", "role", "department_id", "active"):
            setattr(stored, name, getattr(member, name))
        self._uow.put("members", member.id, stored)

    async def unblock(self, member_id: int) -> None:
        stored = self._uow.row("members", member_id)
        if stored is not None:
            self._uow.put("members", member_id, replace(stored, blocked_at=None))


class FakeDepartments(_Repository):
    async def add(self, department: Department) -> Department:
        return self._uow.insert("departments", department)

    async def get(self, department_id: int) -> Department | None:
        return self._uow.row("departments", department_id)

    async def by_name(self, name: str) -> Department | None:
        found = self._uow.select("departments", lambda d: d.name == name)
        return found[0] if found else None

    async def all(self) -> list[Department]:
        return sorted(self._uow.select("departments"), key=lambda d: d.name)

    async def lock(self, department_id: int) -> None:
        """One unit of work at a time: nothing to wait for."""

    async def routing(self, department_id: int) -> Routing:
        return self._uow.row("lead_assignment", department_id) or Routing()

    async def set_mode(self, department_id: int, mode: AssignMode) -> None:
        routing = await self.routing(department_id)
        self._uow.put("lead_assignment", department_id, replace(routing, mode=mode))

    async def take_turn(self, department_id: int) -> Routing:
        return await self.routing(department_id)  # one unit of work at a time

    async def turn_taken(self, department_id: int, member_id: int) -> None:
        routing = self._uow.row("lead_assignment", department_id)
        if routing is not None:
            self._uow.put(
                "lead_assignment", department_id, replace(routing, last_member_id=member_id)
            )


class FakeInvitations(_Repository):
    async def add(self, invitation: Invitation) -> Invitation:
        return self._uow.insert("invitations", invitation)

    def _find(self, token: str) -> Invitation | None:
        found = self._uow.select("invitations", lambda i: i.token == token)
        return found[0] if found else None

    async def by_token(self, token: str) -> Invitation | None:
        return self._find(token)

    async def claim(self, token: str, member_id: int, now: datetime) -> bool:
        invitation = self._find(token)
        if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
            return False
        self._uow.put(
            "invitations", invitation.id, replace(invitation, used_at=now, used_by=member_id)
        )
        return True


def _company_key(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return normalize.company_key(name)
    except InvalidInput:
        return None


class FakeLeads(_Repository):
    async def add(self, lead: Lead) -> Lead:
        if lead.external_id and await self.by_external_id(lead.external_id):
            raise DuplicateExternalId(lead.external_id)
        return self._uow.insert("leads", lead)

    async def get(self, lead_id: int) -> Lead | None:
        return self._uow.row("leads", lead_id)

    async def lock(self, lead_id: int) -> Lead | None:
        return await self.get(lead_id)  # one unit of work at a time: nobody else to hold off

    async def by_external_id(self, external_id: str) -> Lead | None:
        found = self._uow.select("leads", lambda lead: lead.external_id == external_id)
        return found[0] if found else None

    async def update_if(
        self, lead: Lead, *, expected_status: LeadStatus, expected_responsible: Any = ANY
    ) -> bool:
        stored = self._uow.row("leads", lead.id)
        if (
            stored is None
            or stored.version != lead.version
            or stored.status is not expected_status
            or (expected_responsible is not ANY and stored.responsible_id != expected_responsible)
        ):
            return False
        for name in LEAD_UPDATE_FIELDS:
            setattr(stored, name, _clone(getattr(lead, name)))
        stored.version += 1
        self._uow.put("leads", lead.id, stored)
        lead.version += 1
        return True

    async def set_notified(self, lead_id: int, responsible_id: int, at: datetime | None) -> bool:
        stored = self._uow.row("leads", lead_id)
        if stored is None or stored.responsible_id != responsible_id:
            return False
        if at is not None and not (
            stored.notified_at is None
            and stored.status is LeadStatus.ASSIGNED
            and stored.first_contact_at is None
        ):
            return False
        self._uow.put("leads", lead_id, replace(stored, notified_at=at))
        return True

    def _matching(self, query: LeadQuery) -> list[Lead]:
        def where(lead: Lead) -> bool:
            return (
                (query.department_id is None or lead.department_id == query.department_id)
                and (query.responsible_id is None or lead.responsible_id == query.responsible_id)
                and (not query.unassigned or lead.responsible_id is None)
                and (not query.statuses or lead.status in query.statuses)
            )

        return self._uow.select("leads", where)

    async def find(self, query: LeadQuery) -> tuple[list[Lead], int]:
        found = self._matching(query)
        found.sort(
            key=lambda lead: (
                self._deadlines(lead).first or _NEVER,
                _STAGE_ORDER.get(lead.status, 3),
                lead.created_at,
                lead.id,
            )
        )
        return found[query.offset : query.offset + query.limit], len(found)

    def _timer_due(self, lead: Lead, kind: TimerKind, member_id: object = ANY) -> datetime | None:
        due = [
            row.timer.due_at
            for row in self._uow.select(
                "timers",
                lambda r: (
                    r.timer.subject == Subject.lead(lead.id or 0)
                    and r.timer.kind is kind
                    and r.timer.cancelled_at is None
                    and (member_id is ANY or r.timer.member_id == member_id)
                ),
            )
        ]
        return max(due) if due else None

    def _deadlines(self, lead: Lead) -> Deadlines:
        if lead.status.is_final:
            return Deadlines()
        awaits = (
            lead.status is LeadStatus.ASSIGNED
            and lead.first_contact_at is None
            and lead.notified_at is not None
        )
        return Deadlines(
            contact=self._timer_due(lead, TimerKind.CONTACT_BREACH, lead.responsible_id)
            if awaits
            else None,
            assign=self._timer_due(lead, TimerKind.UNASSIGNED)
            if lead.status is LeadStatus.NEW
            else None,
            processing=self._timer_due(lead, TimerKind.PROCESSING_BREACH),
            call=lead.next_contact_at,
        )

    async def count_urgent(
        self, query: LeadQuery, now: datetime, day: tuple[datetime, datetime]
    ) -> tuple[int, int]:
        found = [self._deadlines(lead) for lead in self._matching(query)]
        calls = [d.call for d in found if d.call is not None and day[0] <= d.call < day[1]]
        return sum(d.overdue(now) for d in found), len(calls)

    async def deadlines(self, lead_ids: list[int]) -> dict[int, Deadlines]:
        leads = [self._uow.row("leads", lead_id) for lead_id in lead_ids]
        return {lead.id or 0: self._deadlines(lead) for lead in leads if lead is not None}

    async def count_by_status(
        self, department_id: int | None, responsible_id: int | None
    ) -> dict[LeadStatus, int]:
        counts: dict[LeadStatus, int] = {}
        for lead in self._matching(LeadQuery(department_id, responsible_id)):
            counts[lead.status] = counts.get(lead.status, 0) + 1
        return counts

    async def count_by_responsible(self, department_id: int) -> dict[int, int]:
        counts: dict[int, int] = {}
        for lead in self._matching(LeadQuery(department_id, statuses=OPEN_STAGES)):
            if lead.responsible_id is not None:
                counts[lead.responsible_id] = counts.get(lead.responsible_id, 0) + 1
        return counts

    async def open_matches(
        self,
        *,
        department_id: int,
        exclude_id: int | None,
        phone: str | None,
        email: str | None,
        company_key: str | None,
    ) -> list[Lead]:
        def alike(lead: Lead) -> bool:
            return (
                bool(phone and lead.phone == phone)
                or bool(email and lead.email == email)
                or bool(company_key and _company_key(lead.company_name) == company_key)
            )

        found = self._uow.select(
            "leads",
            lambda lead: (
                alike(lead)
                and lead.status in OPEN_STAGES
                and lead.department_id == department_id
                and lead.id != exclude_id
            ),
        )
        return found[:5]


class FakeLeadEvents(_Repository):
    async def add(self, event: LeadEvent) -> None:
        self._uow.insert("lead_events", replace(event))

    async def latest(self, lead_id: int, limit: int, offset: int = 0) -> list[LeadEvent]:
        found = self._uow.select("lead_events", lambda e: e.lead_id == lead_id)
        return list(reversed(found))[offset : offset + limit]

    async def count(self, lead_id: int) -> int:
        return len(self._uow.select("lead_events", lambda e: e.lead_id == lead_id))


def _client_of(department_id: int) -> Callable[[Company], bool]:
    """A department's clients: its own companies and those of no department."""
    return lambda company: company.department_id in (department_id, None)


class FakeCompanies(_Repository):
    async def add(self, company: Company) -> Company:
        normalize.company_key(company.name)  # the column is NOT NULL: a name must have a key
        return self._uow.insert("companies", company)

    async def get(self, company_id: int) -> Company | None:
        return self._uow.row("companies", company_id)

    async def matching(self, department_id: int, name_key: str) -> list[Company]:
        client = _client_of(department_id)
        return self._uow.select(
            "companies", lambda c: client(c) and normalize.company_key(c.name) == name_key
        )

    async def with_contacts(
        self, department_id: int, phone: str | None, email: str | None
    ) -> list[Company]:
        if not (phone or email):
            return []
        holders = {
            contact.company_id
            for contact in self._uow.select("contacts")
            if (phone and contact.phone == phone) or (email and contact.email == email)
        }
        client = _client_of(department_id)
        return self._uow.select("companies", lambda c: c.id in holders and client(c))[:5]

    async def deal_count(self, company_id: int) -> int:
        return len(self._uow.select("deals", lambda d: d.company_id == company_id))


class FakeContacts(_Repository):
    async def add(self, contact: Contact) -> Contact:
        return self._uow.insert("contacts", contact)

    async def in_company(
        self, company_id: int, phone: str | None, email: str | None
    ) -> list[Contact]:
        return self._uow.select(
            "contacts",
            lambda c: (
                c.company_id == company_id
                and (bool(phone and c.phone == phone) or bool(email and c.email == email))
            ),
        )[:20]


class FakeDeals(_Repository):
    async def add(self, deal: Deal) -> Deal:
        return self._uow.insert("deals", deal)

    async def get(self, deal_id: int) -> Deal | None:
        return self._uow.row("deals", deal_id)


class FakePipelines(_Repository):
    async def add(self, pipeline: Pipeline) -> Pipeline:
        return self._uow.insert("pipelines", pipeline)

    async def default_for(self, department_id: int) -> Pipeline | None:
        found = self._uow.select(
            "pipelines", lambda p: p.department_id == department_id and p.is_default
        )
        return found[0] if found else None


def _is_card(row: OutboxRow, member_id: int, subject: Subject) -> bool:
    n = row.notification
    return (n.member_id, n.subject, n.kind) == (member_id, subject, NotificationKind.CARD)


class FakeOutbox(_Repository):
    async def add(self, notification: Notification) -> None:
        self._uow._owed.append(_clone(notification))

    async def drop_card_edits(self, member_id: int, subject: Subject, now: datetime) -> None:
        owed = self._uow._owed
        self._uow._owed = [
            n
            for n in owed
            if not (
                (n.member_id, n.subject, n.kind) == (member_id, subject, NotificationKind.CARD)
                and not n.fresh
            )
        ]
        for row in self._uow.select(
            "outbox",
            lambda r: (
                _is_card(r, member_id, subject)
                and not r.notification.fresh
                and r.sent_at is None
                and r.claimed_until is None
            ),
        ):
            self._uow.put("outbox", row.id, replace(row, sent_at=now, last_error="coalesced"))

    async def cards_coming(self, subject: Subject) -> set[int]:
        owed = {
            n.member_id
            for n in self._uow._owed
            if (n.subject, n.kind) == (subject, NotificationKind.CARD)
        }
        written = self._uow.select(
            "outbox",
            lambda r: _is_card(r, r.notification.member_id, subject) and r.sent_at is None,
        )
        return owed | {r.notification.member_id for r in written}


class FakeCards(_Repository):
    async def holders(self, subject: Subject) -> dict[int, int]:
        return {
            member_id: message_id
            for (kind, subject_id, member_id), message_id in self._uow.view("cards").items()
            if (kind, subject_id) == (subject.kind.value, subject.id)
        }

    async def is_live(
        self, subject: Subject, member_id: int, message_id: int, *, unless_owed: bool = False
    ) -> bool:
        live = self._uow.view("cards").get((subject.kind.value, subject.id, member_id))
        if live != message_id:
            return False
        return not (unless_owed and member_id in await self._uow.outbox.cards_coming(subject))


class FakeDrafts(_Repository):
    async def add(self, draft: LeadDraft) -> LeadDraft:
        return self._uow.insert("drafts", draft)

    async def take(self, draft_id: int, member_id: int) -> LeadDraft | None:
        draft = self._uow.row("drafts", draft_id)
        if draft is None or draft.member_id != member_id:
            return None
        self._uow.delete("drafts", draft_id)
        return draft


def _pending(row: TimerRow) -> bool:
    return row.timer.fired_at is None and row.timer.cancelled_at is None


class FakeTimers(_Repository):
    async def add(self, timer: Timer) -> Timer:
        timer.id = self._uow.database.next_id("timers")
        self._uow.put("timers", timer.id, TimerRow(timer))
        return timer

    def _rows(self, where: Callable[[TimerRow], bool]) -> list[TimerRow]:
        return self._uow.select("timers", where)

    async def cancel(self, subject: Subject, kinds: tuple[TimerKind, ...], now: datetime) -> int:
        rows = self._rows(
            lambda r: _pending(r) and r.timer.subject == subject and r.timer.kind in kinds
        )
        for row in rows:
            row.timer.cancelled_at = now
            self._uow.put("timers", row.timer.id, row)
        return len(rows)

    async def due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> list[tuple[datetime, int]]:
        found = sorted(
            (r.timer.due_at, r.timer.id or 0)
            for r in self._rows(lambda r: _pending(r) and r.timer.due_at <= now)
        )
        return [key for key in found if after is None or key > after][:limit]

    async def next_due(self, after: datetime) -> datetime | None:
        found = [
            r.timer.due_at for r in self._rows(lambda r: _pending(r) and r.timer.due_at > after)
        ]
        return min(found, default=None)

    async def claim_due(self, department_id: int, kind: TimerKind, now: datetime) -> list[int]:
        rows = self._rows(
            lambda r: (
                _pending(r)
                and r.timer.department_id == department_id
                and r.timer.kind is kind
                and r.timer.due_at <= now
            )
        )
        for row in rows:
            row.timer.fired_at = now
            self._uow.put("timers", row.timer.id, row)
        return [row.timer.id for row in rows]

    async def claim(self, timer_id: int, now: datetime) -> Timer | None:
        row = self._uow.row("timers", timer_id)
        if row is None or not _pending(row):
            return None
        row.timer.fired_at = now
        self._uow.put("timers", timer_id, row)
        return row.timer

    async def pending(self, subject: Subject) -> list[Timer]:
        return [r.timer for r in self._rows(lambda r: _pending(r) and r.timer.subject == subject)]

    async def overdue_unassigned(self, department_id: int) -> list[tuple[int, int, bool]]:
        leads = self._uow.view("leads")

        def still_new(row: TimerRow) -> bool:
            lead = leads.get(row.timer.subject.id)
            return lead is not None and lead.status is LeadStatus.NEW

        rows = self._rows(
            lambda r: (
                r.timer.subject.kind is SubjectKind.LEAD
                and r.timer.department_id == department_id
                and r.timer.kind is TimerKind.UNASSIGNED
                and r.timer.fired_at is not None
                and still_new(r)
            )
        )
        rows.sort(key=lambda r: r.timer.subject.id)
        return [(r.timer.id or 0, r.timer.subject.id, r.escalation_id is not None) for r in rows]

    async def mark_reported(self, timer_ids: list[int], escalation_id: int) -> None:
        for row in self._rows(lambda r: r.timer.id in timer_ids):
            self._uow.put("timers", row.timer.id, replace(row, escalation_id=escalation_id))

    async def subjects_with_pending(
        self, department_id: int, kinds: tuple[TimerKind, ...]
    ) -> list[Subject]:
        found = {
            r.timer.subject
            for r in self._rows(
                lambda r: (
                    _pending(r) and r.timer.department_id == department_id and r.timer.kind in kinds
                )
            )
        }
        return sorted(found, key=lambda s: (s.kind.value, s.id))


class FakeEscalations(_Repository):
    async def add(self, escalation: Escalation) -> Escalation:
        return self._uow.insert("escalations", escalation)

    async def get(self, escalation_id: int) -> Escalation | None:
        return self._uow.row("escalations", escalation_id)

    async def mark(self, escalation_id: int, remedy: Remedy, by: int, now: datetime) -> bool:
        stored = self._uow.row("escalations", escalation_id)
        if stored is None or getattr(stored, f"{remedy.value}_at") is not None:
            return False
        marked = replace(stored, **{f"{remedy.value}_at": now, f"{remedy.value}_by": by})
        self._uow.put("escalations", escalation_id, marked)
        return True

    async def resolve(self, escalation_id: int, by: int, resolution: str, now: datetime) -> bool:
        stored = self._uow.row("escalations", escalation_id)
        if stored is None or stored.resolved_at is not None:
            return False
        resolved = replace(stored, resolved_at=now, resolved_by=by, resolution=resolution[:500])
        self._uow.put("escalations", escalation_id, resolved)
        return True


class FakePenalties(_Repository):
    async def add(self, penalty: Penalty) -> Penalty:
        return self._uow.insert("penalties", penalty)

    async def between(
        self, department_id: int | None, start: datetime, end: datetime
    ) -> list[Penalty]:
        found = self._uow.select(
            "penalties",
            lambda p: (
                start <= p.created_at < end
                and (department_id is None or p.department_id == department_id)
            ),
        )
        return sorted(found, key=lambda p: p.created_at)


_SETTINGS = {
    "contact_sla_minutes": "contact",
    "processing_deadline_minutes": "processing",
    "unassigned_limit_minutes": "unassigned",
}


class FakeSla(_Repository):
    async def policy(self, department_id: int) -> SlaPolicy:
        policy = self._uow.database.sla_defaults
        for name, minutes in (self._uow.row("settings", department_id) or {}).items():
            policy = replace(policy, **{_SETTINGS[name]: timedelta(minutes=minutes)})
        return policy

    async def set_minutes(self, department_id: int, name: str, minutes: float) -> None:
        assert name in _SETTINGS, name
        values = self._uow.row("settings", department_id) or {}
        self._uow.put("settings", department_id, {**values, name: minutes})

    async def checklist_required(self, department_id: int) -> bool:
        return bool(self._uow.row("checklist_required", department_id))

    async def set_checklist_required(self, department_id: int, required: bool) -> None:
        self._uow.put("checklist_required", department_id, required)


class FakeChecklists(_Repository):
    async def add(self, checklist: Checklist, now: datetime, by: int | None) -> Checklist:
        saved = replace(checklist, id=self._uow.database.next_id("checklists"))
        self._uow.put("checklists", saved.id, ChecklistRow(saved, now, by))
        return saved

    async def get(self, checklist_id: int) -> Checklist | None:
        row = self._uow.row("checklists", checklist_id)
        return row.checklist if row else None

    async def active_for(self, department_id: int) -> Checklist | None:
        for department in (department_id, None):
            rows = self._uow.select(
                "checklists", lambda r, d=department: r.checklist.department_id == d
            )
            if rows:
                return rows[-1].checklist
        return None

    async def has_default(self) -> bool:
        return bool(self._uow.select("checklists", lambda r: r.checklist.department_id is None))


def _found_by(terms: set[str], prefixes: tuple[str, ...]) -> bool:
    return all(any(term.startswith(prefix) for term in terms) for prefix in prefixes)


class FakeSearch(_Repository):
    """Terms computed from the rows at each search: what the SQL one keeps written."""

    async def leads(self, query: SearchQuery, scope: SearchScope, limit: int) -> list[Lead]:
        prefixes = query.prefixes
        companies = {
            c.id
            for c in self._uow.select("companies")
            if _found_by(search.terms(names=(c.name,)), prefixes)
        }
        contacts = {
            c.id
            for c in self._uow.select("contacts")
            if _found_by(
                search.terms(names=(c.full_name,), phones=(c.phone,), emails=(c.email,)), prefixes
            )
        }
        deals = {
            d.id
            for d in self._uow.select("deals")
            if d.company_id in companies or d.contact_id in contacts
        }

        def where(lead: Lead) -> bool:
            if scope.department_id is not None and lead.department_id != scope.department_id:
                return False
            if scope.responsible_id is not None and lead.responsible_id != scope.responsible_id:
                return False
            terms = search.lead_terms(
                lead.company_name, lead.contact_name, lead.contact_last_name, lead.phone, lead.email
            )
            return _found_by(terms, prefixes) or lead.deal_id in deals

        found = self._uow.select("leads", where)
        found.sort(key=lambda lead: (lead.status.is_final, -(lead.id or 0)))
        return found[:limit]

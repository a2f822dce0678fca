"""Leads, their history (R2.8) and the drafts a forwarded message makes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Update,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from domain import search
from domain.assignment import AssignMode
from domain.deadlines import Deadlines
from domain.errors import DuplicateExternalId
from domain.model import (
    Lead,
    LeadDraft,
    LeadEvent,
    LeadSource,
    SubjectKind,
    TimerKind,
)
from domain.ports import LEAD_UPDATE_FIELDS, LeadQuery
from domain.statuses import OPEN_STAGES, LeadStatus
from storage.base import SqlRepository
from storage.repositories.companies import company_key
from storage.repositories.terms import write_terms
from storage.tables import (
    LeadDraftRow,
    LeadEventRow,
    LeadRow,
    TimerRow,
)
from storage.types import UTCDateTime

_OPEN = tuple(s.value for s in OPEN_STAGES)


ANY = ...  # `update_if(expected_responsible=ANY)`: do not check the responsible


# Ties of urgency: the contact clock of ASSIGNED runs, then work in progress.
_STAGE_ORDER = case(
    {LeadStatus.ASSIGNED.value: 0, LeadStatus.IN_PROCESS.value: 1, LeadStatus.PROCESSED.value: 2},
    value=LeadRow.status,
    else_=3,
)


def _searched(lead: Lead) -> tuple[str | None, ...]:
    """What a lead's search terms are made of (#14 §1)."""
    return (lead.company_name, lead.contact_name, lead.contact_last_name, lead.phone, lead.email)


def lead_of(row: Any) -> Lead:
    return _lead(row)


def _timer_due(kind: TimerKind, *where: ColumnElement[bool]) -> Any:
    """When the lead's timer of `kind` fires or fired (not one cancelled): the latest, as a
    new responsible's contact clock starts after the old one's ran out."""
    return (
        select(func.max(TimerRow.due_at))
        .where(
            TimerRow.subject_kind == SubjectKind.LEAD.value,
            TimerRow.subject_id == LeadRow.id,
            TimerRow.kind == kind.value,
            TimerRow.cancelled_at.is_(None),
            *where,
        )
        .correlate(LeadRow)
        .scalar_subquery()
    )


# What is due on a lead (domain.deadlines), each while its timer would still act on firing
# (domain.services.timers: `_awaits_contact`, `_unassigned`, `_processing_breach`).
_CONTACT_DUE = case(
    (
        and_(
            LeadRow.status == LeadStatus.ASSIGNED.value,
            LeadRow.first_contact_at.is_(None),
            LeadRow.notified_at.is_not(None),
        ),
        _timer_due(TimerKind.CONTACT_BREACH, TimerRow.member_id == LeadRow.responsible_id),
    )
)
_ASSIGN_DUE = case(
    (LeadRow.status == LeadStatus.NEW.value, _timer_due(TimerKind.UNASSIGNED)),
)
_PROCESSING_DUE = case(
    (LeadRow.status.in_(_OPEN), _timer_due(TimerKind.PROCESSING_BREACH)),
)
_CALL_DUE = case((LeadRow.status.in_(_OPEN), LeadRow.next_contact_at))
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)


class _least(FunctionElement[datetime]):
    """The earliest of the values given, each of them set."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(_least)
def _least_sql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(_least, "sqlite")
def _least_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"MIN({compiler.process(element.clauses, **kw)})"


# The nearest moment anything is due (Deadlines.first), `_NEVER` when nothing is.
_FIRST_DUE = _least(
    *(
        func.coalesce(due, literal(_NEVER, UTCDateTime()))
        for due in (_CONTACT_DUE, _ASSIGN_DUE, _PROCESSING_DUE, _CALL_DUE)
    )
)


def _lead(row: LeadRow) -> Lead:
    return Lead(
        id=row.id,
        title=row.title,
        title_is_auto=row.title_is_auto,
        source=LeadSource(row.source),
        status=LeadStatus(row.status),
        status_changed_at=row.status_changed_at,
        department_id=row.department_id,
        company_name=row.company_name,
        contact_name=row.contact_name,
        contact_last_name=row.contact_last_name,
        position=row.position,
        phone=row.phone,
        email=row.email,
        website=row.website,
        address=row.address,
        comment=row.comment,
        external_id=row.external_id,
        responsible_id=row.responsible_id,
        creator_id=row.creator_id,
        assigned_by_id=row.assigned_by_id,
        assigned_how=AssignMode(row.assigned_how) if row.assigned_how else None,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        notified_at=row.notified_at,
        first_contact_at=row.first_contact_at,
        next_contact_at=row.next_contact_at,
        junk_reason=row.junk_reason,
        checklist_answers=dict(row.checklist_answers or {}),
        checklist_id=row.checklist_id,
        checklist_cursor=row.checklist_cursor,
        version=row.version,
        deal_id=row.deal_id,
    )


def _conditional_update(responsible: Any) -> Update:
    """update_if's statement, built once per kind of responsible check: building one (two
    dozen values coerced into bind parameters) cost more than running it. It does not
    synchronise the session's copy of the row (a search per statement); update_if expires it."""
    statement = update(LeadRow).where(
        LeadRow.id == bindparam("w_id"),
        LeadRow.version == bindparam("w_version"),
        LeadRow.status == bindparam("w_status"),
    )
    if responsible is None:
        statement = statement.where(LeadRow.responsible_id.is_(None))
    elif responsible is not ANY:
        statement = statement.where(LeadRow.responsible_id == bindparam("w_responsible"))
    columns = (*LEAD_UPDATE_FIELDS, "company_key", "version")
    return (
        statement.values({name: bindparam(name) for name in columns})
        .returning(LeadRow.id)
        .execution_options(synchronize_session=False)
    )


_UPDATE_IF = {kind: _conditional_update(kind) for kind in (ANY, None, "responsible")}


# Run on every press: built once, read as plain rows (no ORM object to track).
_GET = select(LeadRow.__table__).where(LeadRow.id == bindparam("w_id"))


_ADD_EVENT = insert(LeadEventRow.__table__)


# /settings' hold on a lead (`lock`): an UPDATE that changes nothing.
_LOCK = (
    update(LeadRow)
    .where(LeadRow.id == bindparam("w_id"))
    .values(version=LeadRow.version)
    .returning(LeadRow)
)


def _values(lead: Lead) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LEAD_UPDATE_FIELDS}
    values["status"] = lead.status.value
    values["assigned_how"] = lead.assigned_how.value if lead.assigned_how else None
    values["company_key"] = company_key(lead.company_name)
    return values


class SqlLeadRepository(SqlRepository):
    def __init__(self, session: Any) -> None:
        super().__init__(session)
        # What each lead read here was searched by: a write that changes none of it leaves
        # its search terms alone (#14 §1).
        self._searched: dict[int, tuple[str | None, ...]] = {}

    def _read(self, lead: Lead) -> Lead:
        assert lead.id is not None
        self._searched[lead.id] = _searched(lead)
        return lead

    async def add(self, lead: Lead) -> Lead:
        row = LeadRow(
            **_values(lead),
            source=lead.source.value,
            department_id=lead.department_id,
            external_id=lead.external_id,
            creator_id=lead.creator_id,
            created_at=lead.created_at,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            if lead.external_id:
                raise DuplicateExternalId(lead.external_id) from None
            raise
        lead.id = row.id
        await write_terms(
            self._session, "lead", row.id, search.lead_terms(*_searched(lead)), fresh=True
        )
        return self._read(lead)

    async def get(self, lead_id: int) -> Lead | None:
        row = (await self._session.execute(_GET, {"w_id": lead_id})).first()
        return self._read(_lead(row)) if row else None

    async def lock(self, lead_id: int) -> Lead | None:
        # An UPDATE that changes nothing: on PostgreSQL the lock of a use case's own UPDATE
        # of the lead (not the KEY SHARE of a row inserted with its id); on SQLite the write
        # lock, which a SELECT FOR UPDATE would not take (it begins no transaction there).
        row = await self._session.scalar(
            _LOCK, {"w_id": lead_id}, execution_options={"populate_existing": True}
        )
        return self._read(_lead(row)) if row else None

    async def by_external_id(self, external_id: str) -> Lead | None:
        row = await self._session.scalar(select(LeadRow).where(LeadRow.external_id == external_id))
        return _lead(row) if row else None

    async def update_if(
        self, lead: Lead, *, expected_status: LeadStatus, expected_responsible: Any = ANY
    ) -> bool:
        """Write the lead if nobody changed it since it was read (its version) and its
        status (and responsible) are as expected: one conditional UPDATE."""
        params = {
            **_values(lead),
            "version": lead.version + 1,
            "w_id": lead.id,
            "w_version": lead.version,
            "w_status": expected_status.value,
        }
        if expected_responsible is ANY or expected_responsible is None:
            statement = _UPDATE_IF[expected_responsible]
        else:
            statement = _UPDATE_IF["responsible"]
            params["w_responsible"] = expected_responsible
        result = await self._session.execute(statement, params)
        if result.first() is None:
            return False
        lead.version += 1
        if self._searched.get(lead.id) != _searched(lead):
            await write_terms(
                self._session, "lead", lead.id, search.lead_terms(*_searched(lead)), fresh=False
            )
            self._read(lead)
        # The statement leaves the session's copy as it was: the next read loads it afresh.
        loaded = self._session.identity_map.get(self._session.identity_key(LeadRow, lead.id))
        if loaded is not None:
            self._session.expire(loaded)
        return True

    async def set_notified(self, lead_id: int, responsible_id: int, at: datetime | None) -> bool:
        statement = update(LeadRow).where(
            LeadRow.id == lead_id, LeadRow.responsible_id == responsible_id
        )
        if at is not None:
            statement = statement.where(
                LeadRow.notified_at.is_(None),
                LeadRow.status == LeadStatus.ASSIGNED.value,
                LeadRow.first_contact_at.is_(None),
            )
        result = await self._session.execute(statement.values(notified_at=at).returning(LeadRow.id))
        return result.first() is not None

    def _where(self, query: LeadQuery) -> list[Any]:
        where: list[Any] = []
        if query.department_id is not None:
            where.append(LeadRow.department_id == query.department_id)
        if query.responsible_id is not None:
            where.append(LeadRow.responsible_id == query.responsible_id)
        if query.unassigned:
            where.append(LeadRow.responsible_id.is_(None))
        if query.statuses:
            where.append(LeadRow.status.in_([s.value for s in query.statuses]))
        return where

    async def find(self, query: LeadQuery) -> tuple[list[Lead], int]:
        where = self._where(query)
        rows = await self._session.scalars(
            select(LeadRow)
            .where(*where)
            .order_by(_FIRST_DUE, _STAGE_ORDER, LeadRow.created_at, LeadRow.id)
            .offset(query.offset)
            .limit(query.limit)
        )
        total = await self._session.scalar(select(func.count()).select_from(LeadRow).where(*where))
        return [_lead(row) for row in rows], int(total or 0)

    async def count_urgent(
        self, query: LeadQuery, now: datetime, day: tuple[datetime, datetime]
    ) -> tuple[int, int]:
        at, start, end = (literal(moment, UTCDateTime()) for moment in (now, *day))
        overdue = case((at >= _FIRST_DUE, 1), else_=0)
        today = case((and_(start <= _CALL_DUE, end > _CALL_DUE), 1), else_=0)
        row = (
            await self._session.execute(
                select(
                    func.coalesce(func.sum(overdue), 0), func.coalesce(func.sum(today), 0)
                ).where(*self._where(query))
            )
        ).one()
        return int(row[0]), int(row[1])

    async def deadlines(self, lead_ids: list[int]) -> dict[int, Deadlines]:
        if not lead_ids:
            return {}
        rows = await self._session.execute(
            select(
                LeadRow.id,
                _CONTACT_DUE.label("contact"),
                _ASSIGN_DUE.label("assign"),
                _PROCESSING_DUE.label("processing"),
                _CALL_DUE.label("call"),
            ).where(LeadRow.id.in_(lead_ids))
        )
        return {
            row.id: Deadlines(row.contact, row.assign, row.processing, row.call) for row in rows
        }

    async def count_by_status(
        self, department_id: int | None, responsible_id: int | None
    ) -> dict[LeadStatus, int]:
        statement = select(LeadRow.status, func.count()).group_by(LeadRow.status)
        if department_id is not None:
            statement = statement.where(LeadRow.department_id == department_id)
        if responsible_id is not None:
            statement = statement.where(LeadRow.responsible_id == responsible_id)
        rows = await self._session.execute(statement)
        return {LeadStatus(status): count for status, count in rows}

    async def count_by_responsible(self, department_id: int) -> dict[int, int]:
        rows = await self._session.execute(
            select(LeadRow.responsible_id, func.count())
            .where(
                LeadRow.department_id == department_id,
                LeadRow.status.in_(_OPEN),
                LeadRow.responsible_id.is_not(None),
            )
            .group_by(LeadRow.responsible_id)
        )
        return {member_id: count for member_id, count in rows}

    async def open_matches(
        self,
        *,
        department_id: int,
        exclude_id: int | None,
        phone: str | None,
        email: str | None,
        company_key: str | None,
    ) -> list[Lead]:
        alike = [
            column == value
            for column, value in (
                (LeadRow.phone, phone),
                (LeadRow.email, email),
                (LeadRow.company_key, company_key),
            )
            if value
        ]
        if not alike:
            return []
        statement = select(LeadRow).where(
            or_(*alike), LeadRow.status.in_(_OPEN), LeadRow.department_id == department_id
        )
        if exclude_id is not None:
            statement = statement.where(LeadRow.id != exclude_id)
        rows = await self._session.scalars(statement.order_by(LeadRow.id).limit(5))
        return [_lead(row) for row in rows]


class SqlLeadEventRepository(SqlRepository):
    async def add(self, event: LeadEvent) -> None:
        await self._session.execute(
            _ADD_EVENT,
            {
                "lead_id": event.lead_id,
                "at": event.at,
                "actor_id": event.actor_id,
                "kind": event.kind,
                "field_name": event.field_name,
                "old_value": event.old_value,
                "new_value": event.new_value,
            },
        )

    async def latest(self, lead_id: int, limit: int, offset: int = 0) -> list[LeadEvent]:
        rows = await self._session.scalars(
            select(LeadEventRow)
            .where(LeadEventRow.lead_id == lead_id)
            .order_by(LeadEventRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [
            LeadEvent(
                id=r.id,
                lead_id=r.lead_id,
                at=r.at,
                actor_id=r.actor_id,
                kind=r.kind,
                field_name=r.field_name,
                old_value=r.old_value,
                new_value=r.new_value,
            )
            for r in rows
        ]

    async def count(self, lead_id: int) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(LeadEventRow).where(LeadEventRow.lead_id == lead_id)
        )
        return int(count or 0)


class SqlDraftRepository(SqlRepository):
    async def add(self, draft: LeadDraft) -> LeadDraft:
        row = LeadDraftRow(
            member_id=draft.member_id, fields=draft.fields, created_at=draft.created_at
        )
        await self._insert(row)
        draft.id = row.id
        return draft

    async def take(self, draft_id: int, member_id: int) -> LeadDraft | None:
        row = await self._session.scalar(
            delete(LeadDraftRow)
            .where(LeadDraftRow.id == draft_id, LeadDraftRow.member_id == member_id)
            .returning(LeadDraftRow)
        )
        if row is None:
            return None
        return LeadDraft(
            id=row.id, member_id=row.member_id, fields=dict(row.fields), created_at=row.created_at
        )

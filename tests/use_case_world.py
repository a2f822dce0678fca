"""A sales department on the fake unit of work, for the use-case tests (no database)."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.lead_fields import LeadField
from domain.model import Department, Lead, LeadEvent, LeadSource, Member, Role, Subject
from domain.services import leads
from domain.sla import DEFAULT_SLA, WorkSchedule
from tests.fake_uow import FakeDatabase

ZONE = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday, 12:00 in Moscow: working hours
# The company order's defaults (R2.15 15 min, R2.2 60 min, R2.14 10 min), the clocks always
# running unless a test asks for working hours.
ALWAYS = replace(DEFAULT_SLA, schedule=WorkSchedule(ZONE, always=True))


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@dataclass
class World:
    db: FakeDatabase
    sales: int
    retail: int
    admin: Member
    boss: Member  # the sales department's supervisor
    office: Member  # its office manager
    anna: Member  # its managers
    boris: Member
    gone: Member  # a manager switched off
    foreign: Member  # the retail department's supervisor
    stranger: Member  # a retail manager

    def snapshot(self) -> dict[str, Any]:
        """Everything stored: a refusal leaves it equal."""
        return deepcopy(self.db.tables)

    async def lead(self, lead_id: int) -> Lead:
        async with self.db() as uow:
            lead = await uow.leads.get(lead_id)
        assert lead is not None
        return lead

    def history(self, lead_id: int, after: int = 0) -> list[tuple[Any, ...]]:
        """The lead's history rows (R2.8) as (kind, field, old, new, actor), oldest first."""
        return [_line(e) for e in self.db.events(lead_id)[after:]]

    def lines(self, lead_id: int, after: int = 0) -> list[tuple[Any, ...]]:
        """The history rows with their time: (at, kind, field, old, new, actor)."""
        return [(e.at, *_line(e)) for e in self.db.events(lead_id)[after:]]

    def timers(self, lead_id: int) -> list[tuple[Any, ...]]:
        """The lead's pending timers as (kind, due, member), by due time."""
        return sorted(
            ((t.kind.value, t.due_at, t.member_id) for t in self.db.timers(Subject.lead(lead_id))),
            key=lambda t: (t[1], t[0]),
        )

    def sent(self, after: int = 0) -> list[tuple[Any, ...]]:
        """The outbox rows written since `after` rows: (member, kind, subject, fresh, text)."""
        return [
            (n.member_id, n.kind.value, n.subject, n.fresh, n.text)
            for n in self.db.outbox()[after:]
        ]

    def marks(self, lead_id: int) -> tuple[int, int]:
        return len(self.db.events(lead_id)), len(self.db.outbox())


def _line(event: LeadEvent) -> tuple[Any, ...]:
    return (event.kind, event.field_name, event.old_value, event.new_value, event.actor_id)


async def make_world(**sla: Any) -> World:
    db = FakeDatabase(replace(ALWAYS, **sla))
    async with db() as uow:
        sales = (await uow.departments.add(Department("Продажи"))).id or 0
        retail = (await uow.departments.add(Department("Розница"))).id or 0
        people = {}
        for n, (key, name, role, department, active) in enumerate(
            (
                ("admin", "Админов Адам", Role.ADMIN, None, True),
                ("boss", "Шефов Шеф", Role.SUPERVISOR, sales, True),
                ("office", "Офисова Ольга", Role.OFFICE_MANAGER, sales, True),
                ("anna", "Аннова Анна", Role.MANAGER, sales, True),
                ("boris", "Бобров Борис", Role.MANAGER, sales, True),
                ("gone", "Ушедший Уже", Role.MANAGER, sales, False),
                ("foreign", "Чужов Чин", Role.SUPERVISOR, retail, True),
                ("stranger", "Чужой Чук", Role.MANAGER, retail, True),
            ),
            start=1,
        ):
            people[key] = await uow.members.add(
                Member(100 + n, name, role, department, active=active, created_at=NOW)
            )
        await uow.commit()
    return World(db, sales, retail, **people)


async def web_lead(w: World, now: datetime = NOW, **values: str) -> Lead:
    """A lead from the website (R2.3): nobody holds it, it waits in the pool (R2.11)."""
    fields = {LeadField(k): v for k, v in (values or {"name": "Иван"}).items()}
    async with w.db() as uow:
        intake = await leads.create_lead(
            uow,
            values=fields,
            source=LeadSource.WEB,
            department_id=w.sales,
            creator=None,
            now=now,
        )
    return intake.lead


async def assigned_lead(
    w: World, manager: Member | None = None, now: datetime = NOW, **values: str
) -> Lead:
    """A web lead the office manager gave to `manager` (Anna by default) at `now`."""
    lead = await web_lead(w, now, **values)
    async with w.db() as uow:
        return await leads.assign_lead(
            uow, w.office, lead.id or 0, (manager or w.anna).id or 0, now
        )

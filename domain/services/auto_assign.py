"""Leads that assign themselves (#14 §6): the department's mode, set in /settings, and the
manager the bot picks for a new lead from outside.

The pick holds the department's turn (`take_turn`) to the end of the intake's transaction and
moves it on in the same transaction as the assignment: two intakes at once, in two
processes, take their turns one after the other, and a restart keeps the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.assignment import AssignMode, Candidate, Routing, choose
from domain.errors import NotAllowed, NotFound
from domain.model import ASSIGNABLE_ROLES, Department, Member, Role
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.sla import WorkSchedule

REFUSAL = "Настройки отдела меняют руководитель отдела и администратор."


@dataclass(frozen=True)
class Pick:
    manager: Member
    mode: AssignMode


def settable_departments(actor: Member) -> list[int] | None:
    """The department whose mode `actor` sets (his own); None for an admin of none, who sets
    every department's. Anyone else is refused."""
    if not may(actor, Action.CHANGE_SETTINGS, department_id=actor.department_id):
        raise NotAllowed(REFUSAL)
    if actor.department_id is None:
        if actor.role is not Role.ADMIN:
            raise NotAllowed(REFUSAL)
        return None
    return [actor.department_id]


@dataclass(frozen=True)
class DepartmentRouting:
    """What /settings shows of a department's mode."""

    department: Department
    routing: Routing
    hours: WorkSchedule  # everyone's: the company's


async def _view(uow: UnitOfWork, department: Department) -> DepartmentRouting:
    assert department.id is not None
    return DepartmentRouting(
        department,
        await uow.departments.routing(department.id),
        (await uow.sla.policy(department.id)).schedule,
    )


async def routings(uow: UnitOfWork, actor: Member) -> list[DepartmentRouting]:
    """The mode of every department `actor` sets it for."""
    own = settable_departments(actor)
    return [
        await _view(uow, department)
        for department in await uow.departments.all()
        if own is None or department.id in own
    ]


async def set_mode(
    uow: UnitOfWork, actor: Member, department_id: int, mode: AssignMode
) -> DepartmentRouting:
    """A supervisor of the department, or an admin, chooses how its new leads find a manager."""
    if not may(actor, Action.CHANGE_SETTINGS, department_id=department_id):
        raise NotAllowed(REFUSAL)
    department = await uow.departments.get(department_id)
    if department is None:
        raise NotFound("Этого отдела больше нет.")
    await uow.departments.set_mode(department_id, mode)
    await uow.commit()
    return await _view(uow, department)


async def pick(uow: UnitOfWork, department_id: int, now: datetime) -> Pick | None:
    """The manager a new lead of the department goes to, its turn taken; None when the
    department assigns by hand or nobody can take the lead now (it waits in the pool).
    Everyone works the company's hours: there are no hours of one's own yet."""
    routing = await uow.departments.take_turn(department_id)
    if routing.mode is AssignMode.MANUAL:
        return None
    # Read after the turn is held: a lead another intake gave meanwhile is counted.
    managers = [
        m
        for m in await uow.members.in_department(department_id)
        if m.role in ASSIGNABLE_ROLES and m.id is not None
    ]
    load = await uow.leads.count_by_responsible(department_id)
    hours = (await uow.sla.policy(department_id)).schedule
    candidates = [
        Candidate(m.id or 0, m.active, m.blocked_at is not None, load.get(m.id or 0, 0), hours)
        for m in managers
    ]
    choice = choose(routing.mode, candidates, routing.last_member_id, now)
    if choice.member_id is None:
        return None
    await uow.departments.turn_taken(department_id, choice.member_id)
    manager = next(m for m in managers if m.id == choice.member_id)
    return Pick(manager, routing.mode)

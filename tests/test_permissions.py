"""The Roles table of domain-rules.md, asked through one function."""

from datetime import UTC, datetime

import pytest

from domain.errors import NotAllowed
from domain.model import Lead, LeadSource, Member, Role
from domain.permissions import Action, may, may_invite, require

SALES, RETAIL = 1, 2


def member(role: Role, department: int | None = SALES, member_id: int = 10, **kw: object) -> Member:
    return Member(
        telegram_id=member_id,
        full_name="x",
        role=role,
        department_id=department,
        id=member_id,
        **kw,
    )  # type: ignore[arg-type]


def lead(responsible: int | None = 10, department: int = SALES) -> Lead:
    return Lead(
        title="t",
        source=LeadSource.WEB,
        department_id=department,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        responsible_id=responsible,
    )


def test_manager_works_only_his_own_leads() -> None:
    manager = member(Role.MANAGER)
    assert may(manager, Action.WORK_LEAD, lead=lead(responsible=10))
    assert may(manager, Action.VIEW_LEAD, lead=lead(responsible=10))
    assert not may(manager, Action.WORK_LEAD, lead=lead(responsible=11))
    assert not may(manager, Action.VIEW_LEAD, lead=lead(responsible=None))
    assert not may(manager, Action.ASSIGN_LEAD, lead=lead(responsible=10))
    assert not may(manager, Action.MOVE_LEAD_BACK, lead=lead(responsible=10))
    assert may(manager, Action.CREATE_LEAD, department_id=SALES)
    with pytest.raises(NotAllowed, match="Это не ваш лид"):
        require(manager, Action.WORK_LEAD, lead=lead(responsible=11))


def test_office_manager_assigns_in_his_department() -> None:
    office = member(Role.OFFICE_MANAGER)
    assert may(office, Action.ASSIGN_LEAD, lead=lead(responsible=None))
    assert may(office, Action.VIEW_LEAD, lead=lead(responsible=11))
    assert not may(office, Action.WORK_LEAD, lead=lead(responsible=11))
    assert not may(office, Action.REASSIGN_LEAD, lead=lead(responsible=11))
    assert not may(office, Action.ASSIGN_LEAD, lead=lead(responsible=None, department=RETAIL))


def test_only_a_supervisor_or_admin_records_penalties() -> None:
    """R2.2 and the Roles table: penalties are the supervisor's; an office manager assigns
    leads, a manager works his own: neither records a penalty, not even on his own lead."""
    for role in (Role.OFFICE_MANAGER, Role.MANAGER):
        someone = member(role)
        assert not may(someone, Action.PENALIZE, department_id=SALES)
        assert not may(someone, Action.PENALIZE, lead=lead(responsible=10))
        with pytest.raises(NotAllowed):
            require(someone, Action.PENALIZE, department_id=SALES)
    assert may(member(Role.SUPERVISOR), Action.PENALIZE, department_id=SALES)
    assert not may(member(Role.SUPERVISOR), Action.PENALIZE, department_id=RETAIL)
    assert may(member(Role.ADMIN, department=None), Action.PENALIZE, department_id=RETAIL)


def test_supervisor_does_everything_in_his_department_only() -> None:
    boss = member(Role.SUPERVISOR)
    for action in (
        Action.WORK_LEAD,
        Action.ASSIGN_LEAD,
        Action.REASSIGN_LEAD,
        Action.MOVE_LEAD_BACK,
        Action.PENALIZE,
    ):
        assert may(boss, action, lead=lead(responsible=11))
        assert not may(boss, action, lead=lead(responsible=11, department=RETAIL))
    assert may(boss, Action.CHANGE_SETTINGS, department_id=SALES)
    assert not may(boss, Action.CREATE_DEPARTMENT)


def test_admin_does_everything() -> None:
    admin = member(Role.ADMIN, department=None)
    assert all(
        may(admin, action, lead=lead(responsible=11, department=RETAIL)) for action in Action
    )


def test_inactive_member_may_nothing() -> None:
    for role in Role:
        gone = member(role, active=False)
        assert not any(may(gone, action, lead=lead()) for action in Action)


def test_who_invites_whom() -> None:
    admin, boss, manager = member(Role.ADMIN, None), member(Role.SUPERVISOR), member(Role.MANAGER)
    assert may_invite(admin, Role.SUPERVISOR, RETAIL)
    assert may_invite(boss, Role.MANAGER, SALES)
    assert may_invite(boss, Role.OFFICE_MANAGER, SALES)
    assert not may_invite(boss, Role.SUPERVISOR, SALES)
    assert not may_invite(boss, Role.MANAGER, RETAIL)
    assert not may_invite(manager, Role.MANAGER, SALES)

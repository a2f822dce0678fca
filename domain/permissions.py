"""The Roles table of domain-rules.md in one place: may this member do this?"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import NotAllowed
from domain.model import Lead, Member, Role


class Action(StrEnum):
    VIEW_LEAD = "view_lead"
    WORK_LEAD = "work_lead"  # status, fields, checklist, conversion, junk
    CREATE_LEAD = "create_lead"
    ASSIGN_LEAD = "assign_lead"
    REASSIGN_LEAD = "reassign_lead"
    MOVE_LEAD_BACK = "move_lead_back"
    PENALIZE = "penalize"
    CHANGE_SETTINGS = "change_settings"
    INVITE = "invite"
    MANAGE_TEAM = "manage_team"
    CREATE_DEPARTMENT = "create_department"


_DEPARTMENT_WIDE = {
    Role.SUPERVISOR: frozenset(Action) - {Action.CREATE_DEPARTMENT},
    Role.OFFICE_MANAGER: frozenset({Action.VIEW_LEAD, Action.CREATE_LEAD, Action.ASSIGN_LEAD}),
    Role.MANAGER: frozenset({Action.CREATE_LEAD}),
}

# What a manager may do to a lead he is responsible for (the Roles table: "work the leads
# he is responsible for").
_OWN_LEAD = frozenset({Action.VIEW_LEAD, Action.WORK_LEAD})

# Which roles each role may invite (R1.1: the admin invites supervisors, a supervisor
# builds his department).
INVITABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.ADMIN: (Role.SUPERVISOR, Role.OFFICE_MANAGER, Role.MANAGER, Role.ADMIN),
    Role.SUPERVISOR: (Role.MANAGER, Role.OFFICE_MANAGER),
    Role.OFFICE_MANAGER: (),
    Role.MANAGER: (),
}


def may(
    member: Member,
    action: Action,
    *,
    lead: Lead | None = None,
    department_id: int | None = None,
) -> bool:
    """True when `member` may perform `action` on `lead` or within `department_id`."""
    if not member.active:
        return False
    if member.role is Role.ADMIN:
        return True
    target_department = lead.department_id if lead is not None else department_id
    if target_department is None:
        target_department = member.department_id  # "in his department"
    if target_department is None or target_department != member.department_id:
        return False
    if action in _DEPARTMENT_WIDE[member.role]:
        return True
    if lead is not None and lead.responsible_id == member.id:
        return action in _OWN_LEAD
    return False


def require(
    member: Member,
    action: Action,
    *,
    lead: Lead | None = None,
    department_id: int | None = None,
) -> None:
    """Raise NotAllowed unless `may(...)`."""
    if not may(member, action, lead=lead, department_id=department_id):
        if lead is not None:
            raise NotAllowed("Это не ваш лид: действие недоступно.")
        raise NotAllowed("Это действие вам недоступно.")


def may_invite(member: Member, role: Role, department_id: int | None) -> bool:
    if not may(member, Action.INVITE, department_id=department_id):
        return False
    return role in INVITABLE_ROLES[member.role]

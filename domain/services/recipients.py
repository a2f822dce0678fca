"""Who is told of a department's unassigned leads (R2.11) and of its breaches (R2.2, R2.14,
R2.15): its own people of the rule's roles who can be reached, else the admins (#12).

A firm run by its owner has managers and no supervisor or office manager: its new leads
(with «Назначить») and its escalations go to him, an admin, who may do everything. Nobody is
told who was switched off or who blocked the bot (Telegram refuses every message to him).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum

from domain.model import Member, Role
from domain.ports import UnitOfWork

log = logging.getLogger(__name__)


class Audience(StrEnum):
    POOL = "pool"  # new leads nobody holds yet, with «Назначить» (R2.11)
    BREACHES = "breaches"  # escalation cards (R2.2, R2.14, R2.15)


ROLES: dict[Audience, tuple[Role, ...]] = {
    Audience.POOL: (Role.OFFICE_MANAGER, Role.SUPERVISOR),
    Audience.BREACHES: (Role.SUPERVISOR,),
}
WHAT: dict[Audience, str] = {
    Audience.POOL: "новых лидах",
    Audience.BREACHES: "нарушениях сроков",
}

# The departments already logged as having nobody to tell, so that the log says so once and
# not once per lead; forgotten as soon as somebody can be told again. Process memory only: a
# restart says it once more, which is what a restart's log should.
_SILENT: set[tuple[int, Audience]] = set()


def reachable(member: Member) -> bool:
    return member.active and member.blocked_at is None


def _pick(
    members: Iterable[Member], department_id: int, audience: Audience, admins: list[Member]
) -> list[Member]:
    own = [
        m
        for m in members
        if m.department_id == department_id and m.role in ROLES[audience] and reachable(m)
    ]
    return own or admins


def _admins(members: Iterable[Member]) -> list[Member]:
    return [m for m in members if m.role is Role.ADMIN and reachable(m)]


async def told_of(uow: UnitOfWork, department_id: int, audience: Audience) -> list[Member]:
    """The people a new pool card or an escalation of the department goes to; an empty list
    (nobody at all can be reached) is logged as an error, once until it is over."""
    own = await uow.members.with_roles(department_id, ROLES[audience])
    people = _pick(own, department_id, audience, [])
    if not people:
        people = _admins(await uow.members.everyone())
    key = (department_id, audience)
    if people:
        _SILENT.discard(key)
    elif key not in _SILENT:
        _SILENT.add(key)
        department = await uow.departments.get(department_id)
        log.error(
            "department %r (#%s): nobody to tell of its %s: no %s nor admin is active and "
            "has not blocked the bot; leads are still taken, see GET /healthz",
            department.name if department else None,
            department_id,
            "new leads" if audience is Audience.POOL else "breaches",
            "supervisor, office manager" if audience is Audience.POOL else "supervisor",
        )
    return people


def warning(department_name: str, audience: Audience) -> str:
    return f"отдел «{department_name}»: некому сообщать о {WHAT[audience]}"


async def unreached(uow: UnitOfWork) -> list[str]:
    """For /healthz: every department and what nobody can be told of there, as it is now."""
    everyone = await uow.members.everyone()
    admins = _admins(everyone)
    found = []
    for department in sorted(await uow.departments.all(), key=lambda d: d.id or 0):
        assert department.id is not None
        for audience in Audience:
            if not _pick(everyone, department.id, audience, admins):
                found.append(warning(department.name, audience))
    return found


def forget() -> None:
    """Tests: start from a process that has logged nothing yet."""
    _SILENT.clear()

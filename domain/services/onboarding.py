"""Joining the team (R1.1, R1.2): invitations, profiles, deactivation."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import normalize
from domain.errors import InvalidInput, InvitationInvalid, NotAllowed, NotFound
from domain.model import Department, Invitation, Member, Profile, Role
from domain.permissions import Action, may_invite, require
from domain.ports import UnitOfWork

DEFAULT_INVITATION_TTL = timedelta(hours=72)
FULL_NAME_MAX = 128
POSITION_MAX = 128
DEPARTMENT_NAME_MAX = 64


def new_token() -> str:
    """A deep-link payload: 32 characters of A-Za-z0-9_- (Telegram allows up to 64)."""
    return secrets.token_urlsafe(24)


def parse_full_name(raw: str) -> str:
    return normalize.plain_text(raw, "full_name", "ФИО", FULL_NAME_MAX)


def parse_position(raw: str) -> str:
    return normalize.plain_text(raw, "position", "Должность", POSITION_MAX)


def parse_profile(full_name: str, phone: str, email: str, position: str) -> Profile:
    return Profile(
        full_name=parse_full_name(full_name),
        phone=normalize.phone(phone),
        email=normalize.email(email),
        position=parse_position(position),
    )


async def bootstrap_admin(
    uow: UnitOfWork, telegram_id: int, full_name: str, admin_ids: Iterable[int], now: datetime
) -> Member | None:
    """A person listed in ADMIN_IDS becomes admin at his first /start; None if not listed."""
    if telegram_id not in set(admin_ids):
        return None
    existing = await uow.members.by_telegram_id(telegram_id)
    if existing is not None:
        return existing
    member = await uow.members.add(
        Member(
            telegram_id=telegram_id,
            full_name=full_name.strip() or str(telegram_id),
            role=Role.ADMIN,
            department_id=None,
            created_at=now,
        )
    )
    await uow.commit()
    return member


async def wrote_again(uow: UnitOfWork, member: Member) -> None:
    """A member who had blocked the bot writes to it again: he can be reached (his messages
    are sent again, the assign buttons drop his 🚫)."""
    if member.blocked_at is None or member.id is None:
        return
    await uow.members.unblock(member.id)
    await uow.commit()
    member.blocked_at = None


async def has_admin(uow: UnitOfWork, admin_ids: Iterable[int]) -> bool:
    """Whether the bot has an admin, or one listed in ADMIN_IDS to become one at his first
    /start. Without, nobody can create a department or invite anyone: the owner must be
    told how to become the admin."""
    if any(True for _ in admin_ids):
        return True
    return any(member.role is Role.ADMIN for member in await uow.members.everyone())


async def _add_department(uow: UnitOfWork, actor: Member, raw_name: str) -> Department:
    require(actor, Action.CREATE_DEPARTMENT)
    name = normalize.plain_text(raw_name, "department", "Название отдела", DEPARTMENT_NAME_MAX)
    if await uow.departments.by_name(name) is not None:
        raise InvalidInput("department", f"Отдел «{name}» уже есть: выберите его из списка.")
    return await uow.departments.add(Department(name=name))


async def create_department(uow: UnitOfWork, actor: Member, raw_name: str) -> Department:
    department = await _add_department(uow, actor, raw_name)
    await uow.commit()
    return department


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    department: Department | None


async def issue_invitation(
    uow: UnitOfWork,
    actor: Member,
    role: Role,
    department_id: int | None,
    now: datetime,
    ttl: timedelta = DEFAULT_INVITATION_TTL,
    token_factory: Callable[[], str] = new_token,
    new_department: str | None = None,
) -> IssuedInvitation:
    """A single-use invitation for `role` in `department_id` that expires after `ttl`.

    With `new_department`, the admin's new department is created in the same transaction.
    """
    department = None
    if new_department is not None:
        department = await _add_department(uow, actor, new_department)
        department_id = department.id
    elif department_id is not None:
        department = await uow.departments.get(department_id)
        if department is None:
            raise NotFound("Такого отдела нет.")
    elif role is not Role.ADMIN:
        raise InvalidInput("department", "Выберите отдел для нового сотрудника.")
    if not may_invite(actor, role, department_id):
        raise NotAllowed(f"Вы не можете приглашать на роль «{role.label}» в этот отдел.")
    invitation = await uow.invitations.add(
        Invitation(
            token=token_factory(),
            role=role,
            department_id=department_id,
            created_by=actor.id or 0,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await uow.commit()
    return IssuedInvitation(invitation, department)


async def check_invitation(
    uow: UnitOfWork, token: str, telegram_id: int, now: datetime
) -> Invitation:
    """The invitation behind a deep link, if it can still be used by this person."""
    if await uow.members.by_telegram_id(telegram_id) is not None:
        raise InvitationInvalid("Вы уже в команде: приглашение не нужно.")
    invitation = await uow.invitations.by_token(token)
    if invitation is None:
        raise InvitationInvalid(
            "Приглашение не найдено. Проверьте ссылку или попросите руководителя выслать новую."
        )
    refusal = invitation.refusal(now)
    if refusal:
        raise InvitationInvalid(refusal)
    return invitation


async def accept_invitation(
    uow: UnitOfWork, token: str, telegram_id: int, profile: Profile, now: datetime
) -> Member:
    """Create the member and use up the invitation, atomically (R1.1)."""
    invitation = await check_invitation(uow, token, telegram_id, now)
    member = await uow.members.add(
        Member(
            telegram_id=telegram_id,
            full_name=profile.full_name,
            phone=profile.phone,
            email=profile.email,
            position=profile.position,
            role=invitation.role,
            department_id=invitation.department_id,
            created_at=now,
        )
    )
    assert member.id is not None
    if not await uow.invitations.claim(token, member.id, now):
        raise InvitationInvalid("Это приглашение уже использовано. Попросите новое.")
    await uow.commit()
    return member


async def update_profile(uow: UnitOfWork, member: Member, profile: Profile) -> Member:
    member.apply_profile(profile)
    await uow.members.save(member)
    await uow.commit()
    return member


async def list_team(uow: UnitOfWork, actor: Member) -> list[Member]:
    """The members the actor manages: his department, or everyone for an admin."""
    if actor.role is Role.ADMIN:
        return await uow.members.everyone()
    require(actor, Action.MANAGE_TEAM, department_id=actor.department_id)
    if actor.department_id is None:
        return []
    return await uow.members.in_department(actor.department_id)


async def deactivate_member(uow: UnitOfWork, actor: Member, member_id: int) -> Member:
    """From now on the member's messages and buttons are refused."""
    return await _switch(uow, actor, member_id, active=False)


async def reactivate_member(uow: UnitOfWork, actor: Member, member_id: int) -> Member:
    """Access given back (switched off by mistake, back from leave): he works as before,
    with the leads he still holds."""
    return await _switch(uow, actor, member_id, active=True)


async def _switch(uow: UnitOfWork, actor: Member, member_id: int, *, active: bool) -> Member:
    target = await uow.members.get(member_id)
    if target is None:
        raise NotFound("Сотрудник не найден.")
    require(actor, Action.MANAGE_TEAM, department_id=target.department_id)
    if target.id == actor.id:
        raise NotAllowed("Нельзя отключить самого себя.")  # and a member switched off is out
    if target.role is Role.ADMIN and actor.role is not Role.ADMIN:
        raise NotAllowed("Доступ администратора включает и отключает только администратор.")
    if target.active is active:
        return target
    target.active = active
    await uow.members.save(target)
    await uow.commit()
    return target

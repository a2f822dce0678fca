"""Issuing invitations: role, department, then a single-use deep link (R1.1)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.settings import Settings
from domain.errors import InvalidInput, NotAllowed
from domain.model import Member, Role
from domain.ports import Clock, UnitOfWork
from domain.services import onboarding
from handlers import views
from handlers.callbacks import NEW_DEPARTMENT, NO_DEPARTMENT, InviteDepartmentCb, InviteRoleCb
from handlers.filters import HasText, IsMember, TextIs
from handlers.replies import edit_text
from handlers.states import InviteForm


def _role(value: str) -> Role:
    """The role kept in the conversation while the new department's name is typed."""
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("role", "Неизвестная роль. Начните заново: /invite") from None


async def invite(message: Message, member: Member, state: FSMContext) -> None:
    if not views.may_invite_anyone(member):
        raise NotAllowed("Приглашать сотрудников могут руководитель отдела и администратор.")
    await state.clear()
    await message.answer("Кого приглашаем?", reply_markup=views.invite_roles_keyboard(member))


async def picked_role(
    query: CallbackQuery,
    callback_data: InviteRoleCb,
    member: Member,
    uow: UnitOfWork,
    bot: Bot,
    settings: Settings,
    clock: Clock,
) -> None:
    role = callback_data.role
    if member.role is Role.ADMIN:
        departments = await uow.departments.all()
        await edit_text(
            query,
            f"Роль: {role.label}. В какой отдел?",
            reply_markup=views.invite_departments_keyboard(role, departments),
        )
        await query.answer()
        return
    await _issue(query, member, role, member.department_id, uow, bot, settings, clock)


async def picked_department(
    query: CallbackQuery,
    callback_data: InviteDepartmentCb,
    member: Member,
    state: FSMContext,
    uow: UnitOfWork,
    bot: Bot,
    settings: Settings,
    clock: Clock,
) -> None:
    role = callback_data.role
    if callback_data.department_id == NEW_DEPARTMENT:
        if member.role is not Role.ADMIN:
            raise NotAllowed("Создавать отделы может только администратор.")
        await state.set_state(InviteForm.department_name)
        await state.set_data({"role": role.value})
        await edit_text(query, "Как назовём новый отдел? Напишите название.")
        await query.answer()
        return
    department_id = (
        None if callback_data.department_id == NO_DEPARTMENT else callback_data.department_id
    )
    await _issue(query, member, role, department_id, uow, bot, settings, clock)


async def got_department_name(
    message: Message,
    member: Member,
    state: FSMContext,
    uow: UnitOfWork,
    bot: Bot,
    settings: Settings,
    clock: Clock,
) -> None:
    role = _role((await state.get_data()).get("role", ""))
    issued = await onboarding.issue_invitation(
        uow,
        member,
        role,
        None,
        clock.now(),
        ttl=timedelta(hours=settings.invitation_ttl_hours),
        new_department=message.text or "",
    )
    await state.clear()
    assert issued.department is not None
    text = await _render(issued, bot, settings)
    await message.answer(
        f"Отдел «{escape(issued.department.name)}» создан.\n\n{text}",
        reply_markup=views.main_menu(member),  # the first department's admin had none yet
    )


async def _issue(
    query: CallbackQuery,
    member: Member,
    role: Role,
    department_id: int | None,
    uow: UnitOfWork,
    bot: Bot,
    settings: Settings,
    clock: Clock,
) -> None:
    text = await _invitation(member, role, department_id, uow, bot, settings, clock)
    await edit_text(query, text)
    await query.answer("Приглашение готово")


async def _invitation(
    member: Member,
    role: Role,
    department_id: int | None,
    uow: UnitOfWork,
    bot: Bot,
    settings: Settings,
    clock: Clock,
) -> str:
    issued = await onboarding.issue_invitation(
        uow,
        member,
        role,
        department_id,
        clock.now(),
        ttl=timedelta(hours=settings.invitation_ttl_hours),
    )
    return await _render(issued, bot, settings)


async def _render(issued: onboarding.IssuedInvitation, bot: Bot, settings: Settings) -> str:
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={issued.invitation.token}"
    invitation = issued.invitation
    return views.invitation_text(
        link, invitation.role, issued.department, invitation.expires_at, settings.zone
    )


def router() -> Router:
    router = Router(name="invite")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(invite, Command("invite"))
    router.message.register(invite, TextIs(views.MENU_INVITE))
    router.callback_query.register(picked_role, InviteRoleCb.filter())
    router.callback_query.register(picked_department, InviteDepartmentCb.filter())
    router.message.register(got_department_name, StateFilter(InviteForm.department_name), HasText())
    return router

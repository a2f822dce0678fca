"""A supervisor's department: who is in it, and switching a member off."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from domain.errors import NotAllowed
from domain.model import Member
from domain.ports import UnitOfWork
from domain.services import onboarding
from handlers import views
from handlers.callbacks import TeamCb
from handlers.filters import IsMember, TextIs
from handlers.replies import edit_text


async def team(message: Message, member: Member, uow: UnitOfWork) -> None:
    if not views.manages_team(member):
        raise NotAllowed("Список отдела доступен руководителю отдела и администратору.")
    members = await onboarding.list_team(uow, member)
    await message.answer(
        views.team_text(member, members), reply_markup=views.team_keyboard(member, members)
    )


async def team_button(
    query: CallbackQuery, callback_data: TeamCb, member: Member, uow: UnitOfWork
) -> None:
    confirm = None
    answer = ""
    if callback_data.action == "off":
        target = await onboarding.deactivate_member(uow, member, callback_data.member_id)
        answer = f"{target.full_name}: доступ отключён"
    elif callback_data.action == "on":
        target = await onboarding.reactivate_member(uow, member, callback_data.member_id)
        answer = f"{target.full_name}: доступ снова открыт"
    members = await onboarding.list_team(uow, member)
    if callback_data.action in ("ask", "ask_on"):
        target = next((m for m in members if m.id == callback_data.member_id), None)
        # A press on an old copy of the list: switched off or on meanwhile, it is not asked
        # the other way round.
        if target is not None and target.active is (callback_data.action == "ask"):
            confirm = callback_data.member_id
        else:
            answer = "Уже сделано: список обновлён."
    await edit_text(
        query,
        views.team_text(member, members),
        reply_markup=views.team_keyboard(member, members, confirm=confirm),
    )
    await query.answer(answer[:200])


def router() -> Router:
    router = Router(name="team")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(team, Command("team"))
    router.message.register(team, TextIs(views.MENU_TEAM))
    router.callback_query.register(team_button, TeamCb.filter())
    return router

"""A supervisor's department: who is in it, and switching a member off."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from domain.errors import NotAllowed
from domain.model import Member
from domain.ports import UnitOfWork
from domain.services import onboarding
from handlers import views
from handlers.callbacks import TeamAction, TeamCb
from handlers.errors import after_commit, require_offered
from handlers.filters import IsMember, TextIs
from handlers.replies import edit_text


async def team(message: Message, member: Member, uow: UnitOfWork) -> None:
    if not views.manages_team(member):
        raise NotAllowed("Список отдела доступен руководителю отдела и администратору.")
    members = await onboarding.list_team(uow, member)
    await message.answer(
        views.team_text(member, members), reply_markup=views.team_keyboard(member, members)
    )


async def ask(query: CallbackQuery, callback_data: TeamCb, member: Member, uow: UnitOfWork) -> None:
    """«Отключить» or «Включить»: the list again, with the question on its member's row."""
    members = await onboarding.list_team(uow, member)
    target = next((m for m in members if m.id == callback_data.member_id), None)
    # A press on an old copy of the list: switched off or on meanwhile, he is not asked the
    # other way round.
    active = callback_data.action is TeamAction.ASK_OFF  # what he must be to be asked
    if target is not None and target.active is active:
        await _redraw(query, member, members, confirm=callback_data.member_id)
        await query.answer()
    else:
        await _redraw(query, member, members)
        await query.answer("Уже сделано: список обновлён.")


async def keep(query: CallbackQuery, member: Member, uow: UnitOfWork) -> None:
    """«Отмена»: the question taken back."""
    await _redraw(query, member, await onboarding.list_team(uow, member))
    await query.answer()


async def _redraw(
    query: CallbackQuery, member: Member, members: list[Member], confirm: int | None = None
) -> None:
    await edit_text(
        query,
        views.team_text(member, members),
        reply_markup=views.team_keyboard(member, members, confirm=confirm),
    )


async def switch(
    query: CallbackQuery, callback_data: TeamCb, member: Member, uow: UnitOfWork
) -> None:
    """«Да, отключить» or «Да, включить». It works only while its question stands on the
    message: after «Отмена» (or replayed from any other version of the list) it changes
    nothing."""
    require_offered(query)
    if callback_data.action is TeamAction.OFF:
        target = await onboarding.deactivate_member(uow, member, callback_data.member_id)
        done = "доступ отключён"
    else:
        target = await onboarding.reactivate_member(uow, member, callback_data.member_id)
        done = "доступ снова открыт"
    members = await onboarding.list_team(uow, member)
    # Committed: a list Telegram will not redraw does not make the switch a failure.
    await after_commit(_redraw(query, member, members))
    await after_commit(query.answer(f"{target.full_name}: {done}"[:200]))


def router() -> Router:
    router = Router(name="team")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(team, Command("team"))
    router.message.register(team, TextIs(views.MENU_TEAM))
    on_press = router.callback_query.register
    on_press(ask, TeamCb.filter(F.action.in_({TeamAction.ASK_OFF, TeamAction.ASK_ON})))
    on_press(switch, TeamCb.filter(F.action.in_({TeamAction.OFF, TeamAction.ON})))
    on_press(keep, TeamCb.filter(F.action == TeamAction.KEEP))
    return router

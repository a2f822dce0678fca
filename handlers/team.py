"""A supervisor's department: who is in it, and switching a member off."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from domain.errors import NotAllowed, StaleState
from domain.model import Member
from domain.ports import UnitOfWork
from domain.services import onboarding
from handlers import views
from handlers.callbacks import TeamCb
from handlers.errors import STALE_BUTTON, after_commit, require_offered
from handlers.filters import IsMember, TextIs
from handlers.replies import edit_text


async def team(message: Message, member: Member, uow: UnitOfWork) -> None:
    if not views.manages_team(member):
        raise NotAllowed("Список отдела доступен руководителю отдела и администратору.")
    members = await onboarding.list_team(uow, member)
    await message.answer(
        views.team_text(member, members), reply_markup=views.team_keyboard(member, members)
    )


# «Отключить»/«Включить» ask; «Да, …» confirms; «Отмена» takes the question back.
ASK = {"ask": True, "ask_on": False}  # the question, and whether its target is active now
CONFIRM = {"off": onboarding.deactivate_member, "on": onboarding.reactivate_member}


async def team_button(
    query: CallbackQuery, callback_data: TeamCb, member: Member, uow: UnitOfWork
) -> None:
    action = callback_data.action
    if action in CONFIRM:
        # A confirmation works only while its question stands on the message: after «Отмена»
        # (or replayed from any other version of the list) it changes nothing.
        require_offered(query)
        target = await CONFIRM[action](uow, member, callback_data.member_id)
        done = "доступ отключён" if action == "off" else "доступ снова открыт"
        members = await onboarding.list_team(uow, member)
        # Committed: a list Telegram will not redraw does not make the switch a failure.
        await after_commit(
            edit_text(
                query,
                views.team_text(member, members),
                reply_markup=views.team_keyboard(member, members),
            )
        )
        await after_commit(query.answer(f"{target.full_name}: {done}"[:200]))
        return
    if action not in ASK and action != "keep":
        raise StaleState(STALE_BUTTON)
    confirm = None
    answer = ""
    members = await onboarding.list_team(uow, member)
    if action in ASK:
        target = next((m for m in members if m.id == callback_data.member_id), None)
        # A press on an old copy of the list: switched off or on meanwhile, it is not asked
        # the other way round.
        if target is not None and target.active is ASK[action]:
            confirm = callback_data.member_id
        else:
            answer = "Уже сделано: список обновлён."
    await edit_text(
        query,
        views.team_text(member, members),
        reply_markup=views.team_keyboard(member, members, confirm=confirm),
    )
    await query.answer(answer)


def router() -> Router:
    router = Router(name="team")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(team, Command("team"))
    router.message.register(team, TextIs(views.MENU_TEAM))
    router.callback_query.register(team_button, TeamCb.filter())
    return router

"""The supervisor's side of the timers: escalation buttons, /penalties (R2.2); /settings is
handlers/settings.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.settings import Settings
from domain.errors import InvalidInput, NotAllowed, StaleState
from domain.model import Escalation, Member, Role, Rule
from domain.ports import Clock, UnitOfWork
from domain.services import escalations, leads
from handlers.answers import answering
from handlers.callbacks import (
    CallAction,
    CallCb,
    EscalationAction,
    EscalationCb,
)
from handlers.escalation_views import managers_picker
from handlers.filters import HasText, IsMember
from handlers.replies import edit_markup, message_of
from handlers.states import EscalationInput
from handlers.texts import local


@asynccontextmanager
async def _redrawn_if_stale(
    uow: UnitOfWork, member: Member, escalation_id: int, clock: Clock
) -> AsyncIterator[None]:
    """Around a press on an escalation card: a stale one changes nothing, says why (the
    error router), and re-draws the member's copy of the card."""
    try:
        yield
    except StaleState:
        await uow.rollback()
        await escalations.refresh_card(uow, member, escalation_id, clock.now())
        raise


async def remind(
    query: CallbackQuery, callback_data: EscalationCb, member: Member, uow: UnitOfWork, clock: Clock
) -> None:
    async with _redrawn_if_stale(uow, member, callback_data.id, clock):
        await escalations.remind(uow, member, callback_data.id, clock.now())
    await query.answer("Напоминание отправлено")


async def pick_manager(
    query: CallbackQuery, callback_data: EscalationCb, member: Member, uow: UnitOfWork, clock: Clock
) -> None:
    """The managers to hand the lead to, page `value`."""
    cb = callback_data
    async with _redrawn_if_stale(uow, member, cb.id, clock):
        escalation = await _unresolved(uow, member, cb.id)
        managers = await leads.assignable(uow, escalation.department_id)
        await edit_markup(query, managers_picker(escalation, managers, cb.value))
    await query.answer("Кому передать лид?")


async def hand_over(
    query: CallbackQuery, callback_data: EscalationCb, member: Member, uow: UnitOfWork, clock: Clock
) -> None:
    cb = callback_data
    async with _redrawn_if_stale(uow, member, cb.id, clock):
        await escalations.reassign(uow, member, cb.id, cb.value, clock.now())
    await query.answer(f"Лид передан: {await leads.member_name(uow, cb.value)}")


async def ask_penalty(
    query: CallbackQuery,
    callback_data: EscalationCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
) -> None:
    """A penalty: the comment is asked for (R2.2)."""
    cb = callback_data
    async with _redrawn_if_stale(uow, member, cb.id, clock):
        escalation = await escalations.load(uow, member, cb.id)
        escalations.penalized_member(escalation)  # asked before the comment is typed
        await state.set_state(EscalationInput.penalty)
        await state.set_data({"escalation_id": cb.id})
        await message_of(query).answer(
            "Взыскание: напишите комментарий — за что и какое. Отменить: /cancel"
        )
    await query.answer()


async def _unresolved(uow: UnitOfWork, member: Member, escalation_id: int) -> Escalation:
    escalation = await escalations.load(uow, member, escalation_id)
    if escalation.resolved_at is not None:
        raise StaleState(f"Уже сделано: {escalation.resolution}.")
    return escalation


async def penalty_comment(
    message: Message, member: Member, uow: UnitOfWork, state: FSMContext, clock: Clock
) -> None:
    escalation_id = int((await state.get_data())["escalation_id"])
    async with answering(state, uow):
        penalty = await escalations.penalize(
            uow, member, escalation_id, message.text or "", clock.now()
        )
    await state.clear()
    name = await leads.member_name(uow, penalty.member_id)
    await message.answer(f"Взыскание записано: {escape(name)}, {Rule.words(penalty.rule)}.")


async def call_button(
    query: CallbackQuery, callback_data: CallCb, member: Member, uow: UnitOfWork, clock: Clock
) -> None:
    agreed = datetime.fromtimestamp(callback_data.at, UTC) if callback_data.at else None
    lead = await leads.called(uow, member, callback_data.id, agreed, clock.now())
    await edit_markup(query, None)
    await query.answer(f"Отмечено: звонок сделан. Статус: {lead.status.label}")


def _month(now: datetime, back: int) -> tuple[datetime, datetime]:
    """The month `back` months before `now`'s, from midnight to midnight in `now`'s zone."""
    year, month = now.year, now.month - back
    while month < 1:
        year, month = year - 1, month + 12
    start = datetime(year, month, 1, tzinfo=now.tzinfo)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=now.tzinfo)
    return start, end


async def penalties(
    message: Message,
    command: CommandObject,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    """/penalties — this month; /penalties 1 — the month before, and so on."""
    if member.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotAllowed("Взыскания видят руководитель отдела и администратор.")
    args = (command.args or "0").strip()
    if not (args.isascii() and args.isdigit() and len(args) <= 2) or int(args) > 36:
        raise InvalidInput("period", "Напишите /penalties или /penalties 1 (прошлый месяц).")
    now = clock.now().astimezone(settings.zone)
    start, end = _month(now, int(args))
    lines = await escalations.penalties(uow, member, start, end)
    title = f"<b>Взыскания за {start.strftime('%m.%Y')}</b>"
    if not lines:
        await message.answer(f"{title}\nНет.")
        return
    text = [title]
    for line in lines:
        text.append(f"• {escape(line.member)}: {line.count}")
        for item in line.items[-5:]:
            text.append(
                f"   {local(item.created_at, settings.zone)} · лид #{item.lead_id} · "
                f"{Rule.words(item.rule)} · {escape(item.comment[:100])}"
            )
    await message.answer("\n".join(text)[:4000])


def router() -> Router:
    router = Router(name="escalations")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    on_press = router.callback_query.register
    on_press(remind, EscalationCb.filter(F.action == EscalationAction.REMIND))
    on_press(pick_manager, EscalationCb.filter(F.action == EscalationAction.REASSIGN))
    on_press(hand_over, EscalationCb.filter(F.action == EscalationAction.HAND_OVER))
    on_press(ask_penalty, EscalationCb.filter(F.action == EscalationAction.PENALTY))
    on_press(call_button, CallCb.filter(F.action == CallAction.CALLED))
    router.message.register(penalty_comment, StateFilter(EscalationInput.penalty), HasText())
    router.message.register(penalties, Command("penalties"))
    return router

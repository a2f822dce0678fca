"""The buttons of a lead card, and the values typed for them (R2.5, R2.9-R2.13, R2.16).

One handler for each action of `LeadCb` (the checklist's is in handlers/checklist.py);
`CardPress` does what every press does around it. Each press re-checks the member and the
lead's current status inside the use case; a stale or forged press changes nothing, says
why, and re-draws the member's card.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from bot.settings import Settings
from domain.errors import InvalidInput, NotAllowed, StaleState
from domain.lead_fields import LeadField
from domain.model import Deal, JunkReason, Lead, Member, Press, SkipReason, Subject
from domain.permissions import Action, require
from domain.ports import Clock, UnitOfWork
from domain.services import (
    cards,
    conversion,
    lead_history,
    lead_moves,
    lead_notes,
    leads,
    live_cards,
)
from domain.statuses import LeadStatus
from domain.timeparse import EXAMPLE, parse_local_datetime, tomorrow_at
from handlers import cards as card_views
from handlers import deal_views, lead_card_views, lead_history_views, texts
from handlers.answers import answering
from handlers.callbacks import LeadAction, LeadCb
from handlers.checklist import pause_other
from handlers.errors import StaleButton, after_commit
from handlers.filters import HasText, IsMember
from handlers.replies import edit_markup, edit_text, message_of
from handlers.states import LeadInput

log = logging.getLogger(__name__)


async def _fresh_lead(uow: UnitOfWork, member: Member, cb: LeadCb, action: Action) -> Lead:
    """The lead behind a menu button, if the member may act and the card is current."""
    lead = await leads.load_lead(uow, cb.id)
    require(member, action, lead=lead)
    if lead.status.is_final or (cb.status is not None and lead.status is not cb.status):
        raise StaleState(f"Лид уже в статусе «{lead.status.label}».")
    if action is Action.ASSIGN_LEAD and lead.status is not LeadStatus.NEW:
        raise StaleState("Лид уже назначен.")
    return lead


async def _show(
    query: CallbackQuery,
    uow: UnitOfWork,
    member: Member,
    lead: Lead,
    markup: InlineKeyboardMarkup,
    note: str,
    clock: Clock,
    settings: Settings,
    question: str | None = None,
) -> None:
    """A menu of the card, drawn on the live card with the lead as it is now; a `question`
    the menu asks is shown under the card too."""
    now = clock.now()
    context = await cards.menu_card(uow, lead, member, message_of(query).message_id, now)
    if context is None:
        await edit_markup(query, markup)
    else:
        text = lead_card_views.card_text(context, now, settings.zone)
        if question:
            text += f"\n\n<b>{escape(question)}</b>"
        await edit_text(query, text, markup)
    await query.answer(note[:200])


# The flags a handler is registered with, read by `CardPress`. The press changes the lead:
# its answer redraws the presser's own card (the other copies go by the outbox).
CHANGES = {"changes_the_lead": True}
# The press only shows something: a value asked for before still stands.
LOOKS = {"looks_only": True}


class CardPress(BaseMiddleware):
    """Around every press on a lead card's buttons, after its handler was chosen. A press on
    another lead pauses a checklist walk; any press but a look closes a value asked for
    before (`_ask`); a stale press changes nothing, says why, and re-draws the member's card.
    The handler returns the answer to the press (None: it answered itself)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> None:
        assert isinstance(event, CallbackQuery)
        cb: LeadCb = data["callback_data"]
        member: Member = data["member"]
        uow: UnitOfWork = data["uow"]
        state: FSMContext = data["state"]
        raw_state: str | None = data["raw_state"]
        clock: Clock = data["clock"]
        await pause_other(state, raw_state, cb.id, message_of(event))
        if raw_state == LeadInput.value.state and not get_flag(data, "looks_only"):
            await state.clear()  # «Назад» or another button instead of the value asked for
        press = None
        if get_flag(data, "changes_the_lead") and member.id is not None:
            press = data["press"] = Press(member.id, message_of(event).message_id)
        try:
            note = await handler(event, data)
        except StaleState:
            await uow.rollback()
            await leads.refresh_card(uow, member, cb.id, clock.now())
            raise
        # The redraw first: the change is committed, and nothing else will draw this card.
        if press is not None and await live_cards.left_to_press(uow, Subject.lead(cb.id), press):
            await _redraw(event, uow, member, cb.id, clock.now(), data["settings"])
        if note is not None:
            await event.answer(note[:200])


async def _redraw(
    query: CallbackQuery,
    uow: UnitOfWork,
    member: Member,
    lead_id: int,
    now: datetime,
    settings: Settings,
) -> None:
    try:
        # The same drawing as the outbox's (handlers/cards.py), answered at once instead of
        # behind his chat's pacing or a 429 pause.
        drawn = await card_views.draw(uow, Subject.lead(lead_id), member, now, settings.zone)
        await uow.rollback()  # the change is committed: no transaction open across Telegram
        if drawn is not None:
            await edit_text(query, drawn.text, drawn.keyboard)
            return
    except Exception as error:
        if not isinstance(error, TelegramAPIError):
            log.exception("the card of lead %s was not redrawn", lead_id)
        await uow.rollback()
    await leads.refresh_card(uow, member, lead_id, now)  # the outbox draws it, then


# -- the handlers, one for each action: each returns the answer to the press ---------------


async def open_card(
    query: CallbackQuery, callback_data: LeadCb, member: Member, uow: UnitOfWork, clock: Clock
) -> str:
    """The card sent anew, below (from a list, an escalation, a call reminder)."""
    await leads.open_card(uow, member, callback_data.id, clock.now())
    return ""


async def back_to_card(
    query: CallbackQuery, callback_data: LeadCb, member: Member, uow: UnitOfWork, clock: Clock
) -> str:
    if not await leads.refresh_card(uow, member, callback_data.id, clock.now()):
        raise NotAllowed("Карточка этого лида вам недоступна.")
    return ""


async def move(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    press: Press | None = None,
) -> str:
    cb = callback_data
    if cb.status is None:
        raise StaleButton()
    lead = await leads.move_lead(
        uow, member, cb.id, cb.target_status, cb.status, clock.now(), press
    )
    return f"Статус: {lead.status.label}"


async def pick_manager(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    """ASSIGN or REASSIGN: the department's managers to pick from, page `value`."""
    cb = callback_data
    assigning = cb.action is LeadAction.ASSIGN
    lead = await _fresh_lead(
        uow, member, cb, Action.ASSIGN_LEAD if assigning else Action.REASSIGN_LEAD
    )
    managers = await leads.assignable(uow, lead.department_id)
    if not managers:
        raise InvalidInput("responsible", "В отделе нет активных менеджеров.")
    picker = lead_card_views.picker(lead, managers, cb.value, action=cb.action)
    await _show(query, uow, member, lead, picker, "Кого назначить?", clock, settings)


async def assign_to(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    press: Press | None = None,
) -> str:
    cb = callback_data
    lead = await leads.assign_lead(uow, member, cb.id, cb.value, clock.now(), press)
    return await leads.assigned_note(uow, lead, "Назначен")


async def reassign_to(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    press: Press | None = None,
) -> str:
    cb = callback_data
    lead = await leads.reassign_lead(
        uow, member, cb.id, cb.value, cb.previous_responsible, clock.now(), press
    )
    return await leads.assigned_note(uow, lead, "Ответственный")


async def call_later(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    press: Press | None = None,
) -> str:
    """CALL_IN_HOUR or CALL_TOMORROW."""
    await _fresh_lead(uow, member, callback_data, Action.WORK_LEAD)
    now = clock.now()
    if callback_data.action is LeadAction.CALL_IN_HOUR:
        when = now + timedelta(hours=1)
    else:
        when = tomorrow_at(10, now, settings.zone)
    await leads.plan_call(uow, member, callback_data.id, when, now, press)
    return f"Звонок: {texts.local(when, settings.zone)}"


async def ask_note(
    query: CallbackQuery, callback_data: LeadCb, member: Member, uow: UnitOfWork, state: FSMContext
) -> str:
    """«Добавить заметку»: its text to type, on a lead open or closed (#14 §5)."""
    lead = await leads.load_lead(uow, callback_data.id)
    require(member, Action.WORK_LEAD, lead=lead)
    await _ask(query, state, lead, callback_data)
    return ""


async def ask_value(
    query: CallbackQuery, callback_data: LeadCb, member: Member, uow: UnitOfWork, state: FSMContext
) -> str:
    """CALL_AT, RENAME, EDIT_FIELD: a value to type."""
    lead = await _fresh_lead(uow, member, callback_data, Action.WORK_LEAD)
    await _ask(query, state, lead, callback_data)
    return ""


def _menu(
    draw: Callable[[Lead], InlineKeyboardMarkup], note: str
) -> Callable[..., Awaitable[None]]:
    """A menu of the card (when to call, what to change, why junk) on the card pressed."""

    async def show_menu(
        query: CallbackQuery,
        callback_data: LeadCb,
        member: Member,
        uow: UnitOfWork,
        clock: Clock,
        settings: Settings,
    ) -> None:
        lead = await _fresh_lead(uow, member, callback_data, Action.WORK_LEAD)
        await _show(query, uow, member, lead, draw(lead), note, clock, settings)

    return show_menu


call_menu = _menu(lead_card_views.call_keyboard, "Когда перезвонить?")
edit_menu = _menu(lead_card_views.edit_keyboard, "Что изменить?")
junk_menu = _menu(lead_card_views.junk_keyboard, "Почему некачественный?")


async def junk_reason(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> str | None:
    """A junk reason picked: asked to confirm, with the reason shown (#14 §5); «Другое»
    asks for the reason in words."""
    cb = callback_data
    reason = cb.junk_reason
    if reason is JunkReason.OTHER:
        return await ask_value(query, cb, member, uow, state)
    lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
    question = lead_card_views.junk_question(reason)
    menu = lead_card_views.junk_confirm_keyboard(lead, reason)
    await _show(query, uow, member, lead, menu, question, clock, settings, question)
    return None


async def junk(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    press: Press | None = None,
) -> str:
    """«Да» to the junk reason asked about (R2.16)."""
    cb = callback_data
    reason = cb.junk_reason
    if reason is JunkReason.OTHER:
        raise StaleButton()  # its reason is typed, never confirmed by a button
    await leads.mark_junk(uow, member, cb.id, reason, None, cb.status, clock.now(), press)
    return f"Некачественный лид: {reason.label}"


async def undo(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    press: Press | None = None,
) -> str:
    """«Отменить»: the member's last move of the lead taken back (#14 §5)."""
    cb = callback_data
    if cb.status is None:
        raise StaleButton()
    lead = await lead_moves.undo_move(uow, member, cb.id, cb.status, clock.now(), press)
    return f"Отменено. Статус: {lead.status.label}"


async def skip_menu(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    """«→ Обработан» from «Назначен»: why without the checklist (#14 §5); refused at once
    where the department requires it."""
    lead = await lead_moves.may_skip_checklist(uow, member, callback_data.id)
    question = lead_card_views.SKIP_QUESTION
    menu = lead_card_views.skip_keyboard(lead)
    await _show(query, uow, member, lead, menu, question, clock, settings, question)


async def skip(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    press: Press | None = None,
) -> str:
    """The reason the checklist was skipped picked: the lead is «Обработан»; «Другое» asks
    for the reason in words."""
    cb = callback_data
    reason = cb.skip_reason
    if reason is SkipReason.OTHER:
        lead = await lead_moves.may_skip_checklist(uow, member, cb.id)
        await _ask(query, state, lead, cb)
        return ""
    lead = await lead_moves.process_without_checklist(
        uow, member, cb.id, reason, None, clock.now(), press
    )
    return f"Статус: {lead.status.label}. Без чек-листа: {reason.label}"


async def convert_menu(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    lead = await _fresh_lead(uow, member, callback_data, Action.WORK_LEAD)
    matches = (await conversion.duplicates_of(uow, lead)).companies
    menu = lead_card_views.convert_keyboard(lead, matches)
    await _show(query, uow, member, lead, menu, "Как конвертировать?", clock, settings)


async def convert_ask(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    """CONVERT_NEW or CONVERT_ONTO the company `value`: what will be made, to confirm."""
    cb = callback_data
    lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
    onto = cb.value if cb.action is LeadAction.CONVERT_ONTO else None
    note = await _conversion_note(uow, lead, onto)
    menu = lead_card_views.confirm_keyboard(lead, onto or 0)
    await _show(query, uow, member, lead, menu, note, clock, settings)


async def convert(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    press: Press | None = None,
) -> str:
    cb = callback_data
    deal = await conversion.convert_lead(
        uow, member, cb.id, cb.value or None, cb.status, clock.now(), press
    )
    await _close_confirmation(query, uow, member, cb.id, deal)
    return f"Создана сделка #{deal.id}"


async def _close_confirmation(
    query: CallbackQuery, uow: UnitOfWork, member: Member, lead_id: int, deal: Deal
) -> None:
    """#14 §5: the conversion confirmed on a message that is not the live card (the
    checklist's offer, an older copy) closes: its buttons go, it says what was made. The
    live card is redrawn with the deal."""
    message = message_of(query)
    if await uow.cards.is_live(Subject.lead(lead_id), member.id or 0, message.message_id):
        return
    company = await uow.companies.get(deal.company_id) if deal.company_id else None
    await uow.rollback()  # the change is committed: no transaction open across Telegram
    await after_commit(edit_text(query, deal_views.created_text(deal, company)))


async def history(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    settings: Settings,
) -> str:
    """HISTORY, sent as a new message; HISTORY_PAGE, a page of the message pressed on."""
    cb = callback_data
    first = cb.action is LeadAction.HISTORY
    page = await lead_history.history(uow, member, cb.id, 0 if first else cb.value)
    names = {m.id: m.full_name for m in await uow.members.everyone() if m.id}
    text = lead_history_views.history_text(page, names, settings.zone)
    markup = lead_history_views.history_keyboard(page)
    if first:
        await message_of(query).answer(text, reply_markup=markup)
    else:
        await edit_text(query, text, markup)
    return ""


async def _conversion_note(uow: UnitOfWork, lead: Lead, company_id: int | None) -> str:
    if company_id is None:
        if not lead.company_name:
            raise InvalidInput("company", "Укажите компанию клиента: «Изменить» → «Компания».")
        return f"Будут созданы сделка, контакт и компания «{lead.company_name}». Подтвердите."
    company = await uow.companies.get(company_id)
    if company is None:
        raise StaleState("Такой компании уже нет.")
    return f"Сделка и контакт на компанию «{company.name}». Подтвердите."


QUESTIONS = {
    LeadAction.CALL_AT: f"Когда перезвонить? {EXAMPLE}",
    LeadAction.RENAME: "Новое название лида? О чём он: компания, заказ, количество.",
    LeadAction.JUNK_REASON: "Напишите причину, по которой лид некачественный.",
    LeadAction.SKIP_REASON: "Напишите, почему лид обработан без чек-листа.",
    LeadAction.NOTE: "Текст заметки? Её увидят в карточке и в истории.",
}


async def _ask(query: CallbackQuery, state: FSMContext, lead: Lead, cb: LeadCb) -> None:
    """A value to type: the question, the lead and the field kept in the FSM (the action's
    code, as the conversation may outlive a restart: `_use_value` reads it back)."""
    if cb.action is LeadAction.EDIT_FIELD:
        field = cb.field.value
        question = f"{cb.field.label}: напишите новое значение."
    else:
        field = LeadField.TITLE.value if cb.action is LeadAction.RENAME else ""
        question = QUESTIONS[cb.action]
    await state.set_state(LeadInput.value)
    await state.set_data(
        {"action": cb.action.value, "lead_id": lead.id, "field": field, "status": lead.status.value}
    )
    assert isinstance(query.message, Message)
    await query.message.answer(f"Лид #{lead.id}. {question}\nОтменить: /cancel")


async def typed_value(
    message: Message,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> None:
    data = await state.get_data()
    async with answering(state, uow):
        done = await _use_value(data, message.text or "", member, uow, clock.now(), settings)
    await state.clear()
    await message.answer(done)


async def _use_value(
    data: dict[str, Any],
    text: str,
    member: Member,
    uow: UnitOfWork,
    now: datetime,
    settings: Settings,
) -> str:
    """The value typed for a card button (`_ask`) saved; the text returned confirms it."""
    lead_id = int(data["lead_id"])
    action = data["action"]
    if action == LeadAction.CALL_AT:
        when = parse_local_datetime(text, now, settings.zone)
        await leads.plan_call(uow, member, lead_id, when, now)
        return f"Записал: позвонить {texts.local(when, settings.zone)}."
    if action == LeadAction.JUNK_REASON:
        expected = LeadStatus(data["status"]) if data.get("status") else None
        await leads.mark_junk(uow, member, lead_id, JunkReason.OTHER, text, expected, now)
        return "Лид закрыт как некачественный."
    if action == LeadAction.NOTE:
        await lead_notes.add_note(uow, member, lead_id, text, now)
        return "Заметка добавлена."
    if action == LeadAction.SKIP_REASON:
        await lead_moves.process_without_checklist(
            uow, member, lead_id, SkipReason.OTHER, text, now
        )
        return "Лид обработан без чек-листа."
    field = LeadField(data["field"])
    lead = await leads.edit_field(uow, member, lead_id, field, text, now)
    return f"Сохранено. {field.label}: {escape(str(getattr(lead, field.attribute)))}"


def router() -> Router:
    router = Router(name="lead_card")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.callback_query.middleware(CardPress())

    def on(action: LeadAction | set[LeadAction], handler: Any, flags: dict[str, Any]) -> None:
        rule = F.action.in_(action) if isinstance(action, set) else F.action == action
        router.callback_query.register(handler, LeadCb.filter(rule), flags=flags)

    A = LeadAction
    on(A.OPEN, open_card, LOOKS)
    on(A.CARD, back_to_card, {})
    on(A.MOVE, move, CHANGES)
    on({A.ASSIGN, A.REASSIGN}, pick_manager, {})
    on(A.ASSIGN_TO, assign_to, CHANGES)
    on(A.REASSIGN_TO, reassign_to, CHANGES)
    on(A.CALL_MENU, call_menu, {})
    on({A.CALL_IN_HOUR, A.CALL_TOMORROW}, call_later, CHANGES)
    on({A.CALL_AT, A.RENAME, A.EDIT_FIELD}, ask_value, {})
    on(A.EDIT, edit_menu, {})
    on(A.JUNK, junk_menu, {})
    on(A.JUNK_REASON, junk_reason, {})
    on(A.JUNK_CONFIRM, junk, CHANGES)
    on(A.UNDO, undo, CHANGES)
    on(A.NOTE, ask_note, {})
    on(A.SKIP_MENU, skip_menu, {})
    on(A.SKIP_REASON, skip, CHANGES)
    on(A.CONVERT, convert_menu, {})
    on({A.CONVERT_NEW, A.CONVERT_ONTO}, convert_ask, {})
    on(A.CONVERT_CONFIRM, convert, CHANGES)
    on({A.HISTORY, A.HISTORY_PAGE}, history, LOOKS)
    # CHECKLIST is the checklist's (handlers/checklist.py).
    router.message.register(typed_value, StateFilter(LeadInput.value), HasText())
    return router

"""The buttons of a lead card, and the values typed for them (R2.5, R2.9-R2.13, R2.16).

Each press re-checks the member and the lead's current status inside the use case; a stale
or forged press changes nothing, says why, and re-draws the member's card.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.settings import Settings
from domain.errors import InvalidInput, NotAllowed, StaleState
from domain.lead_fields import LeadField
from domain.model import JunkReason, Lead, Member, PressedCard
from domain.permissions import Action, require
from domain.ports import Clock, UnitOfWork
from domain.services import cards, conversion, lead_history, leads
from domain.statuses import LeadStatus
from domain.timeparse import EXAMPLE, parse_local_datetime, tomorrow_at
from handlers import lead_views
from handlers.answers import answering
from handlers.checklist import pause_other
from handlers.filters import HasText, IsMember
from handlers.lead_callbacks import LeadCb
from handlers.replies import edit_markup, edit_text, message_of
from handlers.states import LeadInput

log = logging.getLogger(__name__)


def _status(code: str) -> LeadStatus | None:
    try:
        return LeadStatus(code) if code else None
    except ValueError:
        raise StaleState("Эта кнопка устарела.") from None


async def _fresh_lead(uow: UnitOfWork, member: Member, cb: LeadCb, action: Action) -> Lead:
    """The lead behind a menu button, if the member may act and the card is current."""
    lead = await leads.load_lead(uow, cb.id)
    require(member, action, lead=lead)
    expected = _status(cb.s)
    if lead.status.is_final or (expected is not None and lead.status is not expected):
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
    now: datetime,
    settings: Settings,
) -> None:
    """A menu of the card, drawn on the live card with the lead as it is now."""
    context = await cards.menu_card(uow, lead, member, message_of(query).message_id, now)
    if context is None:
        await edit_markup(query, markup)
    else:
        await edit_text(query, lead_views.card_text(context, now, settings.zone), markup)
    await query.answer(note[:200])


async def card_button(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    raw_state: str | None,
    clock: Clock,
    settings: Settings,
) -> None:
    await pause_other(state, raw_state, callback_data.id, message_of(query))
    if raw_state == LeadInput.value.state and callback_data.a not in LOOK_ONLY:
        await state.clear()  # «Назад» or another button instead of the value asked for (_ask)
    if callback_data.a in CHANGE_THE_LEAD and member.id is not None:
        uow.pressed_card = PressedCard(member.id, message_of(query).message_id)
    try:
        note = await _act(query, callback_data, member, uow, state, clock, settings)
    except StaleState:
        await uow.rollback()
        await leads.refresh_card(uow, member, callback_data.id, clock.now())
        raise
    # The redraw first: the change is committed, and nothing else will draw this card.
    if uow.pressed_card is not None and uow.pressed_card.owed:
        await _redraw(query, uow, member, callback_data.id, clock.now(), settings)
    if note is not None:
        await query.answer(note[:200])


# The presses that change the lead: their answer redraws the presser's own card (the other
# copies go by the outbox).
CHANGE_THE_LEAD = frozenset({"go", "pick", "rpk", "c1h", "c10", "jr", "cok"})
# The presses that only show something: a value asked for before still stands.
LOOK_ONLY = frozenset({"his", "hip", "opn"})


async def _redraw(
    query: CallbackQuery,
    uow: UnitOfWork,
    member: Member,
    lead_id: int,
    now: datetime,
    settings: Settings,
) -> None:
    try:
        context = await cards.drawn_by_press(uow, lead_id, member)
        if context is not None:
            await edit_text(
                query,
                lead_views.card_text(context, now, settings.zone),
                lead_views.card_keyboard(context),
            )
            return
    except Exception as error:
        if not isinstance(error, TelegramAPIError):
            log.exception("the card of lead %s was not redrawn", lead_id)
        await uow.rollback()
    await leads.refresh_card(uow, member, lead_id, now)  # the outbox draws it, then


async def _act(
    query: CallbackQuery,
    cb: LeadCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> str | None:
    """Do what the button says; the text returned is the answer to the press."""
    now = clock.now()

    async def show(lead: Lead, menu: InlineKeyboardMarkup, note: str) -> None:
        await _show(query, uow, member, lead, menu, note, now, settings)

    expected = _status(cb.s)
    match cb.a:
        case "opn":
            await leads.open_card(uow, member, cb.id, now)
            return ""
        case "crd":
            if not await leads.refresh_card(uow, member, cb.id, now):
                raise NotAllowed("Карточка этого лида вам недоступна.")
            return ""
        case "go":
            target = _status(cb.t)
            if target is None or expected is None:
                raise StaleState("Эта кнопка устарела.")
            lead = await leads.move_lead(uow, member, cb.id, target, expected, now)
            return f"Статус: {lead.status.label}"
        case "asg" | "rea":
            action = Action.ASSIGN_LEAD if cb.a == "asg" else Action.REASSIGN_LEAD
            lead = await _fresh_lead(uow, member, cb, action)
            managers = await leads.assignable(uow, lead.department_id)
            if not managers:
                raise InvalidInput("responsible", "В отделе нет активных менеджеров.")
            await show(
                lead, lead_views.picker(lead, managers, cb.v, action=cb.a), "Кого назначить?"
            )
            return None
        case "pick":
            lead = await leads.assign_lead(uow, member, cb.id, cb.v, now)
            return await leads.assigned_note(uow, lead, "Назначен")
        case "rpk":
            previous = int(cb.t) if cb.t.isdigit() else None
            lead = await leads.reassign_lead(uow, member, cb.id, cb.v, previous, now)
            return await leads.assigned_note(uow, lead, "Ответственный")
        case "call":
            lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            await show(lead, lead_views.call_keyboard(lead), "Когда перезвонить?")
            return None
        case "c1h" | "c10":
            await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            when = (
                now + timedelta(hours=1) if cb.a == "c1h" else tomorrow_at(10, now, settings.zone)
            )
            await leads.plan_call(uow, member, cb.id, when, now)
            return f"Звонок: {lead_views.local(when, settings.zone)}"
        case "cty" | "ren" | "ef" | "jr" if cb.a != "jr" or cb.t == JunkReason.OTHER.value:
            lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            await _ask(query, state, lead, cb)
            return ""
        case "edt":
            lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            await show(lead, lead_views.edit_keyboard(lead), "Что изменить?")
            return None
        case "jnk":
            lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            await show(lead, lead_views.junk_keyboard(lead), "Почему некачественный?")
            return None
        case "jr":
            reason = _junk_reason(cb.t)
            await leads.mark_junk(uow, member, cb.id, reason, None, expected, now)
            return f"Некачественный лид: {reason.label}"
        case "cnv":
            lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            matches = (await conversion.duplicates_of(uow, lead)).companies
            await show(lead, lead_views.convert_keyboard(lead, matches), "Как конвертировать?")
            return None
        case "cnn" | "cne":
            lead = await _fresh_lead(uow, member, cb, Action.WORK_LEAD)
            note = await _conversion_note(uow, lead, cb.v if cb.a == "cne" else None)
            await show(lead, lead_views.confirm_keyboard(lead, cb.v if cb.a == "cne" else 0), note)
            return None
        case "cok":
            deal = await conversion.convert_lead(uow, member, cb.id, cb.v or None, expected, now)
            return f"Создана сделка #{deal.id}"
        case "his" | "hip":
            page = await lead_history.history(uow, member, cb.id, cb.v if cb.a == "hip" else 0)
            names = {m.id: m.full_name for m in await uow.members.everyone() if m.id}
            text = lead_views.history_text(page, names, settings.zone)
            markup = lead_views.history_keyboard(page)
            if cb.a == "his":
                await message_of(query).answer(text, reply_markup=markup)
            else:  # a page of the history message the button is on
                await edit_text(query, text, markup)
            return ""
    raise StaleState("Эта кнопка устарела.")


def _junk_reason(code: str) -> JunkReason:
    try:
        return JunkReason(code)
    except ValueError:
        raise StaleState("Эта кнопка устарела.") from None


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
    "cty": f"Когда перезвонить? {EXAMPLE}",
    "ren": "Новое название лида? О чём он: компания, заказ, количество (R2.4).",
    "jr": "Напишите причину, по которой лид некачественный.",
}


async def _ask(query: CallbackQuery, state: FSMContext, lead: Lead, cb: LeadCb) -> None:
    """A value to type: the question, the lead and the field kept in the FSM."""
    field = cb.t if cb.a == "ef" else ("title" if cb.a == "ren" else "")
    if cb.a == "ef":
        try:
            question = f"{LeadField(field).label}: напишите новое значение."
        except ValueError:
            raise StaleState("Эта кнопка устарела.") from None
    else:
        question = QUESTIONS[cb.a]
    await state.set_state(LeadInput.value)
    await state.set_data(
        {"action": cb.a, "lead_id": lead.id, "field": field, "status": lead.status.value}
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
    if action == "cty":
        when = parse_local_datetime(text, now, settings.zone)
        await leads.plan_call(uow, member, lead_id, when, now)
        return f"Записал: позвонить {lead_views.local(when, settings.zone)}."
    if action == "jr":
        expected = _status(data.get("status", ""))
        await leads.mark_junk(uow, member, lead_id, JunkReason.OTHER, text, expected, now)
        return "Лид закрыт как некачественный."
    field = LeadField(data["field"])
    lead = await leads.edit_field(uow, member, lead_id, field, text, now)
    return f"Сохранено. {field.label}: {escape(str(getattr(lead, field.attribute)))}"


def router() -> Router:
    router = Router(name="lead_card")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.callback_query.register(card_button, LeadCb.filter())
    router.message.register(typed_value, StateFilter(LeadInput.value), HasText())
    return router

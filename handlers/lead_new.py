"""New leads typed in the bot, and drafts from a forwarded message or a shared contact (R2.3)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.settings import Settings
from domain import extract
from domain.errors import InvalidInput
from domain.lead_fields import LeadField, clean_field, reachability_error
from domain.model import LeadSource, Member
from domain.ports import Clock, UnitOfWork
from domain.services import drafts, leads
from handlers.callbacks import DraftAction, DraftCb, FormAction, FormCb, LeadAction, LeadCb
from handlers.errors import after_commit
from handlers.filters import HasText, IsMember
from handlers.lead_card_views import duplicate_lines
from handlers.replies import edit_markup, message_of
from handlers.states import NewLeadForm
from handlers.texts import button

# The conversation: state, the field it fills, the question, whether it may be skipped.
STEPS: tuple[tuple[State, LeadField, str, bool], ...] = (
    (
        NewLeadForm.title,
        LeadField.TITLE,
        "Название лида: о чём он — компания, заказ, количество.",
        True,
    ),
    (NewLeadForm.company, LeadField.COMPANY, "Компания клиента?", True),
    (NewLeadForm.contact, LeadField.NAME, "Контактное лицо: имя и фамилия?", True),
    (NewLeadForm.phone, LeadField.PHONE, "Телефон клиента?", True),
    (NewLeadForm.email, LeadField.EMAIL, "E-mail клиента?", True),
    (NewLeadForm.comment, LeadField.COMMENT, "Комментарий: что нужно клиенту?", True),
)
# The first of the questions that give a way to reach the client: name, phone, e-mail.
CONTACT_STEP = next(i for i, step in enumerate(STEPS) if step[1] is LeadField.NAME)
FORM_CLOSED = "Эта анкета уже закрыта."
FORM_LABELS = {
    LeadField.TITLE: "Название",
    LeadField.COMPANY: "Компания",
    LeadField.NAME: "Контакт",
    LeadField.PHONE: "Телефон",
    LeadField.EMAIL: "E-mail",
    LeadField.COMMENT: "Комментарий",
}


def _skip_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="Пропустить", callback_data=FormCb(action=FormAction.SKIP).pack()
                ),
                InlineKeyboardButton(
                    text="Отмена", callback_data=FormCb(action=FormAction.CANCEL).pack()
                ),
            ]
        ]
    )


def _summary(fields: dict[str, str]) -> str:
    lines = ["<b>Новый лид</b>"]
    for field, label in FORM_LABELS.items():
        value = fields.get(field.value)
        lines.append(f"{label}: {escape(value) if value else '—'}")
    return "\n".join(lines)


async def start_form(message: Message, state: FSMContext) -> None:
    await state.set_state(STEPS[0][0])
    await state.set_data({"fields": {}})
    await message.answer(f"Новый лид. {STEPS[0][2]}", reply_markup=_skip_keyboard())


async def _next(message: Message, state: FSMContext, index: int) -> None:
    if index + 1 < len(STEPS):
        step = STEPS[index + 1]
        await state.set_state(step[0])
        await message.answer(step[2], reply_markup=_skip_keyboard())
        return
    fields = (await state.get_data()).get("fields", {})
    await state.set_state(NewLeadForm.confirm)
    await message.answer(
        _summary(fields),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text="✅ Создать", callback_data=FormCb(action=FormAction.SAVE).pack()
                    ),
                    InlineKeyboardButton(
                        text="Отмена", callback_data=FormCb(action=FormAction.CANCEL).pack()
                    ),
                ]
            ]
        ),
    )


async def _form_values(state: FSMContext) -> dict[LeadField, str]:
    fields = (await state.get_data()).get("fields", {})
    return {LeadField(k): v for k, v in fields.items()}


async def _unreachable(message: Message, state: FSMContext, values: dict[LeadField, str]) -> bool:
    """No name, phone or e-mail so far: back to the contact question, the answers kept."""
    problem = reachability_error(values)
    if problem is None:
        return False
    await state.set_state(STEPS[CONTACT_STEP][0])
    await message.answer(f"{problem}\n{STEPS[CONTACT_STEP][2]}", reply_markup=_skip_keyboard())
    return True


def _index(raw_state: str | None) -> int:
    for index, step in enumerate(STEPS):
        if step[0].state == raw_state:
            return index
    raise InvalidInput("form", FORM_CLOSED)


async def form_answer(message: Message, state: FSMContext, raw_state: str | None) -> None:
    index = _index(raw_state)
    field = STEPS[index][1]
    value = clean_field(field, message.text or "")
    data = await state.get_data()
    await state.update_data(fields={**data.get("fields", {}), field.value: value})
    await _next(message, state, index)


async def cancel_form(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await state.clear()
    await after_commit(message.edit_reply_markup(reply_markup=None))
    await after_commit(message.answer("Новый лид отменён."))
    await after_commit(query.answer())


async def skip_question(query: CallbackQuery, state: FSMContext, raw_state: str | None) -> None:
    message = message_of(query)
    index = _index(raw_state)
    await edit_markup(query, None)
    if STEPS[index][1] is LeadField.EMAIL and await _unreachable(
        message, state, await _form_values(state)
    ):
        await query.answer()
        return
    await _next(message, state, index)
    await query.answer("Пропущено")


async def save_form(
    query: CallbackQuery,
    state: FSMContext,
    raw_state: str | None,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    message = message_of(query)
    if raw_state != NewLeadForm.confirm.state:
        raise InvalidInput("form", FORM_CLOSED)
    values = await _form_values(state)
    if await _unreachable(message, state, values):
        await edit_markup(query, None)
        await query.answer()
        return
    department_id = member.department_id or await leads.intake_department(
        uow, settings.intake_department
    )
    intake = await leads.create_lead(
        uow,
        values=values,
        source=LeadSource.MANUAL,
        department_id=department_id,
        creator=member,
        now=clock.now(),
    )
    await state.clear()
    # The lead is committed: whatever Telegram refuses from here, it is reported as created.
    await after_commit(message.edit_reply_markup(reply_markup=None))
    await after_commit(message.answer(f"Лид #{intake.lead.id} создан. Карточка — ниже."))
    await after_commit(query.answer("Лид создан"))


async def form_closed(query: CallbackQuery) -> None:
    """A button of a form already done with, or forged."""
    message_of(query)
    raise InvalidInput("form", FORM_CLOSED)


def _draft_fields(message: Message) -> tuple[dict[str, str], list[LeadField]]:
    """Name, phone and text of a forwarded message or a shared contact, and what a person
    would pick out of the text (a phone, an e-mail, a company, a site: #14 §1), each
    validated; and which fields were picked out of the text."""
    raw: dict[LeadField, str] = {}
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        raw[LeadField.NAME] = origin.sender_user.first_name
        if origin.sender_user.last_name:
            raw[LeadField.LAST_NAME] = origin.sender_user.last_name
    elif isinstance(origin, MessageOriginHiddenUser):
        raw[LeadField.NAME] = origin.sender_user_name
    elif isinstance(origin, MessageOriginChat):
        raw[LeadField.NAME] = origin.sender_chat.title or "чат"
    elif isinstance(origin, MessageOriginChannel):
        raw[LeadField.NAME] = origin.chat.title or "канал"
    if message.contact is not None:
        raw[LeadField.NAME] = message.contact.first_name
        if message.contact.last_name:
            raw[LeadField.LAST_NAME] = message.contact.last_name
        raw[LeadField.PHONE] = message.contact.phone_number
    text = message.text or message.caption
    picked: list[LeadField] = []
    if text:
        raw[LeadField.COMMENT] = text
        found = extract.everything(text)
        for field, values in (
            (LeadField.PHONE, found.phones),
            (LeadField.EMAIL, found.emails),
            (LeadField.COMPANY, found.companies),
            (LeadField.WEBSITE, found.sites),
        ):
            if values and field not in raw:
                raw[field] = values[0]
                picked.append(field)
    fields: dict[str, str] = {}
    for field in LeadField:  # in the order a card shows them
        if field not in raw:
            continue
        try:
            fields[field.value] = clean_field(field, raw[field])
        except InvalidInput:
            continue  # a draft keeps what is valid; the rest is typed on the card later
    return fields, [field for field in picked if field.value in fields]


PICKED_WORDS = {
    LeadField.PHONE: "телефон",
    LeadField.EMAIL: "e-mail",
    LeadField.COMPANY: "компания",
    LeadField.WEBSITE: "сайт",
}


def _draft_text(fields: dict[str, str], picked: list[LeadField], offer: drafts.Offer) -> str:
    lines = ["<b>Черновик лида из мессенджера</b>"]
    for key, value in fields.items():
        lines.append(f"{LeadField(key).label}: {escape(value[:300])}")
    if picked:
        words = ", ".join(PICKED_WORDS[field] for field in picked)
        lines.append(f"Взято из текста сообщения: {words}. Проверьте, прежде чем создать лид.")
    lines += duplicate_lines(offer.duplicates)
    return "\n".join(lines)


async def forwarded(
    message: Message, member: Member, uow: UnitOfWork, clock: Clock, settings: Settings
) -> None:
    fields, picked = _draft_fields(message)
    if reachability_error({LeadField(k): v for k, v in fields.items()}):
        await message.answer("В этом сообщении нет ни имени, ни телефона: лид из него не собрать.")
        return
    department_id = member.department_id or await leads.intake_department(
        uow, settings.intake_department
    )
    offer = await drafts.offer(uow, member, fields, department_id, clock.now())
    draft_id = offer.draft.id or 0
    rows = [
        [
            InlineKeyboardButton(
                text="✅ Создать лид",
                callback_data=DraftCb(action=DraftAction.CREATE, id=draft_id).pack(),
            ),
            InlineKeyboardButton(
                text="Не нужно",
                callback_data=DraftCb(action=DraftAction.DROP, id=draft_id).pack(),
            ),
        ]
    ]
    rows += [
        [button(f"Открыть лид #{lead_id}", LeadCb(action=LeadAction.OPEN, id=lead_id))]
        for lead_id in offer.openable
    ]
    await message.answer(
        _draft_text(fields, picked, offer),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def drop_draft(
    query: CallbackQuery, callback_data: DraftCb, member: Member, uow: UnitOfWork
) -> None:
    message = message_of(query)
    await leads.drop_draft(uow, member, callback_data.id)
    await after_commit(message.edit_reply_markup(reply_markup=None))
    await after_commit(query.answer("Черновик удалён"))


async def create_from_draft(
    query: CallbackQuery,
    callback_data: DraftCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    message = message_of(query)
    department_id = member.department_id or await leads.intake_department(
        uow, settings.intake_department
    )
    intake = await leads.create_from_draft(
        uow, member, callback_data.id, department_id, clock.now()
    )
    # The lead is committed: whatever Telegram refuses from here, it is reported as created.
    await after_commit(message.edit_reply_markup(reply_markup=None))
    await after_commit(query.answer(f"Лид #{intake.lead.id} создан"))


class IsForwardOrContact(Filter):
    """A forwarded message or a shared contact: the makings of a lead (R2.3)."""

    async def __call__(self, message: Message) -> bool:
        return message.forward_origin is not None or message.contact is not None


def router() -> Router:
    router = Router(name="lead_new")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    steps = [step[0] for step in STEPS]
    router.message.register(form_answer, StateFilter(*steps), HasText())
    in_form = StateFilter(NewLeadForm)
    on_press = router.callback_query.register
    on_press(skip_question, FormCb.filter(F.action == FormAction.SKIP), in_form)
    on_press(save_form, FormCb.filter(F.action == FormAction.SAVE), in_form)
    on_press(cancel_form, FormCb.filter(F.action == FormAction.CANCEL), in_form)
    on_press(form_closed, FormCb.filter(), ~in_form)
    on_press(create_from_draft, DraftCb.filter(F.action == DraftAction.CREATE))
    on_press(drop_draft, DraftCb.filter(F.action == DraftAction.DROP))
    router.message.register(forwarded, StateFilter(None), IsForwardOrContact())
    return router

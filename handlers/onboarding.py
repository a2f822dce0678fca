"""Joining by invitation and filling the profile (R1.1, R1.2)."""

from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.settings import Settings
from domain import normalize
from domain.errors import InvalidInput
from domain.model import Member, Role
from domain.ports import Clock, UnitOfWork
from domain.services import onboarding
from handlers import views
from handlers.callbacks import ProfileAction, ProfileCb
from handlers.filters import HasContact, HasText
from handlers.middlewares import REFUSE_STRANGER
from handlers.replies import edit_markup, message_of
from handlers.states import ProfileForm

log = logging.getLogger(__name__)


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    uow: UnitOfWork,
    member: Member | None,
    settings: Settings,
    clock: Clock,
) -> None:
    user = message.from_user
    assert user is not None
    if await state.get_state() is not None:
        await state.clear()
    if member is None:
        member = await onboarding.bootstrap_admin(
            uow, user.id, user.full_name, settings.admin_ids, clock.now()
        )
    if member is not None:
        note = "Вы уже в команде, приглашение не нужно.\n" if command.args else ""
        if member.role is Role.ADMIN and not await uow.departments.all():
            text, markup = views.welcome_first_department(member), views.first_department()
            await message.answer(note + text, reply_markup=markup)
            return
        await message.answer(note + views.welcome(member), reply_markup=views.main_menu(member))
        return
    if not command.args:
        if await onboarding.has_admin(uow, settings.admin_ids):
            await message.answer(REFUSE_STRANGER)
            return
        log.warning(
            "no admin yet: user %s sent /start; to make him the admin, put ADMIN_IDS=%s "
            "in .env and restart",
            user.id,
            user.id,
        )
        await message.answer(views.no_admin_yet(user.id))
        return
    invitation = await onboarding.check_invitation(uow, command.args, user.id, clock.now())
    department = (
        await uow.departments.get(invitation.department_id) if invitation.department_id else None
    )
    where = f" в отдел «{escape(department.name)}»" if department else ""
    await state.set_state(ProfileForm.full_name)
    await state.set_data({"token": invitation.token})
    await message.answer(
        f"Добро пожаловать! Вас пригласили: {invitation.role.label}{where}.\n"
        "Заполним профиль — 4 коротких вопроса.\n\n"
        "Как вас зовут? Напишите фамилию, имя и отчество.",
        reply_markup=views.suggestion_keyboard(user.full_name),
    )


async def got_full_name(message: Message, state: FSMContext) -> None:
    full_name = onboarding.parse_full_name(message.text or "")
    await state.update_data(full_name=full_name)
    await state.set_state(ProfileForm.phone)
    await message.answer(
        "Ваш рабочий телефон? Нажмите кнопку ниже или напишите номер.",
        reply_markup=views.phone_keyboard(),
    )


async def got_phone_contact(message: Message, state: FSMContext) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if contact.user_id != message.from_user.id:
        raise InvalidInput("phone", "Это чужой контакт. Отправьте свой номер кнопкой или текстом.")
    # Telegram sends a contact's number in international form, often without the "+".
    number = contact.phone_number
    await _save_phone(message, state, number if number.startswith("+") else f"+{number}")


async def got_phone_text(message: Message, state: FSMContext) -> None:
    await _save_phone(message, state, message.text or "")


async def _save_phone(message: Message, state: FSMContext, raw: str) -> None:
    phone = normalize.phone(raw)
    await state.update_data(phone=phone)
    await state.set_state(ProfileForm.email)
    await message.answer(
        f"Записал телефон {phone}. Ваш рабочий e-mail?", reply_markup=ReplyKeyboardRemove()
    )


async def got_email(message: Message, state: FSMContext) -> None:
    email = normalize.email(message.text or "")
    await state.update_data(email=email)
    await state.set_state(ProfileForm.position)
    await message.answer("Ваша должность? Например: менеджер по продажам.")


async def got_position(message: Message, state: FSMContext) -> None:
    position = onboarding.parse_position(message.text or "")
    data = await state.update_data(position=position)
    await state.set_state(ProfileForm.confirm)
    profile = onboarding.parse_profile(
        data["full_name"], data["phone"], data["email"], data["position"]
    )
    await message.answer(
        views.profile_summary(profile), reply_markup=views.profile_confirm_keyboard()
    )


async def redo_profile(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await state.set_state(ProfileForm.full_name)
    await edit_markup(query, None)
    await message.answer("Заполним заново. Как вас зовут? Фамилия, имя и отчество.")
    await query.answer()


async def save_profile(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    member: Member | None,
    clock: Clock,
) -> None:
    message = message_of(query)
    data = await state.get_data()
    profile = onboarding.parse_profile(
        data["full_name"], data["phone"], data["email"], data["position"]
    )
    if member is None:
        member = await onboarding.accept_invitation(
            uow, data.get("token", ""), query.from_user.id, profile, clock.now()
        )
        done = "Профиль сохранён, вы в команде."
    else:
        member = await onboarding.update_profile(uow, member, profile)
        done = "Профиль обновлён."
    await state.clear()
    await edit_markup(query, None)
    await message.answer(f"{done}\n{views.welcome(member)}", reply_markup=views.main_menu(member))
    await query.answer(done)


async def profile_closed(query: CallbackQuery) -> None:
    """A profile button when no profile waits to be confirmed."""
    await query.answer("Эта анкета уже закрыта.", show_alert=True)


def router() -> Router:
    router = Router(name="onboarding")
    router.message.register(start, CommandStart())
    router.message.register(got_full_name, StateFilter(ProfileForm.full_name), HasText())
    router.message.register(got_phone_contact, StateFilter(ProfileForm.phone), HasContact())
    router.message.register(got_phone_text, StateFilter(ProfileForm.phone), HasText())
    router.message.register(got_email, StateFilter(ProfileForm.email), HasText())
    router.message.register(got_position, StateFilter(ProfileForm.position), HasText())
    confirming = StateFilter(ProfileForm.confirm)
    on_press = router.callback_query.register
    on_press(save_profile, ProfileCb.filter(F.action == ProfileAction.SAVE), confirming)
    on_press(redo_profile, ProfileCb.filter(F.action == ProfileAction.REDO), confirming)
    on_press(profile_closed, ProfileCb.filter(), ~confirming)
    return router

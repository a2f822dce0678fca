"""«Профиль» and /profile: the member's profile with «Изменить» beside each field (R1.2,
#14 §5)."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from domain.model import Member
from domain.ports import UnitOfWork
from domain.services import profile
from domain.services.profile import ProfileField
from handlers import views
from handlers.answers import answering
from handlers.callbacks import ProfileFieldCb
from handlers.filters import HasText, IsMember, TextIs
from handlers.replies import message_of
from handlers.states import ProfileEdit
from handlers.texts import button


def profile_text(member: Member, department: str | None) -> str:
    lines = ["<b>Профиль</b>"]
    for field in ProfileField:
        value = getattr(member, field.attribute) or "—"
        lines.append(f"{field.label}: {escape(value)}")
    role = member.role.label + (f", отдел «{escape(department)}»" if department else "")
    lines.append(f"Роль: {role}")
    return "\n".join(lines)


def profile_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(f"Изменить: {field.label}", ProfileFieldCb(field=field))]
            for field in ProfileField
        ]
    )


async def _show(message: Message, member: Member, uow: UnitOfWork, note: str = "") -> None:
    department = await uow.departments.get(member.department_id) if member.department_id else None
    text = profile_text(member, department.name if department else None)
    await message.answer(note + text, reply_markup=profile_keyboard())


async def show_profile(
    message: Message, member: Member, uow: UnitOfWork, state: FSMContext
) -> None:
    await state.clear()
    await _show(message, member, uow)


async def ask_field(
    query: CallbackQuery, callback_data: ProfileFieldCb, member: Member, state: FSMContext
) -> None:
    field = callback_data.field
    await state.set_state(ProfileEdit.value)
    await state.set_data({"field": field.value})
    current = getattr(member, field.attribute) or "—"
    await message_of(query).answer(
        f"{field.label}: сейчас {escape(current)}. Напишите новое значение.\nОтменить: /cancel",
        reply_markup=views.suggestion_keyboard(current)
        if field is ProfileField.FULL_NAME
        else None,
    )
    await query.answer()


async def typed_value(message: Message, member: Member, uow: UnitOfWork, state: FSMContext) -> None:
    field = ProfileField((await state.get_data())["field"])
    async with answering(state, uow):
        member = await profile.change(uow, member, field, message.text or "")
    await state.clear()
    value = escape(getattr(member, field.attribute))
    await _show(message, member, uow, f"Сохранено. {field.label}: {value}\n\n")


def router() -> Router:
    router = Router(name="profile")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(show_profile, Command("profile"))
    router.message.register(show_profile, TextIs(views.MENU_PROFILE))
    router.message.register(typed_value, StateFilter(ProfileEdit.value), HasText())
    router.callback_query.register(ask_field, ProfileFieldCb.filter())
    return router

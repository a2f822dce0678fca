"""The main menu, /help, /cancel, and what is said to anything else."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from domain.model import Member
from handlers import views
from handlers.errors import StaleButton
from handlers.filters import IsMember, TextIs
from handlers.states import ProfileForm


async def cancel(message: Message, state: FSMContext, member: Member | None) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    text = "Действие отменено." if had_state else "Отменять нечего."
    if member is None:
        await message.answer(text + " Чтобы начать заново, откройте ссылку-приглашение ещё раз.")
        return
    await message.answer(text, reply_markup=views.main_menu(member))


async def help_(message: Message, member: Member) -> None:
    await message.answer(views.help_text(member), reply_markup=views.main_menu(member))


async def not_ready(message: Message) -> None:
    await message.answer(views.NOT_READY[message.text or ""])


async def profile_needs_text(message: Message) -> None:
    await message.answer("Ответьте, пожалуйста, текстом на вопрос выше или нажмите /cancel.")


async def still_waiting(message: Message) -> None:
    """Anything no step takes (a sticker, a photo, text where a button is awaited) in the
    middle of a conversation: the question still stands."""
    await message.answer("Сначала ответьте на вопрос выше или нажмите /cancel.")


async def unknown(message: Message, member: Member) -> None:
    await message.answer(
        "Не понял. Выберите раздел в меню или посмотрите /help.",
        reply_markup=views.main_menu(member),
    )


async def unknown_button(query: CallbackQuery) -> None:
    """A press no handler took: its data is no button of ours (handlers/callbacks.py)."""
    raise StaleButton()


def router() -> Router:
    router = Router(name="menu")
    router.message.register(cancel, Command("cancel"))
    router.message.register(help_, Command("help"), IsMember())
    router.message.register(help_, TextIs(views.MENU_HELP), IsMember())
    router.message.register(not_ready, TextIs(*views.NOT_READY), IsMember())
    return router


def fallback_router() -> Router:
    router = Router(name="fallback")
    router.message.register(profile_needs_text, StateFilter(ProfileForm))
    router.message.register(still_waiting, ~StateFilter(None), IsMember())
    router.message.register(unknown, IsMember())
    router.callback_query.register(unknown_button)
    return router

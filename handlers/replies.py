"""Editing the message a button sits on, the way Telegram allows it."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from handlers.errors import StaleButton


def message_of(query: CallbackQuery) -> Message:
    """The message under the button; an old, inaccessible one makes the button stale."""
    if not isinstance(query.message, Message):
        raise StaleButton()
    return query.message


def _unchanged(error: TelegramBadRequest) -> bool:
    return "message is not modified" in error.message


async def edit_text(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the text; pressing twice (the same text again) is not an error."""
    try:
        await message_of(query).edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if not _unchanged(error):
            raise


async def edit_markup(query: CallbackQuery, reply_markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message_of(query).edit_reply_markup(reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if not _unchanged(error):
            raise

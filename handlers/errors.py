"""The one error handler: domain errors become a short Russian answer, the rest is logged."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message

from domain.errors import DomainError, StaleState

log = logging.getLogger(__name__)

UNEXPECTED = "Что-то пошло не так, и действие не выполнено. Попробуйте ещё раз через минуту."
STALE_BUTTON = "Эта кнопка устарела: откройте раздел заново."


class StaleButton(StaleState):
    """A press no button of ours makes now: data no button carries (an action unknown, a field
    that does not parse: forged, or from a version of the bot long gone), a button from an
    earlier version of its message, or one on a message too old to reach. Nothing is done;
    `on_error` answers it like any domain error."""

    def __init__(self) -> None:
        super().__init__(STALE_BUTTON)


def require_offered(query: CallbackQuery) -> None:
    """The button pressed is on its message as Telegram shows it now (the callback carries the
    message's current keyboard); a press replayed from an earlier version of the message, or
    data no button carries, is refused as stale and changes nothing."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    rows = markup.inline_keyboard if markup is not None else []
    if not any(button.callback_data == query.data for row in rows for button in row):
        raise StaleButton()


async def after_commit(call: Awaitable[Any]) -> None:
    """Telegram told of a change already committed. Its refusal (the message is not modified,
    can't be edited, the query is too old) does not undo the change: it is logged, and the
    member is not told that the action failed."""
    try:
        await call
    except TelegramAPIError as error:
        log.warning("a committed change was not shown: %s", error)


async def on_error(event: ErrorEvent) -> bool:
    error = event.exception
    update = event.update
    if isinstance(error, DomainError):
        text = error.message
    else:
        log.error("update %s failed", update.update_id, exc_info=error)
        text = UNEXPECTED
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.message is not None:
            await update.message.answer(text, parse_mode=None)  # plain: it may quote input
    except Exception:
        log.exception("update %s: could not tell the user about the failure", update.update_id)
    return True


def router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router

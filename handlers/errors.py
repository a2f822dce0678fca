"""The one error handler: domain errors become a short Russian answer, the rest is logged."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

from domain.errors import DomainError

log = logging.getLogger(__name__)

UNEXPECTED = "Что-то пошло не так, и действие не выполнено. Попробуйте ещё раз через минуту."


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

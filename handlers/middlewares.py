"""One unit of work per update, the member who sent it, and the access gate (R1.1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from domain.services import onboarding
from handlers.states import OPEN_TO_STRANGERS

REFUSE_STRANGER = (
    "Этот бот — рабочий инструмент отдела продаж, он открыт только сотрудникам по приглашению. "
    "Попросите у руководителя ссылку-приглашение."
)
REFUSE_INACTIVE = "Ваш доступ к боту отключён. Если это ошибка, обратитесь к руководителю."

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _is_start(message: Message | None) -> bool:
    return bool(message and message.text and message.text.split()[0].split("@")[0] == "/start")


async def _refuse(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


class UnitOfWorkMiddleware(BaseMiddleware):
    """Outer update middleware, after aiogram's FSM middleware (it needs `raw_state`)."""

    def __init__(self, uow_factory: Callable[[], Any]) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user = data.get("event_from_user")
        async with self._uow_factory() as uow:
            data["uow"] = uow
            member = await uow.members.by_telegram_id(user.id) if user else None
            if member is not None:
                await onboarding.wrote_again(uow, member)
            await uow.rollback()  # hand the connection back while the handler talks to Telegram
            data["member"] = member
            if user is not None and not _may_pass(event, member, data.get("raw_state")):
                await _refuse(event, REFUSE_INACTIVE if member else REFUSE_STRANGER)
                return None
            return await handler(event, data)


def _may_pass(update: Update, member: Any, raw_state: str | None) -> bool:
    if member is not None:
        return bool(member.active)
    if isinstance(update.event, Message | CallbackQuery) and raw_state in OPEN_TO_STRANGERS:
        return True
    return _is_start(update.message)

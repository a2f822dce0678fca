"""The outbox sender: delivers every message the bot starts, card edits included.

Rows are claimed one by one with a conditional UPDATE, so two processes never send one
message twice; a card is rendered from the lead as it is at delivery time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from domain.model import NotificationKind
from domain.ports import Clock
from domain.services.cards import card_context
from handlers import lead_views
from handlers.lead_callbacks import LeadCb
from storage.outbox_store import OutboxStore, Pending
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
CLAIM_HOLD = timedelta(seconds=60)
POLL_SECONDS = 1.0
BATCH = 50
MAX_BACKOFF_SECONDS = 300
MAX_ATTEMPTS_ON_BUG = 5


class OutboxSender:
    def __init__(
        self, uow_factory: SqlUnitOfWorkFactory, bot: Bot, clock: Clock, zone: ZoneInfo
    ) -> None:
        self._uow_factory = uow_factory
        self._bot = bot
        self._clock = clock
        self._zone = zone
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                while await self.drain():
                    pass
            except Exception:
                log.exception("outbox: drain failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()

    async def drain(self) -> int:
        """Deliver what is due now; returns how many rows were handled."""
        async with self._uow_factory() as uow:
            due = await OutboxStore(uow.session).due(self._clock.now(), BATCH)
        for row_id in due:
            await self._deliver_one(row_id)
        return len(due)

    async def _deliver_one(self, row_id: int) -> None:
        async with self._uow_factory() as uow:
            store = OutboxStore(uow.session)
            pending = await store.claim(row_id, self._clock.now(), CLAIM_HOLD)
            await uow.commit()
            if pending is None:
                return  # another sender has it
            try:
                await self._deliver(uow, store, pending)
            except TelegramRetryAfter as error:
                when = self._clock.now() + timedelta(seconds=error.retry_after)
                await store.retry_at(row_id, when, f"429 retry after {error.retry_after}")
            except (TelegramNetworkError, TelegramServerError) as error:
                delay = min(2**pending.attempts, MAX_BACKOFF_SECONDS)
                await store.retry_at(
                    row_id, self._clock.now() + timedelta(seconds=delay), repr(error)
                )
            except TelegramForbiddenError as error:
                await store.sent(row_id, self._clock.now(), f"blocked: {error.message}")
            except TelegramBadRequest as error:
                log.error("outbox: row %s refused by Telegram: %s", row_id, error.message)
                await store.sent(row_id, self._clock.now(), f"refused: {error.message}")
            except Exception as error:
                log.exception("outbox: row %s failed (attempt %s)", row_id, pending.attempts)
                await uow.rollback()
                if pending.attempts >= MAX_ATTEMPTS_ON_BUG:
                    await store.sent(row_id, self._clock.now(), f"gave up: {error!r}")
                else:
                    delay = min(2**pending.attempts, MAX_BACKOFF_SECONDS)
                    await store.retry_at(
                        row_id, self._clock.now() + timedelta(seconds=delay), repr(error)
                    )
            else:
                await store.sent(row_id, self._clock.now())
            await uow.commit()

    async def _deliver(self, uow: SqlUnitOfWork, store: OutboxStore, pending: Pending) -> None:
        member = await uow.members.get(pending.member_id)
        if member is None or not member.active:
            return
        chat_id = member.telegram_id
        if pending.kind is NotificationKind.TEXT:
            markup = None
            if pending.lead_id is not None:
                markup = InlineKeyboardMarkup(
                    inline_keyboard=[
                        [lead_views.button("Открыть карточку", LeadCb(a="opn", id=pending.lead_id))]
                    ]
                )
            await self._bot.send_message(chat_id, pending.text or "", reply_markup=markup)
            return
        assert pending.lead_id is not None
        lead = await uow.leads.get(pending.lead_id)
        if lead is None:
            return
        context = await card_context(uow, lead, member)
        text = lead_views.card_text(context, self._clock.now(), self._zone)
        keyboard = lead_views.card_keyboard(context)
        where = None if pending.fresh else await store.card(pending.lead_id, member.id or 0)
        if where is not None:
            try:
                await self._bot.edit_message_text(
                    text=text, chat_id=where[0], message_id=where[1], reply_markup=keyboard
                )
                return
            except TelegramBadRequest as error:
                if "not modified" in error.message:
                    return
                if "not found" not in error.message and "can't be edited" not in error.message:
                    raise
        sent = await self._bot.send_message(chat_id, text, reply_markup=keyboard)
        await store.remember_card(
            pending.lead_id, member.id or 0, chat_id, sent.message_id, self._clock.now()
        )

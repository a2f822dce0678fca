"""The outbox sender: delivers every message the bot starts, within Telegram's limits.

- Rows are claimed one by one with a conditional UPDATE: two processes never send one twice.
- A member's messages go out in order: only the oldest unsent row of each member is eligible.
- Pacing: at most `rate` messages a second overall, one per `chat_interval` to one chat.
- 429: the row waits `retry_after` and the whole sender pauses that long (a sender taking
  over from another process goes on with the pause, read from the row). Network errors and
  5xx: the row is retried with backoff. 403: the member blocked the bot; he is flagged, his
  supervisors are told, and his messages are dropped until he writes again.
- A card of any subject (a lead, an escalation) is drawn as the subject is at delivery time
  (handlers/cards.py), and edited in place.
- One process sends at a time: the sender holds a lock that dies with its process
  (storage/leadership.py); the senders of other processes stand by and take over within a
  second or so of its release or death. So the pacing holds for the whole bot, however many
  processes run. Rows a dead sender had claimed are free for the next at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from domain.model import Member, Notification, NotificationKind
from domain.names import Verb
from domain.ports import Clock, SystemClock
from domain.services.timers import card_handed, card_not_handed, supervisors_of
from handlers import cards, escalation_views
from storage.leadership import Leadership
from storage.outbox_store import FLOOD_WAIT, Head, OutboxStore, Pending
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
CLAIM_HOLD = timedelta(seconds=300)  # far past aiogram's 60 s request timeout
POLL_SECONDS = 1.0
BATCH = 100
MAX_BACKOFF_SECONDS = 300
MAX_ATTEMPTS_ON_BUG = 5
RATE_WINDOW = 1.05  # seconds: a margin over Telegram's one second
LEADERSHIP_CHECK_SECONDS = 1.0  # the holder checks it still holds, a standby asks, this often


BLOCKED = Verb(
    "⚠️ {name} заблокировал бота", "⚠️ {name} заблокировала бота", "⚠️ {name}: бот заблокирован"
)


def _edits_a_card(pending: Pending) -> bool:
    return pending.kind is NotificationKind.CARD and not pending.fresh and bool(pending.subject)


class MemberBlocked(Exception):
    """The member blocked the bot earlier: his messages are dropped until he writes again."""


class OutboxSender:
    def __init__(
        self,
        uow_factory: SqlUnitOfWorkFactory,
        bot: Bot,
        zone: ZoneInfo,
        leadership: Leadership,
        *,
        rate: float = 30.0,
        chat_interval: float = 1.0,
        clock: Clock | None = None,
        rules_clock: Clock | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._bot = bot
        self._zone = zone
        # Delivery runs on real time whatever clock the rules use: retries are real waits.
        self._clock = clock or SystemClock()
        # The rules' time: R2.15's clock start, and the "now" a card or an escalation is
        # drawn at, as the handlers draw theirs.
        self._rules_clock = rules_clock or self._clock
        self._rate = max(1, int(rate))
        self._chat_interval = chat_interval
        self._recent: deque[float] = deque()
        self._chat_ready: dict[int, float] = {}
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._stopping = False
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._leadership = leadership
        self._leadership_task: asyncio.Task[None] | None = None
        self._leading = False
        self.delivered = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._leadership_task = asyncio.create_task(self._keep_leadership(), name="outbox-lead")
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def _keep_leadership(self) -> None:
        """Hold the sending lock, or stand by for it; apart from the sending loop, so a long
        wait there (a 429 pause) does not keep a standby from noticing."""
        first = True
        while not self._stopping:
            was = self._leading
            try:
                held = await self._leadership.hold()
                if held and not was:
                    await self._take_over()
            except Exception:
                log.exception("outbox: the sending lock could not be checked")
                held = False
            self._leading = held
            if held != was or first:
                log.info("outbox: %s", "this process sends" if held else "standing by")
                self._wake.set()
            first = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), LEADERSHIP_CHECK_SECONDS)

    async def _take_over(self) -> None:
        """The lock is ours, so no other sender lives: the rows a dead one had claimed are
        free now (the one it was sending may go twice: Telegram has no idempotency key), and
        a 429 pause it was in goes on here."""
        async with self._uow_factory() as uow:
            store = OutboxStore(uow.session)
            freed = await store.release_claims()
            until = await store.flood_wait_until()
            await uow.commit()
        if freed:
            log.info("outbox: %s message(s) a stopped sender had claimed are free again", freed)
        self._inherit_flood_wait(until)

    def _inherit_flood_wait(self, until: datetime | None) -> None:
        """Taking over: a 429 pause the previous sender was in goes on here."""
        if until is None:
            return
        seconds = (until - self._clock.now()).total_seconds()
        if seconds > 0:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            log.info("outbox: waiting out Telegram's 429 for %.1f s more", seconds)

    async def stop(self, grace: float = 0.0) -> None:
        """Finish the message in flight (up to `grace` seconds), then stop; the rest waits in
        the outbox for the next start."""
        if self._task is None:
            return
        self._stopping = True
        self._stop.set()
        self._wake.set()
        # Both loops end by themselves; cancelling one in the middle of a statement could
        # leave its connection unusable (asyncpg), so that is only the last resort.
        waiting = [task for task in (self._task, self._leadership_task) if task is not None]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(asyncio.gather(*waiting)), grace)
        for task in waiting:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._leading = False
        self._task = self._leadership_task = None
        try:
            await self._leadership.release()
        except Exception:
            log.exception("outbox: the sending lock could not be released")

    @property
    def leading(self) -> bool:
        """Whether this process holds the sending lock now."""
        return self._leading

    async def _run(self) -> None:
        while not self._stopping:
            pause = POLL_SECONDS
            # Cleared before the round, so a wake-up that comes during it is not lost.
            self._wake.clear()
            try:
                if not self.leading:
                    pause = LEADERSHIP_CHECK_SECONDS  # another process sends; woken on taking over
                else:
                    handled, pause = await self._round()
                    if handled:
                        continue
            except Exception:
                log.exception("outbox: a round failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.01, pause))

    async def drain(self) -> int:
        """Deliver what can go now (for tests and benchmarks); returns how many were handled."""
        handled, _ = await self._round()
        return handled

    async def _round(self) -> tuple[int, float]:
        """One pass over the members' oldest rows; returns (handled, seconds to the next)."""
        async with self._uow_factory() as uow:
            heads = await OutboxStore(uow.session).heads(BATCH)
        handled = 0
        wait = POLL_SECONDS
        for head in heads:
            if self._stopping or (self._task is not None and not self.leading):
                break
            ready_in = self._ready_in(head)
            if ready_in > 0:
                wait = min(wait, ready_in)
                continue
            if await self._deliver_one(head.id):
                handled += 1
        return handled, wait

    def _ready_in(self, head: Head) -> float:
        """Seconds until this member's oldest row may go (0: now)."""
        monotonic = time.monotonic()
        waits = [
            self._paused_until - monotonic,
            self._chat_ready.get(head.member_id, 0.0) - monotonic,
        ]
        now = self._clock.now()
        if head.not_before is not None:
            waits.append((head.not_before - now).total_seconds())
        if head.claimed_until is not None:
            waits.append((head.claimed_until - now).total_seconds())
        return max(0.0, *waits)

    async def _pace(self) -> None:
        """Hold the overall rate right before each call to Telegram: at most `rate` calls in
        any window a little longer than a second, so none of Telegram's seconds sees more."""
        while True:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - RATE_WINDOW:
                self._recent.popleft()
            wait = self._paused_until - now
            if len(self._recent) >= self._rate:
                wait = max(wait, self._recent[0] + RATE_WINDOW - now)
            if wait <= 0:
                self._recent.append(now)
                return
            await asyncio.sleep(wait)

    async def _deliver_one(self, row_id: int) -> bool:
        async with self._uow_factory() as uow:
            store = OutboxStore(uow.session)
            pending = await store.claim(row_id, self._clock.now(), CLAIM_HOLD)
            if pending is not None and _edits_a_card(pending):
                # The later edits of this card are done by this one, which reads the subject
                # after this commit: what they changed is drawn here. In the claim's
                # transaction, one round trip to the database fewer for every card.
                await store.coalesce_cards(pending, self._clock.now())
            await uow.commit()
            if pending is None:
                return False  # another sender has it
            # R2.15: the responsible's clock starts as his card is handed to Telegram, written
            # before the call, so a crash that loses Telegram's answer cannot move it. A
            # transaction of its own, which writes the lead before its timers, as use cases do.
            handed = False
            if pending.kind is NotificationKind.CARD and pending.fresh and pending.subject:
                handed = await card_handed(
                    uow, pending.subject, pending.member_id, self._rules_clock.now()
                )
                await uow.commit()
            self._chat_ready[pending.member_id] = time.monotonic() + self._chat_interval
            settled = True  # done with: delivered, or it never will be
            try:
                await self._deliver(uow, store, pending)
            except asyncio.CancelledError:
                await uow.rollback()  # its write lock would keep the release waiting
                await self._release(row_id)
                raise
            except TelegramRetryAfter as error:
                self._paused_until = time.monotonic() + error.retry_after
                when = self._clock.now() + timedelta(seconds=error.retry_after)
                await store.retry_at(row_id, when, f"{FLOOD_WAIT} {error.retry_after}")
                log.warning("outbox: Telegram asks to wait %ss", error.retry_after)
                settled = False
            except (TelegramNetworkError, TelegramServerError) as error:
                await store.retry_at(row_id, self._backoff(pending.attempts), repr(error))
                settled = False
            except MemberBlocked:
                await store.sent(row_id, self._clock.now(), "blocked")
            except TelegramForbiddenError as error:
                await store.sent(row_id, self._clock.now(), f"blocked: {error.message}")
                await self._blocked(uow, store, pending)
            except TelegramBadRequest as error:
                log.error("outbox: row %s refused by Telegram: %s", row_id, error.message)
                await store.sent(row_id, self._clock.now(), f"refused: {error.message}")
            except Exception as error:
                log.exception("outbox: row %s failed (attempt %s)", row_id, pending.attempts)
                await uow.rollback()
                if pending.attempts >= MAX_ATTEMPTS_ON_BUG:
                    await store.sent(row_id, self._clock.now(), f"gave up: {error!r}")
                else:
                    await store.retry_at(row_id, self._backoff(pending.attempts), repr(error))
                    settled = False
            else:
                await store.sent(row_id, self._clock.now())
                self.delivered += 1
            if handed and not settled and pending.subject:
                # Telegram did not take it and the row waits for another try: the clock
                # starts again with that try, so the wait does not eat his minutes.
                await card_not_handed(
                    uow, pending.subject, pending.member_id, self._rules_clock.now()
                )
            await uow.commit()
            return True

    async def _release(self, row_id: int) -> None:
        """Cut off mid-delivery (a stop past its grace): the row is free for the next start
        at once instead of held for CLAIM_HOLD. Telegram may have taken it already: a rare
        second copy is better than a reminder five minutes late."""
        with contextlib.suppress(Exception):
            async with self._uow_factory() as uow:
                await OutboxStore(uow.session).release(row_id)
                await uow.commit()

    def _backoff(self, attempts: int) -> datetime:
        return self._clock.now() + timedelta(seconds=min(2**attempts, MAX_BACKOFF_SECONDS))

    async def _blocked(self, uow: SqlUnitOfWork, store: OutboxStore, pending: Pending) -> None:
        """403: flag the member once and tell his supervisors."""
        now = self._clock.now()
        if not await store.block(pending.member_id, now):
            return
        member = await uow.members.get(pending.member_id)
        if member is None or member.department_id is None:
            return
        log.warning("outbox: member %s blocked the bot", member.id)
        for boss in await supervisors_of(uow, member.department_id):
            if boss.id is not None and boss.id != member.id:
                await uow.outbox.add(
                    Notification(
                        boss.id,
                        NotificationKind.TEXT,
                        now,
                        text=BLOCKED.of(escape(member.full_name)) + ": уведомления о "
                        "лидах ему не доходят. Попросите его открыть бота и нажать /start.",
                    )
                )

    async def _deliver(self, uow: SqlUnitOfWork, store: OutboxStore, pending: Pending) -> None:
        member = await uow.members.get(pending.member_id)
        if member is None or not member.active:
            return
        if member.blocked_at is not None:
            raise MemberBlocked
        chat_id = member.telegram_id
        match pending.kind:
            case NotificationKind.TEXT:
                await self._pace()
                await self._bot.send_message(
                    chat_id, pending.text or "", reply_markup=cards.opener(pending.subject)
                )
            case NotificationKind.CARD:
                await self._card(uow, pending, member, chat_id)
            case NotificationKind.CALL:
                assert pending.subject is not None
                lead = await uow.leads.get(pending.subject.id)
                if lead is not None:
                    await self._pace()
                    await self._bot.send_message(
                        chat_id,
                        escalation_views.call_text(lead, self._zone),
                        reply_markup=escalation_views.call_keyboard(lead),
                    )

    async def _edit_or_send(
        self, chat_id: int, where: tuple[int, int] | None, text: str, keyboard: InlineKeyboardMarkup
    ) -> int | None:
        """Edit the message at `where`; send a new one if there is none. The new id, if sent."""
        if where is not None:
            try:
                await self._pace()
                await self._bot.edit_message_text(
                    text=text, chat_id=where[0], message_id=where[1], reply_markup=keyboard
                )
                return None
            except TelegramBadRequest as error:
                if "not modified" in error.message:
                    return None
                if "not found" not in error.message and "can't be edited" not in error.message:
                    raise
        await self._pace()
        sent = await self._bot.send_message(chat_id, text, reply_markup=keyboard)
        return sent.message_id

    async def _card(
        self, uow: SqlUnitOfWork, pending: Pending, member: Member, chat_id: int
    ) -> None:
        """Any subject's card, drawn as the subject is now: a new message for a fresh card
        (the copy above loses its buttons), else the member's live card edited in place."""
        subject = pending.subject
        assert subject is not None
        drawn = await cards.draw(uow, subject, member, self._rules_clock.now(), self._zone)
        if drawn is None:
            return
        old = await uow.cards.where(subject, pending.member_id)
        where = None if pending.fresh else old
        sent = await self._edit_or_send(chat_id, where, drawn.text, drawn.keyboard)
        if sent is not None:
            await uow.cards.remember(subject, pending.member_id, chat_id, sent, self._clock.now())
            await uow.commit()  # no write lock may be held across a call to Telegram
            if old is not None and pending.fresh:
                await self._retire(old)

    async def _retire(self, where: tuple[int, int]) -> None:
        """One live card per subject per member: the copy left above loses its buttons. As
        well as it can: the new card is out, and failing its row now would send it again (a
        press on the old copy is checked like any other)."""
        try:
            await self._pace()
            await self._bot.edit_message_reply_markup(
                chat_id=where[0], message_id=where[1], reply_markup=None
            )
        except TelegramRetryAfter as error:
            self._paused_until = max(self._paused_until, time.monotonic() + error.retry_after)
        except TelegramAPIError as error:
            log.info("outbox: the copy at %s kept its buttons: %s", where, error.message)

"""The composition root: everything the bot is made of is built here, and only here."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http import HttpServer, build_http_app
from bot.outbox import OutboxSender
from bot.settings import Settings, token_of
from bot.telegram_types import warm_up
from domain.ports import Clock, SystemClock
from domain.services import onboarding
from domain.services.checklist import ensure_default as ensure_default_checklist
from handlers import routers, views
from handlers.drain import InFlight
from handlers.middlewares import UnitOfWorkMiddleware
from scheduler.sweep import TimerSweep, schedule_sweep
from storage.engine import create_engine, create_session_factory
from storage.fsm import SqlStorage
from storage.leadership import leadership_for
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory
    clock: Clock
    bot: Bot
    dispatcher: Dispatcher
    scheduler: AsyncIOScheduler
    outbox: OutboxSender
    http: HttpServer
    sweep: TimerSweep

    _stop: asyncio.Event | None = None

    async def serve(self, *, handle_signals: bool = True) -> None:
        """Serve until SIGINT/SIGTERM (or `stop`), as UPDATES_MODE says; cleans up after."""
        try:
            # The sender and the timers first: after a crash, what is owed goes out while
            # the rest of start-up (types, webhook, commands) is still under way.
            self._start_engine()
            warm_up()
            if self.settings.updates_mode == "polling":
                await self.bot.delete_webhook(drop_pending_updates=False)
                await self.dispatcher.start_polling(
                    self.bot, handle_signals=handle_signals, close_bot_session=True
                )
            else:
                await self._serve_without_updates(handle_signals)
        finally:
            await self._stop_engine()  # stopped already by the shutdown, unless start-up failed
            await self.bot.session.close()  # closed already unless start-up failed
            await self.engine.dispose()

    def _start_engine(self) -> None:
        if self.settings.outbox_sender:
            self.outbox.start()
        schedule_sweep(self.scheduler, self.sweep, self.settings.timer_sweep_seconds)
        self.scheduler.start()
        log.info("timers: sweeping every %g s", self.settings.timer_sweep_seconds)

    async def _stop_engine(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.outbox.stop()

    async def _serve_without_updates(self, handle_signals: bool) -> None:
        """UPDATES_MODE=none: intake, timers and a standby sender, and no getUpdates, which
        Telegram allows one process of a bot at a time. Starts and stops as polling does."""
        self._stop = asyncio.Event()
        if handle_signals:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._stop.set)
        workflow = {"dispatcher": self.dispatcher, "bots": [self.bot]}
        workflow.update(self.dispatcher.workflow_data)
        await self.dispatcher.emit_startup(bot=self.bot, **workflow)
        try:
            await self._stop.wait()
        finally:
            try:
                await self.dispatcher.emit_shutdown(bot=self.bot, **workflow)
            finally:
                await self.bot.session.close()

    async def stop(self) -> None:
        if self.settings.updates_mode == "polling":
            await self.dispatcher.stop_polling()
        elif self._stop is not None:
            self._stop.set()


def _session(settings: Settings) -> AiohttpSession:
    if settings.telegram_api_base:
        return AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return AiohttpSession()


def _fsm(settings: Settings) -> tuple[BaseStorage, BaseEventIsolation]:
    if settings.uses_redis:
        from aiogram.fsm.storage.redis import RedisStorage  # only where Redis is configured

        storage = RedisStorage.from_url(settings.fsm_storage)
        return storage, storage.create_isolation()
    return SqlStorage(create_engine(settings.database_url)), SimpleEventIsolation()


def build_app(settings: Settings, clock: Clock | None = None) -> App:
    engine = create_engine(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(
        create_session_factory(engine), sla_defaults=settings.sla_defaults
    )
    clock = clock or SystemClock()
    bot = Bot(
        token=token_of(settings),
        session=_session(settings),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    storage, isolation = _fsm(settings)
    scheduler = AsyncIOScheduler(timezone="UTC")
    outbox = OutboxSender(
        uow_factory,
        bot,
        settings.zone,
        leadership_for(engine, settings.database_url, "outbox-sender"),
        rate=settings.telegram_rate_per_second,
        chat_interval=settings.telegram_chat_interval_seconds,
        rules_clock=clock,
    )
    sweep = TimerSweep(uow_factory, clock)
    uow_factory.on_outbox_commit = outbox.wake
    uow_factory.on_timers_commit = sweep.planned
    http = HttpServer(
        build_http_app(uow_factory, clock, settings), settings.http_host, settings.http_port
    )
    in_flight = InFlight()
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        settings=settings,
        clock=clock,
        uow_factory=uow_factory,
        scheduler=scheduler,
        in_flight=in_flight,
        outbox=outbox,
        http=http,
        sweep=sweep,
    )
    # Count an update from the moment it arrives, before it waits for its user's lock.
    dispatcher.update.outer_middleware.unregister(dispatcher.fsm)
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(dispatcher.fsm)
    dispatcher.update.outer_middleware(UnitOfWorkMiddleware(uow_factory))
    dispatcher.include_routers(*routers())
    dispatcher.startup.register(_on_startup)
    dispatcher.shutdown.register(_on_shutdown)
    # Drain before aiogram's own shutdown handler closes the FSM storage.
    observers = dispatcher.shutdown.handlers
    observers.insert(0, observers.pop())
    return App(
        settings, engine, uow_factory, clock, bot, dispatcher, scheduler, outbox, http, sweep
    )


async def _on_startup(
    bot: Bot,
    http: HttpServer,
    settings: Settings,
    uow_factory: SqlUnitOfWorkFactory,
    clock: Clock,
) -> None:
    await bot.set_my_commands(
        [BotCommand(command=name, description=text) for name, text in views.BOT_COMMANDS]
    )
    async with uow_factory() as uow:
        await ensure_default_checklist(uow, clock.now())
        if not await onboarding.has_admin(uow, settings.admin_ids):
            log.warning(
                "no admins configured: ADMIN_IDS is empty and nobody is an admin yet; "
                "send /start to the bot to learn your Telegram id, then put "
                "ADMIN_IDS=<your id> in .env and restart"
            )
    await http.start()
    me = await bot.me()
    log.info("bot @%s is up", me.username)


async def _on_shutdown(
    settings: Settings,
    scheduler: AsyncIOScheduler,
    in_flight: InFlight,
    outbox: OutboxSender,
    http: HttpServer,
    sweep: TimerSweep,
) -> None:
    # One grace for the whole stop, so a service manager's stop timeout can cover it.
    deadline = time.monotonic() + settings.shutdown_grace_seconds

    def left() -> float:
        return max(0.0, deadline - time.monotonic())

    # AsyncIOExecutor.shutdown cancels the jobs it runs: stop new runs first, let a running
    # sweep finish its timer, and only then shut the scheduler down.
    if scheduler.running:
        scheduler.pause()
        await sweep.stop(left())
        scheduler.shutdown(wait=False)
    await http.stop()
    if not await in_flight.wait_idle(left()):
        log.warning("stopping with updates still in flight")
    await outbox.stop(left())  # what it had not sent stays in the outbox for the next start

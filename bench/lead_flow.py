"""Benchmark of the lead flow, run by hand: `.venv/bin/python -m bench.lead_flow`.

1. A stage-button press end to end (callback -> use case -> SQLite commit -> editMessageText
   of the card), through the real dispatcher with a session that answers without network,
   against bare aiogram answering a trivial callback in the same run.
2. The floor under that press: the very statements each press sent to SQLite, and the very
   card edit and answer it made, replayed by one bare aiogram handler on the bare sqlite3
   driver, on a copy of the database as it was before the presses. No check, no domain, no
   SQLAlchemy, no card to draw: what any implementation of the press must at least spend.
   What the target leaves beyond that floor is printed next to the time our code takes to
   draw the card (text and buttons), one of the things that must fit in it.
3. Building "Мои лиды" with 100,000 leads in the database.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, EditMessageText, TelegramMethod
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from bot.app import build_app
from bot.settings import Settings
from domain.model import Profile, Role
from domain.services import cards, lead_lists, onboarding
from domain.statuses import LeadStatus
from handlers import lead_card_views
from handlers.callbacks import LeadAction, LeadCb
from storage.migrate import upgrade_engine
from storage.tables import LeadCardRow, LeadRow

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PRESSES = 2000
LEADS = 100_000
USER_ID = 9000


class OfflineSession(BaseSession):
    """Answers every Bot API call at once, as Telegram would, with no network."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.edits = 0
        self.sent: list[TelegramMethod[Any]] = []  # kept while `record` is set
        self.record = False

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.calls += 1
        if self.record:
            self.sent.append(method)
        name = type(method).__name__
        self.edits += name == "EditMessageText"
        if name in ("SendMessage", "EditMessageText"):
            chat_id = getattr(method, "chat_id", USER_ID)
            result = {
                "message_id": getattr(method, "message_id", None) or self.calls,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "text": getattr(method, "text", ""),
            }
            return Message.model_validate(result, context={"bot": bot})
        if name == "GetMe":
            return method.__returning__.model_validate(
                {"id": 1, "is_bot": True, "first_name": "bench", "username": "bench_bot"}
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


def callback_update(update_id: int, data: str) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "chat_instance": "1",
                "data": data,
                "from": {"id": USER_ID, "is_bot": False, "first_name": "Анна"},
                "message": {
                    "message_id": update_id,
                    "date": 0,
                    "text": "card",
                    "chat": {"id": USER_ID, "type": "private"},
                },
            },
        }
    )


async def bare_aiogram(presses: int) -> float:
    """Updates per second: bare aiogram answering a trivial callback."""
    router = Router()

    async def answer(query: CallbackQuery) -> None:
        await query.answer()

    router.callback_query.register(answer)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot("1:bench", session=OfflineSession())
    updates = [callback_update(n + 1, f"x:{n}") for n in range(presses)]
    started = time.perf_counter()
    for update in updates:
        await dispatcher.feed_update(bot, update)
    return presses / (time.perf_counter() - started)


def app_on(database: Path) -> Any:
    settings = Settings(
        _env_file=None,
        bot_token="1:bench",  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{database}",
        # Telegram's pacing is not what is measured: every card edit goes at once.
        telegram_rate_per_second=1_000_000,
        telegram_chat_interval_seconds=0,
    )
    app = build_app(settings)
    app.bot.session = OfflineSession()
    app.outbox._bot = app.bot  # the sender uses the same offline session
    return app


async def seeded_app(database: Path, leads: int, manager_leads: int) -> tuple[Any, Any]:
    app = app_on(database)
    await upgrade_engine(app.engine)
    async with app.uow_factory() as uow:
        admin = await onboarding.bootstrap_admin(uow, 1, "Админ", [1], NOW)
        assert admin is not None
        department = await onboarding.create_department(uow, admin, "Продажи")
        issued = await onboarding.issue_invitation(uow, admin, Role.MANAGER, department.id, NOW)
        manager = await onboarding.accept_invitation(
            uow,
            issued.invitation.token,
            USER_ID,
            Profile("Аннова Анна", "+79120000000", "a@example.ru", "менеджер"),
            NOW,
        )
    rows = []
    for n in range(leads):
        mine = n < manager_leads
        rows.append(
            {
                "title": f"Лид {n}",
                "title_is_auto": False,
                "source": "WEB",
                "status": LeadStatus.ASSIGNED.value if mine else LeadStatus.NEW.value,
                "status_changed_at": NOW,
                "department_id": department.id,
                "responsible_id": manager.id if mine else None,
                "created_at": NOW - timedelta(minutes=n),
                "assigned_at": NOW if mine else None,
                "checklist_answers": {},
            }
        )
    cards = [
        {
            "lead_id": n + 1,
            "member_id": manager.id,
            "chat_id": USER_ID,
            "message_id": n + 1,
            "updated_at": NOW,
        }
        for n in range(manager_leads)
    ]  # the manager holds a card of each of his leads: every press edits it
    async with app.engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(LeadRow), rows[start : start + 5000])
        await connection.execute(insert(LeadCardRow), cards)
    return app, manager


def stage_updates(presses: int) -> list[Update]:
    """ "В работу" pressed on the cards of leads 1..presses."""
    return [
        callback_update(
            n + 1,
            LeadCb(action=LeadAction.MOVE, id=n + 1, status="ASSIGNED", target="IN_PROCESS").pack(),
        )
        for n in range(presses)
    ]


async def stage_presses(app: Any, presses: int) -> float:
    """Updates per second: "В работу" pressed on `presses` leads, the cards edited."""
    updates = stage_updates(presses)
    started = time.perf_counter()
    for update in updates:
        await app.dispatcher.feed_update(app.bot, update, **app.dispatcher.workflow_data)
    while await app.outbox.drain():
        pass
    elapsed = time.perf_counter() - started
    edits = app.bot.session.edits
    assert edits == presses, f"{edits} card edits for {presses} presses"
    return presses / elapsed


Statement = tuple[str, Any, bool]  # SQL, its parameters as the driver got them, executemany


class PressRecord:
    """What each press sent to SQLite and to Telegram, captured below SQLAlchemy."""

    def __init__(self, session: OfflineSession) -> None:
        self._session = session
        self.statements: list[list[Statement]] = []
        self.methods: list[list[TelegramMethod[Any]]] = []

    def on_statement(self, *args: Any) -> None:
        _connection, _cursor, sql, parameters, _context, executemany = args
        if self.statements:
            self.statements[-1].append((sql, parameters, executemany))

    def begin_press(self) -> None:
        self.statements.append([])
        self._session.sent = []
        self._session.record = True

    def end_press(self) -> None:
        self.methods.append(self._session.sent)
        self._session.record = False


async def recorded_presses(app: Any, presses: int) -> PressRecord:
    """The presses on an untouched copy, untimed, with all each sent to SQLite and Telegram."""
    record = PressRecord(app.bot.session)
    event.listen(Engine, "before_cursor_execute", record.on_statement)
    try:
        for update in stage_updates(presses):
            record.begin_press()
            await app.dispatcher.feed_update(app.bot, update, **app.dispatcher.workflow_data)
            while await app.outbox.drain():
                pass
            record.end_press()
    finally:
        event.remove(Engine, "before_cursor_execute", record.on_statement)
    return record


async def driver_floor(database: Path, record: PressRecord) -> float:
    """Updates per second: each press's own statements and Bot API calls, replayed bare."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    router = Router()

    async def replay(query: CallbackQuery) -> None:
        press = int(query.id) - 1
        connection.execute("BEGIN IMMEDIATE")
        for sql, parameters, executemany in record.statements[press]:
            if executemany:
                connection.executemany(sql, parameters)
            else:
                connection.execute(sql, parameters).fetchall()
        connection.execute("COMMIT")
        for method in record.methods[press]:
            if isinstance(method, EditMessageText):
                await query.message.edit_text(method.text, reply_markup=method.reply_markup)
            elif isinstance(method, AnswerCallbackQuery):
                await query.answer(method.text)

    router.callback_query.register(replay)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    session = OfflineSession()
    bot = Bot("1:bench", session=session)
    updates = stage_updates(len(record.statements))
    started = time.perf_counter()
    for update in updates:
        await dispatcher.feed_update(bot, update)
    elapsed = time.perf_counter() - started
    (moved,) = connection.execute(
        "SELECT count(*) FROM leads WHERE status = 'IN_PROCESS'"
    ).fetchone()
    connection.close()
    assert moved == session.edits == len(updates), f"{moved} moved, {session.edits} edits"
    return len(updates) / elapsed


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)


async def card_drawing_ms(app: Any, manager: Any, runs: int = 2000) -> float:
    """The card of a pressed lead, its text and its buttons, drawn from what is loaded."""
    async with app.uow_factory() as uow:
        context = await cards.drawn_by_press(uow, 1, manager)
    assert context is not None and context.lead.status is LeadStatus.IN_PROCESS
    started = time.perf_counter()
    for _ in range(runs):
        lead_card_views.card_text(context, NOW, app.settings.zone)
        lead_card_views.card_keyboard(context)
    return (time.perf_counter() - started) * 1000 / runs


async def my_leads_ms(app: Any, manager: Any, runs: int = 50) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        async with app.uow_factory() as uow:
            page = await lead_lists.my_leads(uow, manager, None, 0)
        timings.append((time.perf_counter() - started) * 1000)
        assert len(page.leads) == 8
    return statistics.median(timings)


async def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app, manager = await seeded_app(folder / "bench.sqlite3", LEADS, PRESSES + 500)
        for copy in ("recorded", "floor"):
            copy_database(folder / "bench.sqlite3", folder / f"{copy}.sqlite3")
        bare = [await bare_aiogram(PRESSES) for _ in range(3)]
        ours = await stage_presses(app, PRESSES)
        listing = await my_leads_ms(app, manager)
        drawing = await card_drawing_ms(app, manager)
        await app.engine.dispose()
        # The same presses on a copy, untimed and recorded, then replayed bare on another.
        app = app_on(folder / "recorded.sqlite3")
        record = await recorded_presses(app, PRESSES)
        await app.engine.dispose()
        floor = await driver_floor(folder / "floor.sqlite3", record)
        bare += [await bare_aiogram(PRESSES) for _ in range(3)]  # this machine drifts
    median = statistics.median(bare)
    print(f"stage press end to end: {ours:6.0f} updates/s, {1000 / ours:5.2f} ms a press")
    print(f"bare aiogram callback:  {median:6.0f} updates/s, {1000 / median:5.2f} ms")
    print(
        f"ratio:                  {ours / median:6.2f}   (target >= 0.30: "
        f"{1000 / (0.3 * median):.2f} ms a press)"
    )
    print(
        f"floor of the press:     {floor:6.0f} updates/s, {1000 / floor:5.2f} ms a press, "
        f"ratio {floor / median:.2f}"
    )
    left = 1000 / (0.3 * median) - 1000 / floor
    print(
        f"left by the target beyond the floor: {left:.2f} ms a press "
        f"(drawing the card: {drawing:.2f} ms)"
    )
    print(f"'Мои лиды' with {LEADS:,} leads: {listing:.1f} ms median (target <= 20 ms)")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

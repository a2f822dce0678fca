"""The SQL one press costs, run by hand: `.venv/bin/python -m bench.press_statements [-v]`.

The real app in process on SQLite, long-polling the fake Telegram: a supervisor presses
«В работу» on the live card of a lead his manager holds (three other people hold a card of
it), and every statement the bot runs until the outbox has edited the other three cards is
counted, by who ran it: the press (its update), the outbox sender, anything else (the
sweep's alarm). Statements, not time: they are what a press costs on aiosqlite, where each
one is handed to the connection's thread and back, and they do not depend on the machine's
load. `-v` lists them.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.support import FakeClock, RunningBot, settings_for, sqlite_url, start_bot
from tests.team import Team, card_of, post_lead, seed_team

ADMIN_ID = 100_001


def _who() -> str:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "other"
    name = task.get_name() if task is not None else ""
    if name.startswith("outbox"):
        return "outbox"
    if name.startswith("press"):
        return "press"
    return "other"


class StatementLog:
    """Every statement the engines run, and every call handed to aiosqlite's threads, by who
    ran it."""

    def __init__(self, engines: list[AsyncEngine]) -> None:
        self.statements: list[tuple[str, str]] = []
        self.recording = False
        self.functions: Counter[tuple[str, str]] = Counter()  # (who, call) -> hand-offs
        for engine in engines:
            event.listen(engine.sync_engine, "before_cursor_execute", self._statement)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording:
            self.statements.append((_who(), " ".join(statement.split())[:110]))

    def line(self, who: str) -> str:
        statements = sum(1 for w, _ in self.statements if w == who)
        calls = {call: n for (w, call), n in self.functions.items() if w == who}
        return (
            f"{_count(statements, 'statement')}, {_count(calls.get('commit', 0), 'commit')}, "
            f"{_count(calls.get('rollback', 0), 'rollback')}: "
            f"{_count(sum(calls.values()), 'hand-off')} to aiosqlite's threads"
        )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count_handoffs(log: StatementLog) -> None:
    """Every call aiosqlite hands to a connection's thread (cursor, execute, fetch, close,
    commit, rollback): what a statement costs on aiosqlite is mostly these."""
    import aiosqlite

    original = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if log.recording:
            log.functions[(_who(), getattr(fn, "__name__", str(fn)))] += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]


async def settle(fake: FakeTelegram, users: list[TelegramUser], edits: dict[int, int]) -> None:
    """Until each of `users` has seen his card of the lead edited once more."""
    for user in users:
        await fake.wait_for(lambda u=user: edits[u.id] < _card(u).edits)


def _card(user: TelegramUser) -> Any:
    return next(m for m in reversed(user.messages) if m.text.startswith("#"))


async def one_press(bot: RunningBot, fake: FakeTelegram, team: Team) -> StatementLog:
    _, body = await post_lead(bot, {"source": "WEB", "name": "Иван", "company": "Ромашка"})
    lead_id = body["id"]
    boss = team.boss.user
    card = await card_of(boss, lead_id)
    await boss.press("Назначить", card)
    await boss.press(team.anna.name, card)
    holders = [team.office.user, team.anna.user, team.boss2.user]
    for user in holders:
        await card_of(user, lead_id)
    await asyncio.sleep(0.5)  # the outbox and the alarms are quiet
    engines = [bot.app.engine, bot.app.dispatcher.storage._engine]  # type: ignore[attr-defined]
    statements = StatementLog(engines)
    _count_handoffs(statements)
    edits = {user.id: _card(user).edits for user in holders}
    statements.recording = True
    answer = await boss.press("В работу", card)
    assert answer["text"].startswith("Статус: "), answer
    await settle(fake, holders, edits)
    await asyncio.sleep(0.3)
    statements.recording = False
    return statements


def _name_update_tasks() -> None:
    """aiogram handles each update in a task of its own: name it, to count what it runs."""
    from aiogram import Dispatcher

    original = Dispatcher._process_update

    async def named(self: Any, *args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        if task is not None:
            task.set_name("press")
        return await original(self, *args, **kwargs)

    Dispatcher._process_update = named  # type: ignore[method-assign]


async def main(verbose: bool) -> None:
    _name_update_tasks()
    fake = FakeTelegram()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = settings_for(
                fake, sqlite_url(Path(folder)), admin_ids=[ADMIN_ID], timer_sweep_seconds=300
            )
            bot = await start_bot(settings, FakeClock())
            try:
                admin = TelegramUser(fake, "Анна", "Админова", user_id=ADMIN_ID)
                team = await seed_team(bot, fake, admin)
                log = await one_press(bot, fake, team)
            finally:
                await bot.stop()
    finally:
        await fake.stop()
    print("one press («В работу» on a lead 3 others hold a card of), as SQLite saw it:")
    print(f"  its update: {log.line('press')}")
    print(f"  the outbox, for the 3 other cards: {log.line('outbox')}")
    print(f"  anything else meanwhile: {log.line('other')}")
    if verbose:
        print("  hand-offs by call:", dict(log.functions.most_common()))
        for who, text in log.statements:
            print(f"  {who:7} {text}")


if __name__ == "__main__":
    asyncio.run(main("-v" in sys.argv[1:]))

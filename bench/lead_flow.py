"""Benchmark of the lead flow in process, run by hand: `.venv/bin/python -m bench.lead_flow`.

1. What one stage-button press costs the bot: "В работу" pressed on one card after another
   (callback -> use case -> SQLite commit -> editMessageText of the card), through the real
   dispatcher with a Bot API session that answers without network. The same presses under
   load, through the real process and its HTTP session: bench/press_load.py.
2. Building "Мои лиды" with 100,000 leads in the database.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import Message, Update
from sqlalchemy import insert

from bot.app import build_app
from bot.settings import Settings
from domain.model import Profile, Role, SubjectKind
from domain.services import lead_lists, onboarding
from domain.statuses import LeadStatus
from handlers.callbacks import LeadAction, LeadCb
from storage.migrate import upgrade_engine
from storage.tables import CardRow, LeadRow

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

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.calls += 1
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
            "subject_kind": SubjectKind.LEAD.value,
            "subject_id": n + 1,
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
        await connection.execute(insert(CardRow), cards)
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
        app, manager = await seeded_app(Path(name) / "bench.sqlite3", LEADS, PRESSES + 500)
        ours = await stage_presses(app, PRESSES)
        listing = await my_leads_ms(app, manager)
        await app.engine.dispose()
    print(f"stage press in process: {ours:4.0f} presses/s, {1000 / ours:.2f} ms a press")
    print(f"'Мои лиды' with {LEADS:,} leads: {listing:.1f} ms median (target <= 20 ms)")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

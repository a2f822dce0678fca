"""What one press costs the database (#13 §6): on aiosqlite every statement is handed to the
connection's thread and back several times, so the number of statements a press runs is its
price. Counted on the real SQLite engine, through the real dispatcher, for a supervisor's
«В работу» on a lead his manager holds, three other people holding a card of it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.support import RunningBot
from tests.team import card_of, post_lead, seed_team
from tests.test_lead_flow_e2e import assign

# The press's update: the FSM state, the member, the lead read and written, its history,
# its contact timers, the card holders, what is owed to the presser, the outbox rows, the
# commit; then whether the card pressed is his to redraw, and the redraw (the lead, its
# responsible, its duplicates: open leads and companies, its deadlines, its history's newest
# lines).
# +1 (#14 §5): the notes, the stages skipped and «Отменить» need the history; one read for all.
PRESS_STATEMENTS = 17
# The sender, for each of the other three cards: the claim with the coalescing of later
# edits of the card and a commit; the member; the lead, its people, its duplicates, its
# deadlines, its history's newest lines; where the card is; the stamp and a commit. Its look
# for the members' oldest rows is left out: how often it looks depends on timing.
CARD_STATEMENTS = 3 * 14  # +1 each (#14 §5): the one history read, as in the press


@contextmanager
def statements_by_task(engines: list[AsyncEngine]) -> Iterator[dict[Any, list[str]]]:
    """Every statement and commit the engines run meanwhile, by the task that ran it."""
    ran: dict[Any, list[str]] = defaultdict(list)

    def note(text: str) -> None:
        ran[asyncio.current_task()].append(text)

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        note(" ".join(statement.split()))

    def on_commit(_conn: Any) -> None:
        note("COMMIT")

    listeners: list[tuple[Any, str, Callable[..., None]]] = []
    for engine in engines:
        listeners += [
            (engine.sync_engine, "before_cursor_execute", on_statement),
            (engine.sync_engine, "commit", on_commit),
        ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield ran
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


async def test_a_press_and_the_cards_it_refreshes_run_few_statements(
    bot_factory: Callable[..., Any], fake: FakeTelegram, admin: TelegramUser
) -> None:
    bot: RunningBot = await bot_factory(timer_sweep_seconds=300)
    team = await seed_team(bot, fake, admin)
    _, body = await post_lead(bot, {"source": "WEB", "name": "Иван", "company": "Ромашка"})
    lead_id = body["id"]
    await assign(team, lead_id, team.boss, team.anna)
    others = [team.office.user, team.anna.user, team.boss2.user]
    cards = {user.id: await card_of(user, lead_id) for user in others}
    edits = {user.id: cards[user.id].edits for user in others}
    card = await card_of(team.boss.user, lead_id)
    await asyncio.sleep(0.3)  # the cards of the assignment are out; the outbox is idle
    engines = [bot.app.engine, bot.app.dispatcher.storage._engine]  # type: ignore[attr-defined]

    with statements_by_task(engines) as ran:
        answer = await team.boss.user.press("В работу", card)
        for user in others:
            await fake.wait_for(lambda u=user: cards[u.id].edits > edits[u.id])
        await asyncio.sleep(0.2)

    assert answer["text"] == "Статус: В работе"
    assert all("В работе" in cards[user.id].text for user in others)
    press = next(s for s in ran.values() if any(t.startswith("UPDATE leads") for t in s))
    assert len(press) <= PRESS_STATEMENTS, "\n".join(press)
    sender = [
        text
        for task, statements in ran.items()
        if task is not None and task.get_name() == "outbox-sender"
        for text in statements
        if "JOIN (SELECT min(outbox.id)" not in text  # its look for the oldest rows
    ]
    assert len(sender) <= CARD_STATEMENTS, "\n".join(sender)

"""The two claim statements on a real database: a timer fires once and never once cancelled
(R2.2, R2.5, R2.14, R2.15); an outbox row is held for exactly its hold. Each assertion here
kills a mutant of `_CLAIM` that the other storage tests let through (tests/mutate_claims.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from domain.model import (
    Department,
    Member,
    Notification,
    NotificationKind,
    Role,
    Subject,
    Timer,
    TimerKind,
)
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.outbox_store import OutboxStore
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def uow_factory(database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(database_url)
    await upgrade_engine(engine)
    yield SqlUnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


async def test_a_timer_is_claimed_once_and_never_once_cancelled(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        department = (await uow.departments.add(Department("Продажи"))).id or 0
        planned = [
            await uow.timers.add(
                Timer(TimerKind.CALL_REMINDER, Subject.lead(n), department, NOW, NOW)
            )
            for n in (1, 2)
        ]
        await uow.commit()
    fired, cancelled = (t.id or 0 for t in planned)
    async with uow_factory() as uow:
        await uow.timers.cancel(Subject.lead(2), (TimerKind.CALL_REMINDER,), NOW)
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.timers.claim(fired, NOW)
        await uow.commit()
    assert first is not None and (first.id, first.fired_at) == (fired, NOW)
    async with uow_factory() as uow:
        assert await uow.timers.claim(fired, NOW + timedelta(minutes=1)) is None
        assert await uow.timers.claim(cancelled, NOW) is None
        assert await uow.timers.pending(Subject.lead(1)) == []


async def test_an_outbox_row_is_held_to_the_end_of_its_hold(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The claim expires after its hold, not at its last moment: a sender that is still
    sending at that moment is not doubled."""
    async with uow_factory() as uow:
        member = await uow.members.add(Member(1, "Шеф", Role.ADMIN, None, created_at=NOW))
        await uow.outbox.add(Notification(member.id or 0, NotificationKind.TEXT, NOW, text="x"))
        await uow.commit()
        [head] = await OutboxStore(uow.session).heads(10)
    hold = timedelta(seconds=30)
    async with uow_factory() as uow:
        assert await OutboxStore(uow.session).claim(head.id, NOW, hold) is not None
        await uow.commit()
    async with uow_factory() as uow:
        assert await OutboxStore(uow.session).claim(head.id, NOW + hold, hold) is None
    async with uow_factory() as uow:
        taken = await OutboxStore(uow.session).claim(head.id, NOW + hold + timedelta(0, 0, 1), hold)
        assert taken is not None and taken.attempts == 2

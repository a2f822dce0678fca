"""The timer sweep on a real database: every due timer is tried, whatever fails before it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from domain.lead_fields import LeadField
from domain.model import LeadSource
from domain.services import leads, onboarding
from scheduler.sweep import BATCH, TimerSweep
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.tables import EscalationRow, TimerRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support import FakeClock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def uow_factory(database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(database_url)
    await upgrade_engine(engine)
    yield SqlUnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


async def test_timers_that_cannot_fire_do_not_hold_up_the_ones_behind_them(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """More broken timers than a batch holds (rows of a kind this version does not know,
    left by a newer one) stand before a lead's R2.2 deadline: the deadline still fires."""
    async with uow_factory() as uow:
        admin = await onboarding.bootstrap_admin(uow, 1, "Админ", [1], NOW)
        assert admin is not None
        department = await onboarding.create_department(uow, admin, "Продажи")
        assert department.id is not None
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=department.id,
            creator=None,
            now=NOW,
        )
        lead_id = intake.lead.id
        broken = {
            "kind": "newer_kind",
            "subject_kind": "lead",
            "subject_id": lead_id,
            "department_id": department.id,
            "due_at": NOW,
            "created_at": NOW,
        }
        await uow.session.execute(insert(TimerRow), [broken] * (BATCH + 5))
        await uow.commit()
    clock = FakeClock(NOW + timedelta(minutes=61))  # the lead's R2.2 deadline has passed
    sweep = TimerSweep(uow_factory, clock)
    await asyncio.wait_for(sweep.run(), 60)
    async with uow_factory() as uow:
        rules = list(await uow.session.scalars(select(EscalationRow.rule)))
        unfired = select(TimerRow.id).where(
            TimerRow.kind == "newer_kind", TimerRow.fired_at.is_(None)
        )
        left = len(list(await uow.session.scalars(unfired)))
    assert rules == ["R2.2"]
    assert left == BATCH + 5  # still there, to be tried again

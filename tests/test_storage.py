"""Migrations, repositories and the unit of work, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import InvitationInvalid, NotAllowed
from domain.lead_fields import LeadField
from domain.model import (
    Department,
    LeadSource,
    Member,
    Notification,
    NotificationKind,
    Profile,
    Role,
    Subject,
    Timer,
    TimerKind,
)
from domain.ports import LeadQuery
from domain.services import leads, onboarding, timers
from domain.statuses import LeadStatus
from storage.engine import create_engine, create_session_factory
from storage.migrate import alembic_config, downgrade_engine, upgrade_engine
from storage.outbox_store import OutboxStore
from storage.tables import Base, OutboxRow
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
PROFILE = Profile("Петров Пётр", "+79121234567", "petr@example.ru", "менеджер")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def empty_engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    await upgrade_engine(engine)
    return SqlUnitOfWorkFactory(create_session_factory(engine))


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migrations_upgrade_to_head_match_the_models_and_downgrade_to_base(
    empty_engine: AsyncEngine,
) -> None:
    engine = empty_engine
    assert await tables(engine) == set()
    await upgrade_engine(engine)
    assert set(Base.metadata.tables) | {"alembic_version"} == await tables(engine)

    def differences(sync_connection: object) -> list[object]:
        context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []

    await downgrade_engine(engine)
    assert await tables(engine) <= {"alembic_version"}


async def test_every_revision_upgrades_and_downgrades_alone(empty_engine: AsyncEngine) -> None:
    """The stairway: up one, down one, up again, for every revision in order."""
    engine = empty_engine
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:
        await upgrade_engine(engine, revision.revision)
        await downgrade_engine(engine, revision.down_revision or "base")
        await upgrade_engine(engine, revision.revision)


async def test_repository_round_trip_keeps_utc(uow_factory: SqlUnitOfWorkFactory) -> None:
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    async with uow_factory() as uow:
        department = await uow.departments.add(Department("Продажи"))
        member = await uow.members.add(
            Member(
                telegram_id=2**40,
                full_name="Пётр",
                role=Role.MANAGER,
                department_id=department.id,
                created_at=moment,
            )
        )
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.members.by_telegram_id(2**40)
    assert loaded == member
    assert loaded is not None and loaded.created_at == moment
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)


async def test_unit_of_work_rolls_back_unless_committed(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.departments.add(Department("Забытый"))
    async with uow_factory() as uow:
        await uow.departments.add(Department("Сохранённый"))
        await uow.commit()
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.departments.add(Department("Упавший"))
            raise RuntimeError("use case failed")
    async with uow_factory() as uow:
        assert [d.name for d in await uow.departments.all()] == ["Сохранённый"]


async def test_telegram_id_is_unique(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.members.add(Member(1, "a", Role.MANAGER, None, created_at=NOW))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.members.add(Member(1, "b", Role.MANAGER, None, created_at=NOW))


async def seed_admin(uow_factory: SqlUnitOfWorkFactory) -> tuple[Member, Department]:
    async with uow_factory() as uow:
        admin = await onboarding.bootstrap_admin(uow, 1, "Админ", [1], NOW)
        assert admin is not None
        department = await onboarding.create_department(uow, admin, "  Продажи   B2B ")
    return admin, department


async def test_invitation_is_single_use_even_under_concurrency(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    admin, department = await seed_admin(uow_factory)
    assert department.name == "Продажи B2B"
    async with uow_factory() as uow:
        issued = await onboarding.issue_invitation(uow, admin, Role.MANAGER, department.id, NOW)
    token = issued.invitation.token
    assert len(token) == 32 and issued.invitation.expires_at == NOW + timedelta(hours=72)

    async def accept(telegram_id: int) -> Member | str:
        async with uow_factory() as uow:
            try:
                return await onboarding.accept_invitation(uow, token, telegram_id, PROFILE, NOW)
            except InvitationInvalid as error:
                return error.message

    results = await asyncio.gather(*(accept(100 + n) for n in range(5)))
    joined = [r for r in results if isinstance(r, Member)]
    assert len(joined) == 1
    assert joined[0].role is Role.MANAGER and joined[0].department_id == department.id
    async with uow_factory() as uow:
        everyone = await uow.members.everyone()
        invitation = await uow.invitations.by_token(token)
    assert {m.telegram_id for m in everyone} == {1, joined[0].telegram_id}
    assert invitation is not None and invitation.used_by == joined[0].id


async def test_a_conditional_lead_write_is_read_back_in_the_same_unit_of_work(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    _, department = await seed_admin(uow_factory)
    async with uow_factory() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=department.id or 0,
            creator=None,
            now=NOW,
        )
    async with uow_factory() as uow:
        [listed], _ = await uow.leads.find(LeadQuery(department_id=department.id))
        lead = await uow.leads.get(intake.lead.id or 0)
        assert lead is not None and listed.version == lead.version == 0
        lead.title = "Переименован"
        assert await uow.leads.update_if(lead, expected_status=LeadStatus.NEW)
        [listed], _ = await uow.leads.find(LeadQuery(department_id=department.id))
        assert (listed.title, listed.version) == ("Переименован", 1)
        lead.version = 0  # as read before the write: a second writer with it loses
        assert not await uow.leads.update_if(lead, expected_status=LeadStatus.NEW)
        assert not await uow.leads.update_if(
            listed, expected_status=LeadStatus.NEW, expected_responsible=7
        )
        assert await uow.leads.update_if(
            listed, expected_status=LeadStatus.NEW, expected_responsible=None
        )


async def assigned_lead(uow_factory: SqlUnitOfWorkFactory) -> tuple[Member, int]:
    """A lead the admin assigned to the manager: the manager, and the lead's id."""
    boss_id, manager_id = await two_members(uow_factory)
    async with uow_factory() as uow:
        boss, manager = await uow.members.get(boss_id), await uow.members.get(manager_id)
    assert boss is not None and manager is not None and manager.department_id is not None
    async with uow_factory() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=manager.department_id,
            creator=None,
            now=NOW,
        )
    async with uow_factory() as uow:
        await leads.assign_lead(uow, boss, intake.lead.id or 0, manager_id, NOW)
    return manager, intake.lead.id or 0


async def press_in_work(uow_factory: SqlUnitOfWorkFactory, manager: Member, lead_id: int) -> None:
    """The manager presses «В работу» on his assigned lead."""
    async with uow_factory() as uow:
        await leads.move_lead(
            uow, manager, lead_id, LeadStatus.IN_PROCESS, LeadStatus.ASSIGNED, NOW
        )


async def pressed(
    pressing: asyncio.Task[None], uow_factory: SqlUnitOfWorkFactory, lead_id: int
) -> None:
    """The press got through once let: the lead is in work."""
    await asyncio.wait_for(pressing, 10)
    async with uow_factory() as uow:
        lead = await uow.leads.get(lead_id)
    assert lead is not None and lead.status is LeadStatus.IN_PROCESS


async def test_a_press_waits_for_the_lead_before_it_touches_its_timers(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The sender's `card_handed` writes the lead, then re-plans its timers. A press that
    cancelled the timers first and wrote the lead after would deadlock with it on PostgreSQL:
    every use case writes its lead first."""
    manager, lead_id = await assigned_lead(uow_factory)
    manager_id = manager.id or 0

    async with uow_factory() as sender:
        assert await sender.leads.set_notified(lead_id, manager_id, NOW)  # the lead's row

        pressing = asyncio.create_task(press_in_work(uow_factory, manager, lead_id))
        await asyncio.sleep(0.5)  # the press is waiting, for the lead's row
        await asyncio.wait_for(
            sender.timers.cancel(Subject.lead(lead_id), (TimerKind.CONTACT_BREACH,), NOW), 5
        )
        await sender.commit()
    await pressed(pressing, uow_factory, lead_id)


async def test_a_card_reaching_a_manager_who_already_pressed_starts_no_clock(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The sender records the card's arrival after he pressed «В работу»: no R2.15 timer."""
    manager, lead_id = await assigned_lead(uow_factory)
    manager_id = manager.id or 0
    async with uow_factory() as uow:
        await leads.move_lead(
            uow, manager, lead_id, LeadStatus.IN_PROCESS, LeadStatus.ASSIGNED, NOW
        )
    async with uow_factory() as uow:
        assert not await uow.leads.set_notified(lead_id, manager_id, NOW)
        lead = await uow.leads.get(lead_id)
        pending = await uow.timers.pending(Subject.lead(lead_id))
    assert lead is not None and lead.notified_at is None
    assert TimerKind.CONTACT_BREACH not in {timer.kind for timer in pending}


async def test_the_department_lock_does_not_wait_for_a_row_that_only_names_the_department(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """R2.14's fire locks the pool's department after claiming its timer. /settings inserts
    timers of the department (a key-share lock on its row) and then re-plans that timer: had
    the fire's lock waited for the key-share lock, the two would deadlock on PostgreSQL."""
    manager, lead_id = await assigned_lead(uow_factory)
    department_id = manager.department_id or 0
    async with uow_factory() as settings, uow_factory() as fire:
        await settings.timers.add(
            Timer(TimerKind.PROCESSING_BREACH, Subject.lead(lead_id), department_id, NOW, NOW)
        )
        await asyncio.wait_for(fire.departments.lock(department_id), 5)
        await fire.commit()
        await settings.commit()


async def pending_kinds(uow_factory: SqlUnitOfWorkFactory, lead_id: int) -> set[TimerKind]:
    async with uow_factory() as uow:
        return {timer.kind for timer in await uow.timers.pending(Subject.lead(lead_id))}


async def test_a_press_during_settings_cancels_the_clocks_they_re_planned(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """/settings re-plans a lead's R2.15 clocks while its manager presses «В работу». Had the
    press not waited for the lead, it would have cancelled only the old clocks, and the new
    ones would run on after his first contact (and on PostgreSQL the two could deadlock on
    the timers, each cancelling them in its own order)."""
    manager, lead_id = await assigned_lead(uow_factory)
    assert set(timers.CONTACT_KINDS) <= await pending_kinds(uow_factory, lead_id)

    async with uow_factory() as settings:
        assert await timers.replan_department(settings, manager.department_id or 0, NOW)
        pressing = asyncio.create_task(press_in_work(uow_factory, manager, lead_id))
        await asyncio.sleep(0.5)  # the press is waiting, for the lead
        await settings.commit()
    await asyncio.wait_for(pressing, 10)
    assert not set(timers.CONTACT_KINDS) & await pending_kinds(uow_factory, lead_id)


async def test_settings_never_plan_again_a_clock_that_fired_meanwhile(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """A fire claims its timer without the lead; /settings, re-planning the lead's clocks at
    that moment, must not start that clock again: the breach would be escalated twice."""
    manager, lead_id = await assigned_lead(uow_factory)

    async def replan() -> None:
        async with uow_factory() as settings:
            await timers.replan_department(settings, manager.department_id or 0, NOW)
            await settings.commit()

    async with uow_factory() as fire:
        (breach,) = [
            timer
            for timer in await fire.timers.pending(Subject.lead(lead_id))
            if timer.kind is TimerKind.CONTACT_BREACH
        ]
        assert await fire.timers.claim(breach.id or 0, NOW)
        replanning = asyncio.create_task(replan())
        await asyncio.sleep(0.5)  # /settings read the breach as pending, and waits for it
        await fire.commit()
    await asyncio.wait_for(replanning, 10)
    kinds = await pending_kinds(uow_factory, lead_id)
    assert TimerKind.CONTACT_BREACH not in kinds and TimerKind.CONTACT_REMINDER in kinds


async def test_a_locked_lead_holds_off_its_other_writers(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """`leads.lock` as a unit of work's first statement: on SQLite too, where a SELECT
    begins no transaction, a press on the lead waits until the holder is done."""
    manager, lead_id = await assigned_lead(uow_factory)

    async with uow_factory() as holder:
        locked = await holder.leads.lock(lead_id)
        assert locked is not None and locked.status is LeadStatus.ASSIGNED
        pressing = asyncio.create_task(press_in_work(uow_factory, manager, lead_id))
        await asyncio.sleep(0.5)
        assert not pressing.done()
        await holder.commit()
    await pressed(pressing, uow_factory, lead_id)


async def test_two_supervisors_first_settings_of_a_department_both_land(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The department has no values of its own yet, and two supervisors set one each at the
    same moment: both are kept, neither gets an error."""
    manager, _ = await assigned_lead(uow_factory)
    department_id = manager.department_id or 0

    async def second() -> None:
        async with uow_factory() as uow:
            await uow.sla.set_minutes(department_id, "processing_deadline_minutes", 90)
            await uow.commit()

    async with uow_factory() as first:
        await first.sla.set_minutes(department_id, "contact_sla_minutes", 20)
        setting = asyncio.create_task(second())
        await asyncio.sleep(0.5)
        await first.commit()
    await asyncio.wait_for(setting, 10)
    async with uow_factory() as uow:
        policy = await uow.sla.policy(department_id)
    assert policy.contact == timedelta(minutes=20)
    assert policy.processing == timedelta(minutes=90)


async def two_members(uow_factory: SqlUnitOfWorkFactory) -> tuple[int, int]:
    admin, department = await seed_admin(uow_factory)
    async with uow_factory() as uow:
        issued = await onboarding.issue_invitation(uow, admin, Role.MANAGER, department.id, NOW)
        manager = await onboarding.accept_invitation(
            uow, issued.invitation.token, 100, PROFILE, NOW
        )
    assert admin.id is not None and manager.id is not None
    return admin.id, manager.id


def owed(member_id: int, text: str) -> Notification:
    return Notification(member_id, NotificationKind.TEXT, NOW, text=text)


async def outbox_texts(uow_factory: SqlUnitOfWorkFactory, member_id: int) -> list[str | None]:
    """In the order the sender delivers them."""
    async with uow_factory() as uow:
        rows = await uow.session.scalars(
            select(OutboxRow.text).where(OutboxRow.member_id == member_id).order_by(OutboxRow.id)
        )
        return list(rows)


async def test_a_members_messages_keep_the_order_their_transactions_commit_in(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    member_id, _ = await two_members(uow_factory)
    async with uow_factory() as first, uow_factory() as second:
        await first.outbox.add(owed(member_id, "начато первым"))
        await second.outbox.add(owed(member_id, "начато вторым"))
        await second.commit()
        await first.commit()
    assert await outbox_texts(uow_factory, member_id) == ["начато вторым", "начато первым"]


async def test_transactions_owing_to_the_same_members_commit_together(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """Each member's rows are written under his lock: taken in one order, they never
    deadlock, whatever order the messages were owed in."""
    a, b = await two_members(uow_factory)
    async with uow_factory() as first, uow_factory() as second:
        for uow, members in ((first, (a, b)), (second, (b, a))):
            for member_id in members:
                await uow.outbox.add(owed(member_id, f"{members[0]}→{member_id}"))
        await asyncio.wait_for(asyncio.gather(first.commit(), second.commit()), 10)
    for member_id in (a, b):
        assert sorted(await outbox_texts(uow_factory, member_id)) == sorted(
            [f"{a}→{member_id}", f"{b}→{member_id}"]
        )


async def test_one_members_long_backlog_does_not_hide_the_others_messages(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The sender takes each member's oldest row per round: a supervisor owed thousands of
    messages still leaves the manager's one in the round."""
    boss, manager = await two_members(uow_factory)
    async with uow_factory() as uow:
        for n in range(2500):
            await uow.outbox.add(owed(boss, f"эскалация {n}"))
        await uow.outbox.add(owed(manager, "новый лид"))
        await uow.commit()
    async with uow_factory() as uow:
        heads = await OutboxStore(uow.session).heads(200)
        first = {
            member_id: await uow.session.scalar(
                select(OutboxRow.id)
                .where(OutboxRow.member_id == member_id)
                .order_by(OutboxRow.id)
                .limit(1)
            )
            for member_id in (boss, manager)
        }
    assert [(head.member_id, head.id) for head in heads] == [
        (boss, first[boss]),
        (manager, first[manager]),
    ]


async def test_a_claimed_row_is_not_claimed_again_until_its_hold_runs_out(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """Two senders (a second process, a restart) never send one message twice: a row one
    of them claimed is the other's only once the claim's hold has run out (its sender died);
    a sent row is nobody's."""
    member_id, _ = await two_members(uow_factory)
    async with uow_factory() as uow:
        await uow.outbox.add(owed(member_id, "новый лид"))
        await uow.commit()
    async with uow_factory() as uow:
        row_id = await uow.session.scalar(
            select(OutboxRow.id).where(OutboxRow.member_id == member_id)
        )
    assert row_id is not None
    hold = timedelta(seconds=30)

    async def claim(at: datetime) -> tuple[int, str | None, int] | None:
        async with uow_factory() as uow:
            pending = await OutboxStore(uow.session).claim(row_id, at, hold)
            await uow.commit()
        return None if pending is None else (pending.id, pending.text, pending.attempts)

    async def claimed_until() -> tuple[datetime | None, int]:
        async with uow_factory() as uow:
            row = await uow.session.get(OutboxRow, row_id)
            assert row is not None
            return row.claimed_until, row.attempts

    assert await claim(NOW) == (row_id, "новый лид", 1)
    for at in (NOW, NOW + timedelta(seconds=1), NOW + hold - timedelta(seconds=1)):
        assert await claim(at) is None
    assert await claimed_until() == (NOW + hold, 1)  # a refused claim changes nothing

    later = NOW + hold + timedelta(seconds=1)
    assert await claim(later) == (row_id, "новый лид", 2)
    assert await claimed_until() == (later + hold, 2)
    assert await claim(later + timedelta(seconds=1)) is None

    async with uow_factory() as uow:
        await OutboxStore(uow.session).sent(row_id, later)
        await uow.commit()
    assert await claim(later + timedelta(days=1)) is None


async def test_a_rolled_back_unit_of_work_owes_nothing(uow_factory: SqlUnitOfWorkFactory) -> None:
    member_id, _ = await two_members(uow_factory)
    async with uow_factory() as uow:
        await uow.outbox.add(owed(member_id, "отменено"))
        await uow.rollback()
        await uow.outbox.add(owed(member_id, "после отката"))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.outbox.add(owed(member_id, "без commit"))
    assert await outbox_texts(uow_factory, member_id) == ["после отката"]


async def test_expired_invitation_cannot_be_accepted(uow_factory: SqlUnitOfWorkFactory) -> None:
    admin, department = await seed_admin(uow_factory)
    async with uow_factory() as uow:
        issued = await onboarding.issue_invitation(
            uow, admin, Role.MANAGER, department.id, NOW, ttl=timedelta(minutes=5)
        )
    async with uow_factory() as uow:
        with pytest.raises(InvitationInvalid, match="Срок действия"):
            await onboarding.accept_invitation(
                uow, issued.invitation.token, 7, PROFILE, NOW + timedelta(minutes=5)
            )
    async with uow_factory() as uow:
        assert await uow.members.by_telegram_id(7) is None


async def test_supervisor_limits(uow_factory: SqlUnitOfWorkFactory) -> None:
    admin, sales = await seed_admin(uow_factory)
    async with uow_factory() as uow:
        retail = await onboarding.create_department(uow, admin, "Розница")
        issued = await onboarding.issue_invitation(uow, admin, Role.SUPERVISOR, sales.id, NOW)
        boss = await onboarding.accept_invitation(uow, issued.invitation.token, 2, PROFILE, NOW)
    async with uow_factory() as uow:
        with pytest.raises(NotAllowed):
            await onboarding.issue_invitation(uow, boss, Role.MANAGER, retail.id, NOW)
        with pytest.raises(NotAllowed):
            await onboarding.issue_invitation(uow, boss, Role.SUPERVISOR, sales.id, NOW)
        with pytest.raises(NotAllowed):
            await onboarding.create_department(uow, boss, "Своё")
        with pytest.raises(NotAllowed, match="самого себя"):
            await onboarding.deactivate_member(uow, boss, boss.id or 0)
        with pytest.raises(NotAllowed):
            await onboarding.deactivate_member(uow, boss, admin.id or 0)


async def test_profile_update_and_deactivation(uow_factory: SqlUnitOfWorkFactory) -> None:
    admin, sales = await seed_admin(uow_factory)
    async with uow_factory() as uow:
        issued = await onboarding.issue_invitation(uow, admin, Role.MANAGER, sales.id, NOW)
        worker = await onboarding.accept_invitation(uow, issued.invitation.token, 3, PROFILE, NOW)
    async with uow_factory() as uow:
        new = Profile("Петров Пётр Петрович", "+79990001122", "p@example.ru", "старший менеджер")
        await onboarding.update_profile(uow, worker, new)
        await onboarding.deactivate_member(uow, admin, worker.id or 0)
    async with uow_factory() as uow:
        loaded = await uow.members.get(worker.id or 0)
    assert loaded is not None
    assert (loaded.full_name, loaded.phone, loaded.position, loaded.active) == (
        "Петров Пётр Петрович",
        "+79990001122",
        "старший менеджер",
        False,
    )


async def test_sqlite_is_set_up_for_a_live_bot(sqlite_db: str) -> None:
    engine = create_engine(sqlite_db)
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.scalar(text(f"PRAGMA {name}"))
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    # SQLite's own busy handler waits out another writer's lock, in aiosqlite's thread
    # (tests/test_sqlite_engine.py); synchronous 1 is NORMAL, safe with WAL.
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "synchronous": 1,
    }

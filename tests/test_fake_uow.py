"""The fake unit of work keeps the SQL one's promises: the same calls, the same answers, on
dicts and on a real SQLite file. A fake that drifted from storage would let the use-case tests
pass on a rule the bot breaks; this keeps it honest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.assignment import AssignMode, Routing
from domain.checklist import Checklist, Kind, Question
from domain.model import (
    Company,
    Contact,
    Deal,
    Department,
    Escalation,
    Invitation,
    Lead,
    LeadDraft,
    LeadSource,
    Member,
    Notification,
    NotificationKind,
    Pipeline,
    Role,
    Rule,
    Subject,
    Timer,
    TimerKind,
)
from domain.ports import LeadQuery
from domain.statuses import LeadStatus
from storage.engine import create_engine, create_session_factory
from storage.uow import SqlUnitOfWorkFactory
from tests.fake_uow import FakeDatabase
from tests.support import migrated_sqlite_url

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
S = LeadStatus


@pytest.fixture(params=["fake", "sqlite"])
async def factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[], Any]]:
    if request.param == "fake":
        yield FakeDatabase()
        return
    engine = create_engine(await migrated_sqlite_url(tmp_path))
    yield SqlUnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


async def people(factory: Callable[[], Any]) -> tuple[int, int, int, int]:
    """(department, supervisor, manager, other manager)."""
    async with factory() as uow:
        department = (await uow.departments.add(Department("Продажи"))).id
        boss = await uow.members.add(Member(1, "Шеф", Role.SUPERVISOR, department, created_at=NOW))
        anna = await uow.members.add(Member(2, "Анна", Role.MANAGER, department, created_at=NOW))
        boris = await uow.members.add(Member(3, "Борис", Role.MANAGER, department, created_at=NOW))
        await uow.commit()
    return department, boss.id, anna.id, boris.id


def a_lead(department: int, **values: Any) -> Lead:
    return Lead("Окна", LeadSource.WEB, department, NOW, status_changed_at=NOW, **values)


async def test_writes_are_seen_by_others_once_committed(factory: Callable[[], Any]) -> None:
    async with factory() as uow:
        await uow.departments.add(Department("Забытый"))
    async with factory() as uow:
        await uow.departments.add(Department("Отменённый"))
        await uow.rollback()
        await uow.departments.add(Department("Сохранённый"))
        assert [d.name for d in await uow.departments.all()] == ["Сохранённый"]
        await uow.commit()
        await uow.departments.add(Department("После коммита"))
        await uow.outbox.add(Notification(1, NotificationKind.TEXT, NOW, text="x"))
    with pytest.raises(RuntimeError):
        async with factory() as uow:
            await uow.departments.add(Department("Упавший"))
            raise RuntimeError("use case failed")
    async with factory() as uow:
        assert [d.name for d in await uow.departments.all()] == ["Сохранённый"]
        assert 1 not in await uow.outbox.cards_coming(Subject.lead(1))


async def test_a_lead_is_written_only_as_it_was_read(factory: Callable[[], Any]) -> None:
    department, _, anna, boris = await people(factory)
    async with factory() as uow:
        lead = await uow.leads.add(a_lead(department))
        await uow.commit()
    async with factory() as uow:
        read = await uow.leads.get(lead.id)
        read.status, read.responsible_id, read.title = S.ASSIGNED, anna, "Двери"
        read.notified_at = NOW  # not update_if's to write
        assert not await uow.leads.update_if(read, expected_status=S.ASSIGNED)
        assert not await uow.leads.update_if(read, expected_status=S.NEW, expected_responsible=anna)
        assert await uow.leads.update_if(read, expected_status=S.NEW, expected_responsible=None)
        assert read.version == 1
        assert not await uow.leads.update_if(
            read, expected_status=S.ASSIGNED, expected_responsible=boris
        )
        assert await uow.leads.update_if(
            read, expected_status=S.ASSIGNED, expected_responsible=anna
        )
        await uow.commit()
    async with factory() as uow:
        stored = await uow.leads.get(lead.id)
        assert (stored.title, stored.status, stored.version, stored.notified_at) == (
            "Двери",
            S.ASSIGNED,
            2,
            None,
        )
        stale = await uow.leads.get(lead.id)
        stale.version = 1
        assert not await uow.leads.update_if(stale, expected_status=S.ASSIGNED)
        assert await uow.leads.lock(lead.id) == stored


async def test_the_hand_off_is_recorded_only_while_the_lead_awaits_contact(
    factory: Callable[[], Any],
) -> None:
    department, _, anna, boris = await people(factory)
    async with factory() as uow:
        lead = await uow.leads.add(a_lead(department, status=S.ASSIGNED, responsible_id=anna))
        done = await uow.leads.add(
            a_lead(department, status=S.IN_PROCESS, responsible_id=anna, first_contact_at=NOW)
        )
        await uow.commit()
    later = NOW + timedelta(minutes=1)
    async with factory() as uow:
        assert not await uow.leads.set_notified(lead.id, boris, NOW)
        assert not await uow.leads.set_notified(done.id, anna, NOW)
        assert await uow.leads.set_notified(lead.id, anna, NOW)
        assert not await uow.leads.set_notified(lead.id, anna, later)  # kept
        assert (await uow.leads.get(lead.id)).notified_at == NOW
        assert not await uow.leads.set_notified(lead.id, boris, None)
        assert await uow.leads.set_notified(done.id, anna, None)
        assert await uow.leads.set_notified(lead.id, anna, None)
        assert (await uow.leads.get(lead.id)).notified_at is None


async def test_leads_are_found_counted_and_matched_alike(factory: Callable[[], Any]) -> None:
    department, _, anna, boris = await people(factory)
    async with factory() as uow:
        other = (await uow.departments.add(Department("Розница"))).id
        rows = [
            a_lead(department, status=S.IN_PROCESS, responsible_id=anna, phone="+7912"),
            a_lead(department, status=S.ASSIGNED, responsible_id=anna, email="a@b.ru"),
            a_lead(
                department,
                status=S.ASSIGNED,
                responsible_id=anna,
                next_contact_at=NOW,
                company_name="Ромашка ООО",
            ),
            a_lead(department, status=S.JUNK, responsible_id=anna, phone="+7912"),
            a_lead(department, status=S.NEW, company_name="ООО «Ромашка»"),
            a_lead(department, status=S.PROCESSED, responsible_id=boris),
            a_lead(other, status=S.NEW, phone="+7912"),
        ]
        ids = [(await uow.leads.add(lead)).id for lead in rows]
        await uow.commit()
    async with factory() as uow:
        found, total = await uow.leads.find(
            LeadQuery(department_id=department, responsible_id=anna)
        )
        assert ([lead.id for lead in found], total) == ([ids[2], ids[1], ids[0], ids[3]], 4)
        found, total = await uow.leads.find(LeadQuery(department_id=department, unassigned=True))
        assert ([lead.id for lead in found], total) == ([ids[4]], 1)
        found, total = await uow.leads.find(
            LeadQuery(statuses=(S.NEW, S.PROCESSED), offset=1, limit=1)
        )
        assert ([lead.id for lead in found], total) == ([ids[4]], 3)
        assert await uow.leads.count_by_status(department, None) == {
            S.IN_PROCESS: 1,
            S.ASSIGNED: 2,
            S.JUNK: 1,
            S.NEW: 1,
            S.PROCESSED: 1,
        }
        assert await uow.leads.count_by_status(None, boris) == {S.PROCESSED: 1}
        assert await uow.leads.count_by_responsible(department) == {anna: 3, boris: 1}
        matches = await uow.leads.open_matches(
            department_id=department,
            exclude_id=ids[0],
            phone="+7912",
            email="a@b.ru",
            company_key="ромашка ооо",
        )
        assert [lead.id for lead in matches] == [ids[1], ids[2], ids[4]]
        assert (
            await uow.leads.open_matches(
                department_id=department, exclude_id=None, phone=None, email=None, company_key=None
            )
            == []
        )
        assert (await uow.leads.by_external_id("nope")) is None


async def test_timers_are_claimed_once_and_cancelled_by_subject_and_kind(
    factory: Callable[[], Any],
) -> None:
    department, _, anna, _ = await people(factory)
    async with factory() as uow:
        other = (await uow.departments.add(Department("Розница"))).id
        first = (await uow.leads.add(a_lead(department))).id
        second = (await uow.leads.add(a_lead(department))).id
        moved = (await uow.leads.add(a_lead(department, status=S.ASSIGNED))).id
        m = timedelta(minutes=1)
        planned = [
            Timer(TimerKind.UNASSIGNED, Subject.lead(first), department, NOW + 10 * m, NOW),
            Timer(TimerKind.UNASSIGNED, Subject.lead(second), department, NOW + 5 * m, NOW),
            Timer(TimerKind.UNASSIGNED, Subject.lead(moved), department, NOW + 5 * m, NOW),
            Timer(TimerKind.UNASSIGNED, Subject.lead(first), other, NOW, NOW),
            Timer(TimerKind.CONTACT_BREACH, Subject.lead(first), department, NOW, NOW, anna),
            Timer(TimerKind.CALL_REMINDER, Subject.lead(first), department, NOW + 60 * m, NOW),
        ]
        ids = [(await uow.timers.add(timer)).id for timer in planned]
        escalation = await uow.escalations.add(Escalation(Rule.POOL, department, NOW, NOW))
        await uow.commit()
    async with factory() as uow:
        assert await uow.timers.due(NOW + 5 * m, 10) == [
            (NOW, ids[3]),
            (NOW, ids[4]),
            (NOW + 5 * m, ids[1]),
            (NOW + 5 * m, ids[2]),
        ]
        assert await uow.timers.due(NOW + 5 * m, 2, after=(NOW, ids[4])) == [
            (NOW + 5 * m, ids[1]),
            (NOW + 5 * m, ids[2]),
        ]
        assert await uow.timers.next_due(NOW) == NOW + 5 * m
        assert await uow.timers.cancel(Subject.lead(first), (TimerKind.CONTACT_BREACH,), NOW) == 1
        assert await uow.timers.cancel(Subject.lead(first), (TimerKind.CONTACT_BREACH,), NOW) == 0
        claimed = await uow.timers.claim(ids[1], NOW + 5 * m)
        assert (claimed.id, claimed.kind, claimed.fired_at, claimed.department_id) == (
            ids[1],
            TimerKind.UNASSIGNED,
            NOW + 5 * m,
            department,
        )
        assert await uow.timers.claim(ids[1], NOW + 5 * m) is None
        assert await uow.timers.claim(ids[4], NOW) is None  # cancelled
        claimed_due = await uow.timers.claim_due(department, TimerKind.UNASSIGNED, NOW + 5 * m)
        assert claimed_due == [ids[2]]
        assert await uow.timers.overdue_unassigned(department) == [(ids[1], second, False)]
        await uow.timers.mark_reported([ids[1]], escalation.id)
        assert await uow.timers.overdue_unassigned(department) == [(ids[1], second, True)]
        assert [t.id for t in await uow.timers.pending(Subject.lead(first))] == [
            ids[0],
            ids[3],
            ids[5],
        ]
        assert await uow.timers.subjects_with_pending(
            department, (TimerKind.UNASSIGNED, TimerKind.CONTACT_BREACH)
        ) == [Subject.lead(first)]
        await uow.commit()
    async with factory() as uow:
        assert await uow.timers.claim(ids[2], NOW + 5 * m) is None


async def test_an_escalation_is_resolved_once(factory: Callable[[], Any]) -> None:
    department, boss, anna, _ = await people(factory)
    async with factory() as uow:
        escalation = await uow.escalations.add(
            Escalation(Rule.CONTACT, department, NOW, NOW, None, [], anna)
        )
        assert await uow.escalations.resolve(escalation.id, boss, "ш" * 600, NOW)
        assert not await uow.escalations.resolve(escalation.id, anna, "x", NOW)
        stored = await uow.escalations.get(escalation.id)
        assert (stored.resolved_by, stored.resolution, stored.resolved_at) == (boss, "ш" * 500, NOW)
        assert await uow.escalations.get(escalation.id + 1) is None


async def test_cards_owed_and_their_waiting_edits(factory: Callable[[], Any]) -> None:
    _, boss, anna, _ = await people(factory)
    lead, other = Subject.lead(1), Subject.lead(2)
    async with factory() as uow:
        await uow.outbox.add(Notification(anna, NotificationKind.CARD, NOW, lead, fresh=True))
        await uow.outbox.add(Notification(boss, NotificationKind.CARD, NOW, lead))
        assert await uow.outbox.cards_coming(lead) == {anna, boss}
        assert anna not in await uow.outbox.cards_coming(other)
        await uow.outbox.drop_card_edits(boss, lead, NOW)
        await uow.outbox.drop_card_edits(anna, lead, NOW)  # a new card is no edit
        assert boss not in await uow.outbox.cards_coming(lead)
        assert anna in await uow.outbox.cards_coming(lead)
        await uow.outbox.add(Notification(boss, NotificationKind.TEXT, NOW, lead, "x"))
        await uow.outbox.add(Notification(boss, NotificationKind.CARD, NOW, other))
        await uow.commit()
    async with factory() as uow:
        assert await uow.outbox.cards_coming(lead) == {anna}
        assert boss in await uow.outbox.cards_coming(other)
        await uow.outbox.drop_card_edits(boss, other, NOW)
        assert boss not in await uow.outbox.cards_coming(other)
        assert await uow.cards.holders(lead) == {}
        assert not await uow.cards.is_live(lead, anna, 1)


async def test_a_draft_is_taken_once_by_its_member(factory: Callable[[], Any]) -> None:
    _, _, anna, boris = await people(factory)
    async with factory() as uow:
        draft = await uow.drafts.add(LeadDraft(anna, {"name": "Иван"}, NOW))
        await uow.commit()
    async with factory() as uow:
        assert await uow.drafts.take(draft.id, boris) is None
        taken = await uow.drafts.take(draft.id, anna)
        assert (taken.id, taken.fields) == (draft.id, {"name": "Иван"})
        assert await uow.drafts.take(draft.id, anna) is None


async def test_clients_contacts_and_deals(factory: Callable[[], Any]) -> None:
    department, _, anna, _ = await people(factory)
    async with factory() as uow:
        other = (await uow.departments.add(Department("Розница"))).id
        own = await uow.companies.add(Company("Ромашка ООО", department, created_at=NOW))
        shared = await uow.companies.add(Company("ООО Ромашка", None, created_at=NOW))
        foreign = await uow.companies.add(Company("Ромашка ООО", other, created_at=NOW))
        for company, phone, email in (
            (own, "+7912", None),
            (own, None, "a@b.ru"),
            (foreign, "+7912", None),
            (shared, None, "c@d.ru"),
        ):
            await uow.contacts.add(Contact("Иван", company.id, phone, email, created_at=NOW))
        pipeline = await uow.pipelines.add(Pipeline(department, "Продажи"))
        deal = await uow.deals.add(
            Deal("Окна", department, pipeline.id, "NEW", NOW, anna, own.id, None, {"a": 1})
        )
        await uow.commit()
    async with factory() as uow:
        assert [c.id for c in await uow.companies.matching(department, "ромашка ооо")] == [
            own.id,
            shared.id,
        ]
        assert [c.id for c in await uow.companies.with_contacts(department, "+7912", "c@d.ru")] == [
            own.id,
            shared.id,
        ]
        assert await uow.companies.with_contacts(department, None, None) == []
        assert await uow.companies.deal_count(own.id) == 1
        assert await uow.companies.deal_count(shared.id) == 0
        assert await uow.companies.get(own.id) == own
        assert [c.email for c in await uow.contacts.in_company(own.id, "+7912", "a@b.ru")] == [
            None,
            "a@b.ru",
        ]
        assert await uow.contacts.in_company(own.id, None, None) == []
        assert await uow.deals.get(deal.id) == deal
        assert await uow.pipelines.default_for(department) == pipeline
        assert await uow.pipelines.default_for(other) is None


async def test_members_invitations_settings_and_checklists(factory: Callable[[], Any]) -> None:
    department, boss, anna, boris = await people(factory)
    async with factory() as uow:
        gone = await uow.members.get(boris)
        gone.active, gone.blocked_at, gone.full_name = False, NOW, "Борис Ушедший"
        await uow.members.save(gone)
        await uow.invitations.add(
            Invitation("t", Role.MANAGER, department, boss, NOW, NOW + timedelta(hours=1))
        )
        await uow.sla.set_minutes(department, "contact_sla_minutes", 30)
        await uow.sla.set_minutes(department, "unassigned_limit_minutes", 2.5)
        question = Question("a", "Что?", Kind.TEXT)
        default = await uow.checklists.add(Checklist("Общий", (question,)), NOW, None)
        await uow.commit()
    async with factory() as uow:
        assert [m.id for m in await uow.members.with_roles(department, (Role.MANAGER,))] == [anna]
        stored = await uow.members.get(boris)
        assert (stored.full_name, stored.active, stored.blocked_at) == (
            "Борис Ушедший",
            False,
            None,
        )
        assert [m.full_name for m in await uow.members.everyone()] == [
            "Анна",
            "Борис Ушедший",
            "Шеф",
        ]
        assert len(await uow.members.in_department(department)) == 3
        assert (await uow.members.by_telegram_id(2)).id == anna
        assert not await uow.invitations.claim("t", anna, NOW + timedelta(hours=1))
        assert await uow.invitations.claim("t", anna, NOW)
        assert not await uow.invitations.claim("t", boris, NOW)
        assert (await uow.invitations.by_token("t")).used_by == anna
        policy = await uow.sla.policy(department)
        assert (policy.contact, policy.unassigned, policy.processing) == (
            timedelta(minutes=30),
            timedelta(minutes=2.5),
            timedelta(minutes=60),
        )
        assert await uow.checklists.has_default()
        assert await uow.checklists.active_for(department) == default
        own = await uow.checklists.add(Checklist("Свой", (question,), department), NOW, boss)
        newer = await uow.checklists.add(Checklist("Свой 2", (question,), department), NOW, boss)
        assert await uow.checklists.active_for(department) == newer
        assert await uow.checklists.get(own.id) == own
        assert (await uow.departments.by_name("Продажи")).id == department
        await uow.departments.lock(department)


async def test_a_department_keeps_its_mode_and_its_turn(factory: Callable[[], Any]) -> None:
    """#14 §6: by hand until set; the turn moves only in a department with a mode."""
    department, _, anna, boris = await people(factory)
    async with factory() as uow:
        assert await uow.departments.routing(department) == Routing()
        assert await uow.departments.take_turn(department) == Routing()
        await uow.departments.turn_taken(department, anna)  # no mode: nothing to move
        await uow.commit()
    async with factory() as uow:
        assert await uow.departments.routing(department) == Routing()
        await uow.departments.set_mode(department, AssignMode.ROUND_ROBIN)
        await uow.commit()
    async with factory() as uow:
        assert await uow.departments.take_turn(department) == Routing(AssignMode.ROUND_ROBIN)
        await uow.departments.turn_taken(department, boris)
        await uow.commit()
    async with factory() as uow:
        await uow.departments.set_mode(department, AssignMode.LEAST_LOADED)  # the turn stays
        await uow.commit()
    async with factory() as uow:
        assert await uow.departments.take_turn(department) == Routing(
            AssignMode.LEAST_LOADED, boris
        )
        lead = await uow.leads.add(a_lead(department, assigned_how=AssignMode.LEAST_LOADED))
        await uow.commit()
    async with factory() as uow:
        lead = await uow.leads.get(lead.id)
        assert lead.assigned_how is AssignMode.LEAST_LOADED
        lead.assigned_how = AssignMode.ROUND_ROBIN
        assert await uow.leads.update_if(lead, expected_status=S.NEW)
        await uow.commit()
    async with factory() as uow:
        assert (await uow.leads.get(lead.id)).assigned_how is AssignMode.ROUND_ROBIN

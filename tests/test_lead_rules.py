"""Lead use cases for every role (the Roles table), on a real SQLite file; the card's limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.checklist import Checklist, Kind, Question
from domain.errors import DomainError, NotAllowed
from domain.lead_fields import LeadField
from domain.model import (
    Company,
    Deal,
    Escalation,
    JunkReason,
    Lead,
    LeadSource,
    Member,
    NotificationKind,
    Profile,
    Role,
    Rule,
    SkipReason,
    Subject,
    TimerKind,
)
from domain.services import checklist as checklist_service
from domain.services import conversion, escalations, lead_history, lead_moves, leads, onboarding
from domain.services.cards import card_context
from domain.services.checklist import Step
from domain.services.conversion import CompanyMatch, Duplicates
from domain.services.lead_history import HistoryPage
from domain.statuses import LeadStatus
from handlers import checklist as checklist_views
from handlers import escalation_views, lead_card_views
from handlers.callbacks import CallCb
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.tables import CompanyRow, ContactRow, DealRow, LeadEventRow, OutboxRow, PenaltyRow
from storage.uow import SqlUnitOfWorkFactory
from tests.fake_telegram import plain_text, utf16_length

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(sqlite_db: str) -> AsyncIterator[tuple[SqlUnitOfWorkFactory, dict[str, Member]]]:
    engine = create_engine(sqlite_db)
    await upgrade_engine(engine)
    factory = SqlUnitOfWorkFactory(create_session_factory(engine))
    people: dict[str, Member] = {}
    async with factory() as uow:
        admin = await onboarding.bootstrap_admin(uow, 1, "Админ", [1], NOW)
        assert admin is not None
        people["admin"] = admin
        sales = await onboarding.create_department(uow, admin, "Продажи")
        retail = await onboarding.create_department(uow, admin, "Розница")
        for n, (key, role, department) in enumerate(
            (
                ("owner", Role.MANAGER, sales),
                ("other", Role.MANAGER, sales),
                ("office", Role.OFFICE_MANAGER, sales),
                ("boss", Role.SUPERVISOR, sales),
                ("foreign_boss", Role.SUPERVISOR, retail),
            )
        ):
            issued = await onboarding.issue_invitation(uow, admin, role, department.id, NOW)
            people[key] = await onboarding.accept_invitation(
                uow,
                issued.invitation.token,
                10 + n,
                Profile(key, "+79120000000", "x@example.ru", role.label),
                NOW,
            )
    yield factory, people
    await engine.dispose()


async def fresh_lead(factory: SqlUnitOfWorkFactory, people: dict[str, Member]) -> int:
    async with factory() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван", LeadField.COMPANY: "Ромашка ООО"},
            source=LeadSource.WEB,
            department_id=people["owner"].department_id or 0,
            creator=None,
            now=NOW,
        )
    async with factory() as uow:
        await leads.assign_lead(
            uow, people["office"], intake.lead.id or 0, people["owner"].id or 0, NOW
        )
    return intake.lead.id or 0


ACTIONS = {
    "move": lambda uow, who, lead_id: leads.move_lead(
        uow, who, lead_id, LeadStatus.IN_PROCESS, LeadStatus.ASSIGNED, NOW
    ),
    "plan_call": lambda uow, who, lead_id: leads.plan_call(
        uow, who, lead_id, NOW + timedelta(hours=1), NOW
    ),
    "edit": lambda uow, who, lead_id: leads.edit_field(
        uow, who, lead_id, LeadField.EMAIL, "new@example.ru", NOW
    ),
    "junk": lambda uow, who, lead_id: leads.mark_junk(
        uow, who, lead_id, JunkReason.SPAM, None, LeadStatus.ASSIGNED, NOW
    ),
    "convert": lambda uow, who, lead_id: conversion.convert_lead(
        uow, who, lead_id, None, LeadStatus.ASSIGNED, NOW
    ),
    "history": lambda uow, who, lead_id: lead_history.history(uow, who, lead_id),
    "open": lambda uow, who, lead_id: leads.open_card(uow, who, lead_id, NOW),
}
# Who may do each action to a lead the manager "owner" is responsible for.
ALLOWED = {
    "move": {"owner", "boss", "admin"},
    "plan_call": {"owner", "boss", "admin"},
    "edit": {"owner", "boss", "admin"},
    "junk": {"owner", "boss", "admin"},
    "convert": {"owner", "boss", "admin"},
    "history": {"owner", "boss", "admin", "office"},
    "open": {"owner", "boss", "admin", "office"},
}
ROLES = ("owner", "other", "office", "boss", "foreign_boss", "admin")


Event = tuple[str, str | None, str | None, str | None, int | None]


async def lead_events(factory: SqlUnitOfWorkFactory, lead_id: int, after: int = 0) -> list[Event]:
    """The lead's history rows (R2.8) after the id `after`, oldest first."""
    async with factory() as uow:
        rows = await uow.session.scalars(
            select(LeadEventRow)
            .where(LeadEventRow.lead_id == lead_id, LeadEventRow.id > after)
            .order_by(LeadEventRow.id)
        )
        return [(r.kind, r.field_name, r.old_value, r.new_value, r.actor_id) for r in rows]


async def last_ids(factory: SqlUnitOfWorkFactory) -> tuple[int, int]:
    """The newest history row and the newest outbox row: what an action adds comes after."""
    async with factory() as uow:
        events = await uow.session.scalar(select(func.max(LeadEventRow.id)))
        outbox = await uow.session.scalar(select(func.max(OutboxRow.id)))
        return events or 0, outbox or 0


async def effect_of(
    factory: SqlUnitOfWorkFactory,
    action: str,
    actor: Member,
    lead_id: int,
    before: Lead,
    marks: tuple[int, int],
    result: object,
) -> None:
    """What each allowed action leaves in the database: the lead, its history (R2.8), its
    deal, its timers, the card on its way."""
    events_before, outbox_before = marks
    async with factory() as uow:
        lead = await uow.leads.get(lead_id)
        assert lead is not None
        timers = await uow.timers.pending(Subject.lead(lead_id))
    events = await lead_events(factory, lead_id, after=events_before)
    assigned, in_process = LeadStatus.ASSIGNED.label, LeadStatus.IN_PROCESS.label
    if action == "move":
        assert lead.status is LeadStatus.IN_PROCESS and lead.status_changed_at == NOW
        assert events == [("status", "status", assigned, in_process, actor.id)]
    elif action == "plan_call":
        assert lead.next_contact_at == NOW + timedelta(hours=1)
        assert events == [
            ("next_contact", "next_contact_at", None, (NOW + timedelta(hours=1)).isoformat(),
             actor.id)
        ]  # fmt: skip
        assert [(t.kind, t.due_at) for t in timers if t.kind is TimerKind.CALL_REMINDER] == [
            (TimerKind.CALL_REMINDER, NOW + timedelta(hours=1))
        ]
    elif action == "edit":
        assert lead.email == "new@example.ru"
        assert events == [("field", "email", None, "new@example.ru", actor.id)]
    elif action == "junk":
        assert lead.status is LeadStatus.JUNK and lead.junk_reason == "спам"
        assert events == [
            ("status", "status", assigned, LeadStatus.JUNK.label, actor.id),
            ("junk", "junk_reason", None, "спам", actor.id),
        ]
        assert timers == []  # a closed lead has no clock left (R2.2)
    elif action == "convert":
        assert isinstance(result, Deal) and result.id is not None
        assert lead.status is LeadStatus.CONVERTED and lead.deal_id == result.id
        async with factory() as uow:
            deal = await uow.session.get(DealRow, result.id)
            assert deal is not None
            assert (deal.title, deal.responsible_id) == (before.title, before.responsible_id)
            company = await uow.session.get(CompanyRow, deal.company_id)
            assert company is not None and company.name == "Ромашка ООО"
        assert [e[:2] for e in events] == [("status", "status"), ("converted", "deal")]
        assert events[0][2:] == (assigned, LeadStatus.CONVERTED.label, actor.id)
        assert timers == []
    else:  # reading leaves the lead as it was
        assert lead == before and events == []
        if action == "history":
            assert isinstance(result, HistoryPage) and result.lead.id == lead_id
            assert [e.kind for e in result.events] == ["status", "assigned", "created"]
        else:  # open: a new copy of the card is on its way to him
            async with factory() as uow:
                cards = await uow.session.scalars(
                    select(OutboxRow.member_id).where(
                        OutboxRow.subject_kind == "lead",
                        OutboxRow.subject_id == lead_id,
                        OutboxRow.kind == NotificationKind.CARD.value,
                        OutboxRow.fresh.is_(True),
                        OutboxRow.id > outbox_before,
                    )
                )
                assert list(cards) == [actor.id]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_who_may_do_what_to_a_lead(world: tuple, action: str, who: str) -> None:
    """Who may act on a lead (the Roles table); what an allowed action changes, and that a
    refusal changes nothing."""
    factory, people = world
    lead_id = await fresh_lead(factory, people)
    async with factory() as uow:
        before = await uow.leads.get(lead_id)
    assert before is not None
    marks = await last_ids(factory)
    async with factory() as uow:
        if who in ALLOWED[action]:
            result = await ACTIONS[action](uow, people[who], lead_id)
        else:
            with pytest.raises(NotAllowed):
                await ACTIONS[action](uow, people[who], lead_id)
    if who in ALLOWED[action]:
        await effect_of(factory, action, people[who], lead_id, before, marks, result)
        return
    async with factory() as uow:
        assert await uow.leads.get(lead_id) == before  # a refusal writes nothing
    assert await lead_events(factory, lead_id, after=marks[0]) == []


@pytest.mark.parametrize("who", ROLES)
async def test_who_may_assign_and_reassign(world: tuple, who: str) -> None:
    factory, people = world
    async with factory() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=people["owner"].department_id or 0,
            creator=None,
            now=NOW,
        )
    lead_id = intake.lead.id or 0
    async with factory() as uow:
        assign = leads.assign_lead(uow, people[who], lead_id, people["owner"].id or 0, NOW)
        if who in {"office", "boss", "admin"}:
            await assign
        else:
            with pytest.raises(NotAllowed):
                await assign
            return
    async with factory() as uow:
        reassign = leads.reassign_lead(
            uow, people[who], lead_id, people["other"].id or 0, people["owner"].id, NOW
        )
        if who in {"boss", "admin"}:
            lead = await reassign
            assert lead.responsible_id == people["other"].id
        else:
            with pytest.raises(NotAllowed):
                await reassign


async def test_only_managers_of_the_department_can_be_assigned(world: tuple) -> None:
    factory, people = world
    async with factory() as uow:
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=people["owner"].department_id or 0,
            creator=None,
            now=NOW,
        )
    for target in ("office", "foreign_boss"):
        async with factory() as uow:
            with pytest.raises(DomainError, match="нельзя назначить"):
                await leads.assign_lead(
                    uow, people["boss"], intake.lead.id or 0, people[target].id or 0, NOW
                )


async def test_duplicates_and_the_card_limit(world: tuple) -> None:
    factory, people = world
    first = await fresh_lead(factory, people)
    huge = {
        LeadField.TITLE: "Т" * 255,
        LeadField.COMPANY: "«Ромашка» ООО",
        LeadField.NAME: "И" * 128,
        LeadField.LAST_NAME: "П" * 128,
        LeadField.POSITION: "Д" * 128,
        LeadField.WEBSITE: "https://" + "w" * 480 + ".ru",
        LeadField.ADDRESS: "А" * 500,
        LeadField.COMMENT: "<&>" * 1333,
    }
    async with factory() as uow:
        second = await leads.create_lead(
            uow,
            values=huge,
            source=LeadSource.WEB,
            department_id=people["owner"].department_id or 0,
            creator=None,
            now=NOW,
        )
    async with factory() as uow:
        lead = await uow.leads.get(second.lead.id or 0)
        assert lead is not None
        context = await card_context(uow, lead, people["boss"])
    assert context.duplicates.leads == [first]
    html = lead_card_views.card_text(context, NOW, ZoneInfo("Europe/Moscow"))
    shown = plain_text(html, "HTML")  # what Telegram parses; it raises on broken HTML
    assert f"⚠️ возможный дубль лида #{first}" in shown
    assert len(shown) <= 4096 and shown.endswith("…")
    assert "<&><&>" in shown

    # Emoji count twice in Telegram's 4096 (UTF-16 units): the comment is clipped to that.
    emoji = replace(context, lead=replace(lead, comment="😀" * 4000))
    shown = plain_text(lead_card_views.card_text(emoji, NOW, ZoneInfo("Europe/Moscow")), "HTML")
    assert 4000 < utf16_length(shown) <= 4096 and shown.endswith("😀…")

    # Whatever a lead piles up (many duplicates, a long checklist, the longest names), the
    # card stays within the limit, in whole lines, and says it was shortened.
    questions = tuple(Question(f"q{n}", "В" * 200, Kind.TEXT) for n in range(30))
    piled = replace(
        context,
        lead=replace(lead, checklist_answers={q.key: "О" * 1000 for q in questions}),
        duplicates=Duplicates(
            list(range(1, 21)), [CompanyMatch(Company("К" * 200, id=n), 3) for n in range(10)]
        ),
        checklist=Checklist("Большой", questions),
    )
    shown = plain_text(lead_card_views.card_text(piled, NOW, ZoneInfo("Europe/Moscow")), "HTML")
    assert utf16_length(shown) <= 4096
    assert shown.startswith(f"#{lead.id} · ") and shown.endswith(lead_card_views.CUT_NOTE)
    assert "⚠️ повторный клиент: " + "К" * 200 + ", 3 сделки" in shown
    assert "Комментарий" not in shown


def test_a_call_reminder_sent_after_its_call_was_marked_still_has_its_buttons() -> None:
    """The sender draws a reminder from the lead as it is when it goes out: by then the
    call may be marked already (no agreed time). Its «Позвонил» is then a stale button."""
    lead = Lead("Окна", LeadSource.WEB, 1, NOW, LeadStatus.IN_PROCESS, id=7)
    keyboard = escalation_views.call_keyboard(lead)
    done = keyboard.inline_keyboard[0][0]
    assert done.text == "Позвонил"
    assert CallCb.unpack(done.callback_data or "").at == 0


def test_the_checklist_summary_fits_telegram_in_utf16_units() -> None:
    """Long answers of emoji: Telegram counts each twice, and so does the summary's limit."""
    questions = tuple(Question(f"q{n}", f"Вопрос {n}", Kind.TEXT) for n in range(5))
    lead = Lead("Окна", LeadSource.WEB, 1, NOW, LeadStatus.IN_PROCESS, id=7)
    lead.checklist_answers = {q.key: "😀" * 1000 for q in questions}
    step = Step(lead, Checklist("Эмодзи", questions), len(questions))
    html, _ = checklist_views.summary_view(step, SimpleNamespace(zone=ZoneInfo("Europe/Moscow")))
    shown = plain_text(html, "HTML")
    assert utf16_length(shown) <= 4096 and shown.startswith("Чек-лист лида #7: итог")


async def test_converting_onto_a_client_finds_its_person_by_contact_and_name(world: tuple) -> None:
    """R2.13: the client's person is reused; another person behind the same office phone is
    a new contact of the company, with his own name, e-mail and position (R3.1)."""
    factory, people = world
    owner = people["owner"]

    async def converted(values: dict[LeadField, str], company_id: int | None) -> Deal:
        async with factory() as uow:
            intake = await leads.create_lead(
                uow,
                values={LeadField.PHONE: "+74951234567", **values},
                source=LeadSource.CALL,
                department_id=owner.department_id or 0,
                creator=owner,
                now=NOW,
            )
        async with factory() as uow:
            return await conversion.convert_lead(
                uow, owner, intake.lead.id or 0, company_id, LeadStatus.ASSIGNED, NOW
            )

    first = await converted(
        {LeadField.NAME: "Иван", LeadField.LAST_NAME: "Петров", LeadField.COMPANY: "Ромашка ООО"},
        None,
    )
    company = first.company_id
    other = await converted(
        {
            LeadField.NAME: "Пётр",
            LeadField.LAST_NAME: "Сидоров",
            LeadField.EMAIL: "petr@romashka.ru",
            LeadField.POSITION: "закупщик",
        },
        company,
    )
    again = await converted({LeadField.NAME: "иван"}, company)
    nameless = await converted({LeadField.COMMENT: "звонили с офиса"}, company)
    async with factory() as uow:
        rows = (await uow.session.execute(select(ContactRow).order_by(ContactRow.id))).scalars()
        contacts = {r.id: (r.full_name, r.email, r.position) for r in rows}
    assert list(contacts.values()) == [
        ("Иван Петров", None, None),
        ("Пётр Сидоров", "petr@romashka.ru", "закупщик"),
    ]
    assert contacts[other.contact_id or 0][0] == "Пётр Сидоров"
    assert again.contact_id == nameless.contact_id == first.contact_id


def test_a_pool_of_many_leads_is_listed_in_short() -> None:
    assert escalations.lead_numbers([3, 5]) == "#3, #5"
    assert escalations.lead_numbers(list(range(1, 1001))).endswith("#49, #50 и ещё 950")


def test_a_long_answer_met_before_still_fits_its_question() -> None:
    question = Question("comment", "К" * 500, Kind.TEXT, field="comment")
    lead = Lead(
        title="Лид", source=LeadSource.WEB, department_id=1, created_at=NOW,
        status_changed_at=NOW, id=1, checklist_answers={"comment": "я" * 4000},
    )  # fmt: skip
    step = Step(lead, Checklist("Ч", (question,)), 0)
    text, keyboard = checklist_views.question_view(step, [], ZoneInfo("Europe/Moscow"))
    assert utf16_length(plain_text(text, "HTML")) < 1000
    assert keyboard.inline_keyboard[-1][0].text == "Оставить"


async def test_a_processed_lead_can_still_be_marked_junk(world: tuple) -> None:
    """R2.16: «Обработан» is not the end: the lead ends converted or junk, with its reason
    recorded, in its history (R2.8), its clocks stopped."""
    factory, people = world
    owner = people["owner"]
    lead_id = await fresh_lead(factory, people)
    async with factory() as uow:
        await lead_moves.process_without_checklist(uow, owner, lead_id, SkipReason.CLEAR, None, NOW)
    marks = await last_ids(factory)
    later = NOW + timedelta(minutes=5)
    async with factory() as uow:
        await leads.mark_junk(
            uow, owner, lead_id, JunkReason.OTHER, "  передумали ", LeadStatus.PROCESSED, later
        )
    async with factory() as uow:
        lead = await uow.leads.get(lead_id)
        timers = await uow.timers.pending(Subject.lead(lead_id))
    assert lead is not None
    assert (lead.status, lead.junk_reason, lead.status_changed_at) == (
        LeadStatus.JUNK,
        "передумали",
        later,
    )
    assert await lead_events(factory, lead_id, after=marks[0]) == [
        ("status", "status", "Обработан", "Некачественный лид", owner.id),
        ("junk", "junk_reason", None, "передумали", owner.id),
    ]
    assert timers == []


async def a_breach(factory: SqlUnitOfWorkFactory, people: dict[str, Member], lead_id: int) -> int:
    """The owner did not call his lead in time (R2.15): the supervisors were told."""
    async with factory() as uow:
        escalation = await uow.escalations.add(
            Escalation(
                Rule.CONTACT,
                people["owner"].department_id or 0,
                due_at=NOW,
                detected_at=NOW,
                lead_id=lead_id,
                responsible_id=people["owner"].id,
            )
        )
        await uow.commit()
    assert escalation.id is not None
    return escalation.id


@pytest.mark.parametrize("who", ROLES)
async def test_only_a_supervisor_records_a_penalty(world: tuple, who: str) -> None:
    """R2.2 and the Roles table: penalties are the supervisor's (and the admin's). An
    office manager assigns leads but records no penalty; nor does a manager, nor another
    department's supervisor."""
    factory, people = world
    owner, actor = people["owner"], people[who]
    lead_id = await fresh_lead(factory, people)
    escalation_id = await a_breach(factory, people, lead_id)
    marks = await last_ids(factory)
    later = NOW + timedelta(minutes=30)
    async with factory() as uow:
        if who in {"boss", "admin"}:
            await escalations.penalize(uow, actor, escalation_id, " не позвонил вовремя ", later)
        else:
            with pytest.raises(NotAllowed):
                await escalations.penalize(uow, actor, escalation_id, "не позвонил", later)
    async with factory() as uow:
        penalties = [
            (p.member_id, p.lead_id, p.escalation_id, p.rule, p.comment, p.created_by)
            for p in await uow.session.scalars(select(PenaltyRow))
        ]
        escalation = await uow.escalations.get(escalation_id)
        told = list(
            await uow.session.scalars(
                select(OutboxRow.text).where(
                    OutboxRow.member_id == owner.id,
                    OutboxRow.kind == NotificationKind.TEXT.value,
                    OutboxRow.id > marks[1],
                )
            )
        )
    assert escalation is not None
    events = await lead_events(factory, lead_id, after=marks[0])
    if who not in {"boss", "admin"}:
        assert (penalties, escalation.resolved_at, events, told) == ([], None, [], [])
        return
    assert penalties == [
        (owner.id, lead_id, escalation_id, "R2.15", "не позвонил вовремя", actor.id)
    ]
    # #14 §5: a penalty resolves nothing: the hand-over stays open.
    assert (escalation.penalized_at, escalation.penalized_by, escalation.resolved_at) == (
        later,
        actor.id,
        None,
    )
    assert events == [("penalty", None, None, "R2.15: не позвонил вовремя", actor.id)]
    assert told == [
        f"Вам записано взыскание по лиду #{lead_id} (не связался с клиентом вовремя): "
        "не позвонил вовремя"
    ]


async def test_only_an_open_look_alike_is_a_duplicate(world: tuple) -> None:
    """R2.13, R2.16: a lead with the phone or e-mail of an open lead is flagged as its
    possible duplicate; one whose look-alikes are all closed (converted, junk) is not. The
    converted one made a client: that match stays, as «повторный клиент»."""
    factory, people = world
    owner = people["owner"]
    phone, email = "+79121234567", "ivan@romashka.ru"

    async def lead_with(**values: str) -> int:
        async with factory() as uow:
            intake = await leads.create_lead(
                uow,
                values={LeadField(k): v for k, v in values.items()},
                source=LeadSource.CALL,
                department_id=owner.department_id or 0,
                creator=owner,
                now=NOW,
            )
        assert intake.lead.id is not None
        return intake.lead.id

    async def duplicates(lead_id: int) -> Duplicates:
        async with factory() as uow:
            lead = await uow.leads.get(lead_id)
            assert lead is not None
            return await conversion.duplicates_of(uow, lead)

    converted = await lead_with(phone=phone, name="Иван", company="Ромашка ООО")
    junk = await lead_with(email=email, name="Иван")
    async with factory() as uow:
        await conversion.convert_lead(uow, owner, converted, None, LeadStatus.ASSIGNED, NOW)
    async with factory() as uow:
        await leads.mark_junk(uow, owner, junk, JunkReason.SPAM, None, LeadStatus.ASSIGNED, NOW)

    probe = await lead_with(phone=phone, email=email, name="Иван")
    found = await duplicates(probe)
    assert found.leads == []
    assert [m.company.name for m in found.companies] == ["Ромашка ООО"]

    by_phone = await lead_with(phone=phone, name="Пётр")
    by_email = await lead_with(email=email, name="Пётр")
    assert (await duplicates(probe)).leads == [by_phone, by_email]


async def test_each_change_writes_its_history_as_before(world: tuple) -> None:
    """R2.8 through the use cases that change a lead's status: assignment, hand-over, the
    call, a move back, the checklist to «Обработан». The rows (what, from, to, who) and the
    lead's clock fields are what they were before the model got its behaviour (#13)."""
    factory, people = world
    owner, other, office, boss = people["owner"], people["other"], people["office"], people["boss"]
    zone = ZoneInfo("Europe/Moscow")
    async with factory() as uow:
        await uow.checklists.add(
            Checklist(
                "Короткий",
                (
                    Question("needs", "Что нужно?", Kind.TEXT),
                    Question("comment", "Что ещё?", Kind.TEXT, field="comment"),
                ),
                owner.department_id,
            ),
            NOW,
            boss.id,
        )
        await uow.commit()
        intake = await leads.create_lead(
            uow,
            values={LeadField.NAME: "Иван"},
            source=LeadSource.WEB,
            department_id=owner.department_id or 0,
            creator=None,
            now=NOW,
        )
    lead_id = intake.lead.id or 0
    at = [NOW + timedelta(minutes=n) for n in range(10)]
    call = (at[3] + timedelta(hours=1)).replace(second=0, microsecond=0)
    steps = (
        lambda uow: leads.assign_lead(uow, office, lead_id, owner.id or 0, at[1]),
        lambda uow: leads.reassign_lead(uow, boss, lead_id, other.id or 0, owner.id, at[2]),
        lambda uow: leads.plan_call(uow, other, lead_id, call, at[3]),
        lambda uow: leads.called(uow, other, lead_id, call, at[4]),
        lambda uow: leads.move_lead(
            uow, boss, lead_id, LeadStatus.ASSIGNED, LeadStatus.IN_PROCESS, at[5]
        ),
        lambda uow: checklist_service.start(uow, other, lead_id, at[6]),
        lambda uow: checklist_service.answer(uow, other, lead_id, 0, "окна", at[7], zone),
        lambda uow: checklist_service.answer(uow, other, lead_id, 1, "срочно", at[8], zone),
        lambda uow: checklist_service.finish(uow, other, lead_id, at[9]),
    )
    for step in steps:
        async with factory() as uow:
            await step(uow)
    async with factory() as uow:
        lead = await uow.leads.get(lead_id)
        rows = await uow.session.scalars(
            select(LeadEventRow).where(LeadEventRow.lead_id == lead_id).order_by(LeadEventRow.id)
        )
        written = [(r.at, r.kind, r.field_name, r.old_value, r.new_value, r.actor_id) for r in rows]
    new, assigned, in_process = "Не обработан", "Назначен ответственный", "В работе"
    assert written == [
        (NOW, "created", None, None, "Иван (сайт)", None),
        (at[1], "assigned", "responsible", None, "owner", office.id),
        (at[1], "status", "status", new, assigned, office.id),
        (at[2], "reassigned", "responsible", "owner", "other", boss.id),
        (at[3], "next_contact", "next_contact_at", None, call.isoformat(), other.id),
        (at[4], "called", None, None, None, other.id),
        (at[4], "status", "status", assigned, in_process, other.id),
        (at[5], "status", "status", in_process, assigned, boss.id),
        # #14 §2: the checklist started on an assigned lead takes it into work first.
        (at[6], "status", "status", assigned, in_process, other.id),
        (at[6], "checklist_started", None, None, "Короткий", other.id),
        (at[7], "checklist", "needs", None, "окна", other.id),
        (at[8], "field", "comment", None, "срочно", other.id),
        (at[8], "checklist", "comment", None, "срочно", other.id),
        (at[9], "status", "status", in_process, "Обработан", other.id),
        (at[9], "checklist_done", None, None, "Короткий", other.id),
    ]
    assert lead is not None
    assert (lead.status, lead.status_changed_at, lead.responsible_id) == (
        LeadStatus.PROCESSED,
        at[9],
        other.id,
    )
    # Handed over at[2]; contacted by the call at[4] and kept through the move back.
    assert (lead.assigned_by_id, lead.assigned_at, lead.first_contact_at) == (boss.id, at[2], at[4])
    assert (lead.next_contact_at, lead.comment) == (None, "срочно")

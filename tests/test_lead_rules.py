"""Lead use cases for every role (the Roles table), on a real SQLite file; the card's limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.checklist import Checklist, Kind, Question
from domain.errors import DomainError, NotAllowed
from domain.lead_fields import LeadField
from domain.model import Company, Deal, JunkReason, Lead, LeadSource, Member, Profile, Role
from domain.services import conversion, escalations, lead_history, leads, onboarding
from domain.services.cards import card_context
from domain.services.checklist import Step
from domain.services.conversion import CompanyMatch, Duplicates
from domain.statuses import LeadStatus
from handlers import checklist as checklist_views
from handlers import escalation_views, lead_views
from handlers.escalation_views import CallCb
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.tables import ContactRow
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


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_who_may_do_what_to_a_lead(world: tuple, action: str, who: str) -> None:
    factory, people = world
    lead_id = await fresh_lead(factory, people)
    async with factory() as uow:
        before = await uow.leads.get(lead_id)
    async with factory() as uow:
        if who in ALLOWED[action]:
            await ACTIONS[action](uow, people[who], lead_id)
            return
        with pytest.raises(NotAllowed):
            await ACTIONS[action](uow, people[who], lead_id)
    async with factory() as uow:
        assert await uow.leads.get(lead_id) == before  # a refusal writes nothing


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
    html = lead_views.card_text(context, NOW, ZoneInfo("Europe/Moscow"))
    shown = plain_text(html, "HTML")  # what Telegram parses; it raises on broken HTML
    assert f"⚠️ возможный дубль лида #{first}" in shown
    assert len(shown) <= 4096 and shown.endswith("…")
    assert "<&><&>" in shown

    # Emoji count twice in Telegram's 4096 (UTF-16 units): the comment is clipped to that.
    emoji = replace(context, lead=replace(lead, comment="😀" * 4000))
    shown = plain_text(lead_views.card_text(emoji, NOW, ZoneInfo("Europe/Moscow")), "HTML")
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
    shown = plain_text(lead_views.card_text(piled, NOW, ZoneInfo("Europe/Moscow")), "HTML")
    assert utf16_length(shown) <= 4096
    assert shown.startswith(f"#{lead.id} · ") and shown.endswith(lead_views.CUT_NOTE)
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

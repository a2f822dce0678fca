"""Every refusal of a use case, with the very words the member reads (and the field a typed
value is asked again for): a department in the middle of its day, and each thing a member may
try that the rules refuse. A refusal changes nothing stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from domain.checklist import Checklist, ChecklistInvalid, Kind, Question
from domain.errors import DomainError
from domain.lead_fields import LeadField
from domain.model import JunkReason, Role, Rule
from domain.services import (
    checklist,
    conversion,
    department_settings,
    escalations,
    lead_history,
    lead_lists,
    leads,
    onboarding,
    timers,
)
from domain.statuses import LeadStatus
from tests.fake_uow import FakeDatabase
from tests.use_case_world import NOW, ZONE, World, assigned_lead, make_world, minutes, web_lead

S = LeadStatus
ANNA = "Аннова Анна"


@dataclass
class Day:
    """The department at noon: Anna holds a lead she has not called (its R2.15 escalation
    is out), another in work with a checklist, a junk one; two leads wait in the pool past
    R2.14's limit (its escalation is out); an invitation was used; a draft was taken."""

    w: World
    mine: int  # Anna's, «Назначен», escalated (R2.15)
    working: int  # Anna's, «В работе», its checklist at the first question
    junk: int
    pool: int
    contact_breach: int
    pool_breach: int
    draft: int


async def a_day() -> Day:
    w = await make_world()
    async with w.db() as uow:
        questions = (
            Question("needs", "Что нужно?", Kind.TEXT, required=True),
            Question("extras", "Что ещё?", Kind.MULTI, required=True, choices=("А", "Б")),
        )
        await uow.checklists.add(Checklist("Короткий", questions, w.sales), NOW, w.boss.id)
        await uow.commit()
    mine = await assigned_lead(w, company="Ромашка ООО", name="Иван")
    working = await assigned_lead(w)
    junk = await assigned_lead(w)
    pool = await web_lead(w)
    await web_lead(w)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, working.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
        await checklist.start(uow, w.anna, working.id or 0, NOW)
        await leads.mark_junk(uow, w.anna, junk.id or 0, JunkReason.SPAM, None, None, NOW)
        draft = await leads.offer_draft(uow, w.anna, {"name": "Пётр"}, NOW)
        await leads.create_from_draft(uow, w.anna, draft.id or 0, w.sales, NOW)
        await timers.card_handed(uow, leads.Subject.lead(mine.id or 0), w.anna.id or 0, NOW)
        await uow.commit()
        await onboarding.issue_invitation(
            uow, w.boss, Role.MANAGER, w.sales, NOW, token_factory=lambda: "used"
        )
        await onboarding.accept_invitation(
            uow, "used", 777, onboarding.parse_profile("Вера", "+79121234567", "v@b.ru", "м"), NOW
        )
    late = NOW + minutes(16)
    async with w.db() as uow:
        due = await uow.timers.due(late, 100)
    for _, timer_id in due:
        async with w.db() as uow:
            await timers.fire(uow, timer_id, late)
    found = {e.rule: e.id or 0 for e in w.db.rows("escalations")}
    return Day(
        w,
        mine.id or 0,
        working.id or 0,
        junk.id or 0,
        pool.id or 0,
        found[Rule.CONTACT],
        found[Rule.POOL],
        draft.id or 0,
    )


Call = Callable[[Any, Day], Awaitable[Any]]


def _(call: Call) -> Call:
    return call


# (what is tried, the error, its field for a typed value, the words the member reads)
REFUSALS: list[tuple[str, Call, str, str | None, str]] = [
    # leads (R2.9-R2.16)
    (
        "a lead nobody has",
        _(lambda uow, d: leads.move_lead(uow, d.w.anna, 999, S.IN_PROCESS, S.ASSIGNED, NOW)),
        "NotFound",
        None,
        "Лид #999 не найден.",
    ),
    (
        "another's lead",
        _(lambda uow, d: leads.move_lead(uow, d.w.boris, d.mine, S.IN_PROCESS, S.ASSIGNED, NOW)),
        "NotAllowed",
        None,
        "Это не ваш лид: действие недоступно.",
    ),
    (
        "a stale stage button",
        _(lambda uow, d: leads.move_lead(uow, d.w.anna, d.mine, S.PROCESSED, S.IN_PROCESS, NOW)),
        "StaleState",
        None,
        "Лид уже в статусе «Назначен ответственный».",
    ),
    (
        "a move to an end",
        _(lambda uow, d: leads.move_lead(uow, d.w.anna, d.mine, S.CONVERTED, S.ASSIGNED, NOW)),
        "InvalidInput",
        "status",
        "Для этого есть кнопки «Конвертировать» и «Некачественный».",
    ),
    (
        "a move to where it is",
        _(lambda uow, d: leads.move_lead(uow, d.w.anna, d.mine, S.ASSIGNED, S.ASSIGNED, NOW)),
        "TransitionRefused",
        None,
        "Лид уже в статусе «Назначен ответственный».",
    ),
    (
        "a manager moving back",
        _(lambda uow, d: leads.move_lead(uow, d.w.anna, d.working, S.ASSIGNED, S.IN_PROCESS, NOW)),
        "TransitionRefused",
        None,
        "Вернуть лид на прошлую стадию может только руководитель отдела.",
    ),
    (
        "out of the pool but by assignment",
        _(lambda uow, d: leads.move_lead(uow, d.w.boss, d.pool, S.ASSIGNED, S.NEW, NOW)),
        "TransitionRefused",
        None,
        "Из «Не обработан» лид выводит назначение ответственного.",
    ),
    (
        "a pool lead straight into work",
        _(lambda uow, d: leads.move_lead(uow, d.w.boss, d.pool, S.IN_PROCESS, S.NEW, NOW)),
        "TransitionRefused",
        None,
        "Из статуса «Не обработан» нельзя перейти в «В работе».",
    ),
    (
        "a closed lead moved",
        _(lambda uow, d: leads.move_lead(uow, d.w.boss, d.junk, S.IN_PROCESS, S.JUNK, NOW)),
        "TransitionRefused",
        None,
        "Лид уже закрыт («Некачественный лид»): его статус больше не меняется.",
    ),
    (
        "a closed lead edited",
        _(lambda uow, d: leads.edit_field(uow, d.w.anna, d.junk, LeadField.COMMENT, "x", NOW)),
        "StaleState",
        None,
        "Лид уже закрыт («Некачественный лид»): изменить его нельзя.",
    ),
    (
        "an edit to the same value",
        _(lambda uow, d: leads.edit_field(uow, d.w.anna, d.mine, LeadField.NAME, "Иван", NOW)),
        "InvalidInput",
        "name",
        "Имя контакта: значение не изменилось.",
    ),
    (
        "a bad value",
        _(lambda uow, d: leads.edit_field(uow, d.w.anna, d.mine, LeadField.PHONE, "12", NOW)),
        "InvalidInput",
        "phone",
        "Это не похоже на номер телефона. Пример: +7 912 123-45-67.",
    ),
    (
        "a call in the past",
        _(lambda uow, d: leads.plan_call(uow, d.w.anna, d.mine, NOW - minutes(1), NOW)),
        "InvalidInput",
        "next_contact",
        "Это время уже прошло: укажите время в будущем.",
    ),
    (
        "a call this very minute",
        _(lambda uow, d: leads.plan_call(uow, d.w.anna, d.mine, NOW + timedelta(seconds=59), NOW)),
        "InvalidInput",
        "next_contact",
        "Это время уже прошло: укажите время в будущем.",
    ),
    (
        "a call on a closed lead",
        _(lambda uow, d: leads.plan_call(uow, d.w.anna, d.junk, NOW + minutes(60), NOW)),
        "StaleState",
        None,
        "Лид уже закрыт («Некачественный лид»): изменить его нельзя.",
    ),
    (
        "«Позвонил» with no call agreed",
        _(lambda uow, d: leads.called(uow, d.w.anna, d.mine, NOW, NOW)),
        "StaleState",
        None,
        "Это напоминание устарело: звонок уже перенесён.",
    ),
    (
        "junk without its reason",
        _(lambda uow, d: leads.mark_junk(uow, d.w.anna, d.mine, JunkReason.OTHER, "", None, NOW)),
        "InvalidInput",
        "junk_reason",
        "Напишите причину, по которой лид некачественный.",
    ),
    (
        "junk twice",
        _(lambda uow, d: leads.mark_junk(uow, d.w.anna, d.junk, JunkReason.SPAM, None, None, NOW)),
        "TransitionRefused",
        None,
        "Лид уже в статусе «Некачественный лид».",
    ),
    (
        "junk from a stale card",
        _(lambda uow, d: leads.mark_junk(uow, d.w.anna, d.mine, JunkReason.SPAM, None, S.NEW, NOW)),
        "StaleState",
        None,
        "Лид уже в статусе «Назначен ответственный».",
    ),
    (
        "a card one may not see",
        _(lambda uow, d: leads.open_card(uow, d.w.boris, d.mine, NOW)),
        "NotAllowed",
        None,
        "Это не ваш лид: карточка недоступна.",
    ),
    (
        "a history one may not see",
        _(lambda uow, d: lead_history.history(uow, d.w.stranger, d.mine)),
        "NotAllowed",
        None,
        "Это не ваш лид: история недоступна.",
    ),
    (
        "a draft used",
        _(lambda uow, d: leads.create_from_draft(uow, d.w.anna, d.draft, d.w.sales, NOW)),
        "StaleState",
        None,
        "Этот черновик уже использован.",
    ),
    (
        "a draft by a member switched off",
        _(lambda uow, d: leads.offer_draft(uow, d.w.gone, {"name": "x"}, NOW)),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
    (
        "a lead into another department",
        _(
            lambda uow, d: leads.create_lead(
                uow,
                values={LeadField.NAME: "x"},
                source=leads.LeadSource.MANUAL,
                department_id=d.w.retail,
                creator=d.w.anna,
                now=NOW,
            )
        ),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
    # assignment (R2.11)
    (
        "assigning an assigned lead",
        _(lambda uow, d: leads.assign_lead(uow, d.w.office, d.mine, d.w.boris.id, NOW)),
        "StaleState",
        None,
        f"Уже назначен: {ANNA}.",
    ),
    (
        "assigning a supervisor",
        _(lambda uow, d: leads.assign_lead(uow, d.w.office, d.pool, d.w.boss.id, NOW)),
        "InvalidInput",
        "responsible",
        "Этого сотрудника нельзя назначить: выберите другого.",
    ),
    (
        "assigning nobody known",
        _(lambda uow, d: leads.assign_lead(uow, d.w.office, d.pool, 999, NOW)),
        "InvalidInput",
        "responsible",
        "Этого сотрудника нельзя назначить: выберите другого.",
    ),
    (
        "a manager assigning",
        _(lambda uow, d: leads.assign_lead(uow, d.w.anna, d.pool, d.w.anna.id, NOW)),
        "NotAllowed",
        None,
        "Это не ваш лид: действие недоступно.",
    ),
    (
        "handing a lead to its holder",
        _(lambda uow, d: leads.reassign_lead(uow, d.w.boss, d.mine, d.w.anna.id, d.w.anna.id, NOW)),
        "InvalidInput",
        "responsible",
        f"{ANNA} уже отвечает за этот лид.",
    ),
    (
        "a stale hand-over",
        _(lambda uow, d: leads.reassign_lead(uow, d.w.boss, d.mine, d.w.boris.id, None, NOW)),
        "StaleState",
        None,
        f"Ответственный уже сменился: {ANNA}.",
    ),
    (
        "handing over a closed lead",
        _(
            lambda uow, d: leads.reassign_lead(
                uow, d.w.boss, d.junk, d.w.boris.id, d.w.anna.id, NOW
            )
        ),
        "StaleState",
        None,
        "Лид уже закрыт («Некачественный лид»).",
    ),
    (
        "an office manager handing over",
        _(
            lambda uow, d: leads.reassign_lead(
                uow, d.w.office, d.mine, d.w.boris.id, d.w.anna.id, NOW
            )
        ),
        "NotAllowed",
        None,
        "Это не ваш лид: действие недоступно.",
    ),
    # conversion (R2.13)
    (
        "converting without a company",
        _(lambda uow, d: conversion.convert_lead(uow, d.w.anna, d.working, None, None, NOW)),
        "InvalidInput",
        "company",
        "Укажите компанию клиента: «Изменить» → «Компания».",
    ),
    (
        "converting onto no company",
        _(lambda uow, d: conversion.convert_lead(uow, d.w.anna, d.mine, 999, None, NOW)),
        "NotFound",
        None,
        "Такой компании нет.",
    ),
    (
        "converting a closed lead",
        _(lambda uow, d: conversion.convert_lead(uow, d.w.anna, d.junk, None, None, NOW)),
        "TransitionRefused",
        None,
        "Лид уже закрыт («Некачественный лид»): его статус больше не меняется.",
    ),
    (
        "converting from a stale card",
        _(lambda uow, d: conversion.convert_lead(uow, d.w.anna, d.mine, None, S.PROCESSED, NOW)),
        "StaleState",
        None,
        "Лид уже в статусе «Назначен ответственный».",
    ),
    # escalations (R2.2, R2.14, R2.15)
    (
        "a breach that is not",
        _(lambda uow, d: escalations.remind(uow, d.w.boss, 999, NOW)),
        "NotFound",
        None,
        "Такого нарушения нет.",
    ),
    (
        "another department's breach",
        _(lambda uow, d: escalations.remind(uow, d.w.foreign, d.contact_breach, NOW)),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
    (
        "handing over a pool of leads",
        _(lambda uow, d: escalations.reassign(uow, d.w.boss, d.pool_breach, d.w.anna.id, NOW)),
        "InvalidInput",
        "escalation",
        "Это нарушение о нескольких лидах: откройте их карточки.",
    ),
    (
        "a penalty with no words",
        _(lambda uow, d: escalations.penalize(uow, d.w.boss, d.contact_breach, " ", NOW)),
        "InvalidInput",
        "penalty",
        "Комментарий: пустое значение, напишите текстом.",
    ),
    (
        "a penalty too long",
        _(lambda uow, d: escalations.penalize(uow, d.w.boss, d.contact_breach, "я" * 1001, NOW)),
        "InvalidInput",
        "penalty",
        "Комментарий: не длиннее 1000 символов.",
    ),
    (
        "a penalty for the pool",
        _(lambda uow, d: escalations.penalize(uow, d.w.boss, d.pool_breach, "x", NOW)),
        "InvalidInput",
        "escalation",
        "Это нарушение о нескольких лидах: откройте их карточки.",
    ),
    (
        "the penalties by a manager",
        _(lambda uow, d: escalations.penalties(uow, d.w.anna, NOW, NOW + timedelta(days=1))),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
    # the durations (/settings)
    (
        "a setting that is not",
        _(lambda uow, d: department_settings.change(uow, d.w.boss, "обед", "10", NOW)),
        "InvalidInput",
        "setting",
        "Такой настройки нет.",
    ),
    (
        "minutes in words",
        _(lambda uow, d: department_settings.change(uow, d.w.boss, "contact", "пять", NOW)),
        "InvalidInput",
        "minutes",
        "Напишите число минут, например 15 или 0,5.",
    ),
    (
        "an admin's settings",
        _(lambda uow, d: department_settings.current(uow, d.w.admin)),
        "NotAllowed",
        None,
        "Сроки задаются для отдела: их меняет руководитель отдела.",
    ),
    (
        "an office manager's settings",
        _(lambda uow, d: department_settings.change(uow, d.w.office, "contact", "5", NOW)),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
    # the checklist (R2.6)
    (
        "a checklist for the pool",
        _(lambda uow, d: checklist.start(uow, d.w.boss, d.pool, NOW)),
        "InvalidInput",
        "checklist",
        "Сначала назначьте ответственного.",
    ),
    (
        "a checklist for a closed lead",
        _(lambda uow, d: checklist.start(uow, d.w.anna, d.junk, NOW)),
        "StaleState",
        None,
        "Лид уже закрыт («Некачественный лид»).",
    ),
    (
        "an answer to a question passed",
        _(lambda uow, d: checklist.answer(uow, d.w.anna, d.working, 1, "x", NOW, ZONE)),
        "StaleState",
        None,
        "Этот вопрос уже позади: вот текущий.",
    ),
    (
        "a required question skipped",
        _(lambda uow, d: checklist.skip(uow, d.w.anna, d.working, 0, NOW, ZONE)),
        "InvalidInput",
        "needs",
        "Это обязательный вопрос: его не пропустить.",
    ),
    (
        "«Готово» too early",
        _(lambda uow, d: checklist.finish(uow, d.w.anna, d.working, NOW)),
        "InvalidInput",
        "checklist",
        "Не заполнены обязательные вопросы: Что нужно?; Что ещё?",
    ),
    (
        "a button of no choice",
        _(lambda uow, d: checklist.choose(uow, d.w.anna, d.working, 0, [0], NOW, ZONE)),
        "StaleState",
        None,
        "Эта кнопка устарела.",
    ),
    (
        "a question past the summary",
        _(lambda uow, d: checklist.go_to(uow, d.w.anna, d.working, 3, NOW)),
        "StaleState",
        None,
        "Эта кнопка устарела.",
    ),
    (
        "a question before the first",
        _(lambda uow, d: checklist.go_to(uow, d.w.anna, d.working, -1, NOW)),
        "StaleState",
        None,
        "Эта кнопка устарела.",
    ),
    (
        "an admin's checklist file",
        _(lambda uow, d: checklist.replace_checklist(uow, d.w.admin, b"name: x", "c.yaml", NOW)),
        "InvalidInput",
        "checklist",
        "Чек-лист меняют для отдела: у вас отдела нет.",
    ),
    (
        "a checklist file too big",
        _(
            lambda uow, d: checklist.replace_checklist(
                uow, d.w.boss, b"#" * (256 * 1024 + 1), "c.yaml", NOW
            )
        ),
        "ChecklistInvalid",
        None,
        "Чек-лист не принят:\n• файл больше 256 КБ",
    ),
    # lists (R2.1)
    (
        "the department's leads by a manager",
        _(lambda uow, d: lead_lists.department_leads(uow, d.w.anna)),
        "NotAllowed",
        None,
        "Лиды отдела видят руководитель и офис-менеджер.",
    ),
    (
        "leads by manager for a manager",
        _(lambda uow, d: lead_lists.by_manager(uow, d.w.anna)),
        "NotAllowed",
        None,
        "Лиды отдела видят руководитель и офис-менеджер.",
    ),
    (
        "leads by manager for an admin",
        _(lambda uow, d: lead_lists.by_manager(uow, d.w.admin)),
        "NotAllowed",
        None,
        "Вы не в отделе: списки по менеджерам — у руководителя отдела.",
    ),
    # joining (R1.1)
    (
        "an invitation used",
        _(
            lambda uow, d: onboarding.accept_invitation(
                uow, "used", 778, onboarding.parse_profile("Ян", "+79121234567", "y@b.ru", "м"), NOW
            )
        ),
        "InvitationInvalid",
        None,
        "Это приглашение уже использовано. Попросите руководителя выслать новое.",
    ),
    (
        "an invitation to a member",
        _(lambda uow, d: onboarding.check_invitation(uow, "used", d.w.anna.telegram_id, NOW)),
        "InvitationInvalid",
        None,
        "Вы уже в команде: приглашение не нужно.",
    ),
    (
        "an invitation unknown",
        _(lambda uow, d: onboarding.check_invitation(uow, "nope", 779, NOW)),
        "InvitationInvalid",
        None,
        "Приглашение не найдено. Проверьте ссылку или попросите руководителя выслать новую.",
    ),
    (
        "an invitation to a department that is not",
        _(lambda uow, d: onboarding.issue_invitation(uow, d.w.admin, Role.MANAGER, 999, NOW)),
        "NotFound",
        None,
        "Такого отдела нет.",
    ),
    (
        "an invitation to no department",
        _(lambda uow, d: onboarding.issue_invitation(uow, d.w.admin, Role.MANAGER, None, NOW)),
        "InvalidInput",
        "department",
        "Выберите отдел для нового сотрудника.",
    ),
    (
        "a supervisor inviting a supervisor",
        _(lambda uow, d: onboarding.issue_invitation(uow, d.w.boss, Role.SUPERVISOR, 1, NOW)),
        "NotAllowed",
        None,
        "Вы не можете приглашать на роль «руководитель отдела» в этот отдел.",
    ),
    (
        "a department named twice",
        _(lambda uow, d: onboarding.create_department(uow, d.w.admin, " Продажи ")),
        "InvalidInput",
        "department",
        "Отдел «Продажи» уже есть: выберите его из списка.",
    ),
    (
        "a department by a supervisor",
        _(lambda uow, d: onboarding.create_department(uow, d.w.boss, "Опт")),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
    (
        "switching off nobody",
        _(lambda uow, d: onboarding.deactivate_member(uow, d.w.boss, 999)),
        "NotFound",
        None,
        "Сотрудник не найден.",
    ),
    (
        "switching oneself off",
        _(lambda uow, d: onboarding.deactivate_member(uow, d.w.boss, d.w.boss.id)),
        "NotAllowed",
        None,
        "Нельзя отключить самого себя.",
    ),
    (
        "a supervisor switching the admin",
        _(lambda uow, d: onboarding.reactivate_member(uow, d.w.foreign, d.w.admin.id)),
        "NotAllowed",
        None,
        "Доступ администратора включает и отключает только администратор.",
    ),
    (
        "the team of a manager",
        _(lambda uow, d: onboarding.list_team(uow, d.w.anna)),
        "NotAllowed",
        None,
        "Это действие вам недоступно.",
    ),
]


@pytest.mark.parametrize(
    ("tried", "call", "error", "field", "message"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
async def test_a_refusal_says_why_and_changes_nothing(
    tried: str, call: Call, error: str, field: str | None, message: str
) -> None:
    day = await a_day()
    before, commits = day.w.snapshot(), day.w.db.commits
    async with day.w.db() as uow:
        with pytest.raises(DomainError) as refused:
            await call(uow, day)
    got = refused.value
    assert (type(got).__name__, getattr(got, "field", None), got.message) == (
        error,
        field,
        message,
    ), tried
    assert day.w.snapshot() == before and day.w.db.commits == commits


async def test_an_empty_crm_takes_no_lead_from_outside() -> None:
    async with FakeDatabase()() as uow:
        with pytest.raises(DomainError) as refused:
            await leads.intake_department(uow, None)
    assert (refused.value.field, refused.value.message) == (  # type: ignore[attr-defined]
        "department",
        "В CRM ещё нет ни одного отдела.",
    )
    w = await make_world()
    async with w.db() as uow:
        with pytest.raises(DomainError) as refused:
            await leads.intake_department(uow, "Опт")
    assert (refused.value.field, refused.value.message) == (  # type: ignore[attr-defined]
        "department",
        "Отдела «Опт» нет.",
    )


async def test_a_required_multi_needs_one_choice_and_a_bad_file_names_its_line() -> None:
    day = await a_day()
    async with day.w.db() as uow:
        await checklist.answer(uow, day.w.anna, day.working, 0, "окна", NOW, ZONE)
    before = day.w.snapshot()
    async with day.w.db() as uow:
        with pytest.raises(DomainError) as refused:
            await checklist.choose(uow, day.w.anna, day.working, 1, [], NOW, ZONE)
        assert (refused.value.field, refused.value.message) == (  # type: ignore[attr-defined]
            "extras",
            "Отметьте хотя бы один вариант.",
        )
        with pytest.raises(ChecklistInvalid) as bad:
            await checklist.replace_checklist(uow, day.w.boss, b"name: [x\nq: 1", "c.yaml", NOW)
        assert bad.value.problems == ["строка 2: expected ',' or ']', but got ':'"]
    assert day.w.snapshot() == before

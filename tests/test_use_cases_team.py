"""Joining the team (R1.1, R1.2), the lists of leads (R2.1, R2.10), the checklist walk (R2.6,
R2.7, R2.9) and what a card shows, against the fake unit of work."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from domain.checklist import Checklist, ChecklistInvalid, Kind, Question
from domain.errors import InvalidInput, InvitationInvalid, NotAllowed, NotFound, StaleState
from domain.lead_fields import LeadField
from domain.model import Deal, Department, JunkReason, Member, Press, Role, Subject
from domain.permissions import Action
from domain.services import (
    cards,
    checklist,
    conversion,
    lead_history,
    lead_lists,
    leads,
    onboarding,
    subjects,
)
from domain.statuses import LeadStatus
from tests.use_case_world import NOW, ZONE, World, assigned_lead, make_world, minutes, web_lead

S = LeadStatus


@pytest.fixture
async def w() -> World:
    return await make_world()


def profile(name: str = "Пётр Петров") -> onboarding.Profile:
    return onboarding.parse_profile(name, "8 912 123-45-67", "petr@example.ru", "менеджер")


# -- joining (R1.1, R1.2) -----------------------------------------------------------------


async def test_an_invitation_makes_one_member_of_its_role_and_department(w: World) -> None:
    async with w.db() as uow:
        issued = await onboarding.issue_invitation(
            uow, w.boss, Role.MANAGER, w.sales, NOW, token_factory=lambda: "t1"
        )
    assert (issued.invitation.token, issued.department) == ("t1", Department("Продажи", w.sales))
    assert issued.invitation.expires_at == NOW + timedelta(hours=72)
    async with w.db() as uow:
        member = await onboarding.accept_invitation(uow, "t1", 555, profile(), NOW)
    stored = next(m for m in w.db.rows("members") if m.telegram_id == 555)
    assert stored == member
    assert (member.role, member.department_id, member.full_name, member.phone) == (
        Role.MANAGER,
        w.sales,
        "Пётр Петров",
        "+79121234567",
    )
    assert (member.email, member.position, member.active) == ("petr@example.ru", "менеджер", True)
    [invitation] = w.db.rows("invitations")
    assert (invitation.used_at, invitation.used_by) == (NOW, member.id)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvitationInvalid, match="уже использовано"):
            await onboarding.accept_invitation(uow, "t1", 556, profile(), NOW)
        with pytest.raises(InvitationInvalid, match="Вы уже в команде"):
            await onboarding.accept_invitation(uow, "t1", 555, profile(), NOW)
        with pytest.raises(InvitationInvalid, match="Приглашение не найдено"):
            await onboarding.accept_invitation(uow, "nope", 556, profile(), NOW)
    assert w.snapshot() == before


async def test_an_invitation_expires(w: World) -> None:
    async with w.db() as uow:
        await onboarding.issue_invitation(
            uow, w.boss, Role.MANAGER, w.sales, NOW, timedelta(hours=1), lambda: "t2"
        )
    async with w.db() as uow:
        with pytest.raises(InvitationInvalid, match="Срок действия приглашения истёк"):
            await onboarding.accept_invitation(uow, "t2", 556, profile(), NOW + minutes(60))
        member = await onboarding.accept_invitation(uow, "t2", 556, profile(), NOW + minutes(59))
    assert member.role is Role.MANAGER


async def test_a_claim_lost_to_another_acceptance_adds_nobody(w: World) -> None:
    async with w.db() as uow:
        await onboarding.issue_invitation(
            uow, w.boss, Role.MANAGER, w.sales, NOW, token_factory=lambda: "t3"
        )
    async with w.db() as uow:
        await uow.invitations.claim("t3", 1, NOW)  # used meanwhile, not seen by the check
        original = uow.invitations.by_token
        uow.invitations.by_token = lambda token: _unused(original, token)  # type: ignore[method-assign]
        with pytest.raises(InvitationInvalid, match=re.escape("уже использовано. Попросите новое")):
            await onboarding.accept_invitation(uow, "t3", 556, profile(), NOW)
    assert all(m.telegram_id != 556 for m in w.db.rows("members"))


async def _unused(by_token, token):  # type: ignore[no-untyped-def]
    invitation = await by_token(token)
    invitation.used_at = None
    return invitation


@pytest.mark.parametrize(
    ("who", "role", "department", "allowed"),
    [
        ("admin", Role.SUPERVISOR, "sales", True),
        ("admin", Role.ADMIN, None, True),
        ("boss", Role.MANAGER, "sales", True),
        ("boss", Role.OFFICE_MANAGER, "sales", True),
        ("boss", Role.SUPERVISOR, "sales", False),
        ("boss", Role.MANAGER, "retail", False),
        ("office", Role.MANAGER, "sales", False),
        ("anna", Role.MANAGER, "sales", False),
    ],
)
async def test_who_invites_whom(
    w: World, who: str, role: Role, department: str | None, allowed: bool
) -> None:
    """R1.1: the admin invites supervisors; a supervisor builds his own department."""
    department_id = getattr(w, department) if department else None
    before = w.snapshot()
    async with w.db() as uow:
        issue = onboarding.issue_invitation(uow, getattr(w, who), role, department_id, NOW)
        if allowed:
            issued = await issue
            assert (issued.invitation.role, issued.invitation.department_id) == (
                role,
                department_id,
            )
            assert issued.invitation.created_by == getattr(w, who).id
            assert len(issued.invitation.token) == 32
            return
        with pytest.raises(NotAllowed, match=re.escape(f"на роль «{role.label}»")):
            await issue
    assert w.snapshot() == before


async def test_an_invitation_names_an_existing_department(w: World) -> None:
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(NotFound, match="Такого отдела нет"):
            await onboarding.issue_invitation(uow, w.admin, Role.MANAGER, 999, NOW)
        with pytest.raises(InvalidInput, match="Выберите отдел"):
            await onboarding.issue_invitation(uow, w.admin, Role.MANAGER, None, NOW)
        with pytest.raises(InvalidInput, match="Отдел «Продажи» уже есть"):
            await onboarding.issue_invitation(
                uow, w.admin, Role.SUPERVISOR, None, NOW, new_department=" Продажи "
            )
        with pytest.raises(NotAllowed):
            await onboarding.create_department(uow, w.boss, "Опт")
    assert w.snapshot() == before
    async with w.db() as uow:
        issued = await onboarding.issue_invitation(
            uow, w.admin, Role.SUPERVISOR, None, NOW, new_department="Опт"
        )
    assert issued.department is not None and issued.department.name == "Опт"
    assert issued.invitation.department_id == issued.department.id
    assert [d.name for d in w.db.rows("departments")] == ["Продажи", "Розница", "Опт"]


async def test_an_admin_is_made_from_the_list_at_his_first_start(w: World) -> None:
    async with w.db() as uow:
        assert await onboarding.bootstrap_admin(uow, 42, "Ева", [7], NOW) is None
        eve = await onboarding.bootstrap_admin(uow, 42, "  ", [7, 42], NOW)
        again = await onboarding.bootstrap_admin(uow, 42, "Ева", [42], NOW)
    assert eve is not None and again == eve
    assert (eve.role, eve.department_id, eve.full_name, eve.created_at) == (
        Role.ADMIN,
        None,
        "42",
        NOW,
    )
    assert [m.telegram_id for m in w.db.rows("members")].count(42) == 1


async def test_a_supervisor_switches_his_people_off_and_on(w: World) -> None:
    async with w.db() as uow:
        off = await onboarding.deactivate_member(uow, w.boss, w.anna.id or 0)
    assert not off.active and not (await _member(w, w.anna)).active
    commits = w.db.commits
    async with w.db() as uow:
        assert not (await onboarding.deactivate_member(uow, w.boss, w.anna.id or 0)).active
    assert w.db.commits == commits  # nothing to change, nothing written
    async with w.db() as uow:
        on = await onboarding.reactivate_member(uow, w.boss, w.anna.id or 0)
    assert on.active and (await _member(w, w.anna)).active
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(NotAllowed, match="самого себя"):
            await onboarding.deactivate_member(uow, w.boss, w.boss.id or 0)
        with pytest.raises(NotAllowed):
            await onboarding.deactivate_member(uow, w.boss, w.stranger.id or 0)
        with pytest.raises(NotAllowed):
            await onboarding.deactivate_member(uow, w.office, w.anna.id or 0)
        with pytest.raises(NotFound, match="Сотрудник не найден"):
            await onboarding.deactivate_member(uow, w.boss, 999)
    assert w.snapshot() == before


async def test_only_an_admin_switches_an_admin(w: World) -> None:
    async with w.db() as uow:
        other = await uow.members.add(
            Member(77, "Второй Админ", Role.ADMIN, w.sales, created_at=NOW)
        )
        await uow.commit()
        with pytest.raises(NotAllowed, match="только администратор"):
            await onboarding.deactivate_member(uow, w.boss, other.id or 0)
        assert not (await onboarding.deactivate_member(uow, w.admin, other.id or 0)).active


async def test_the_team_is_the_department_or_everyone_for_an_admin(w: World) -> None:
    async with w.db() as uow:
        team = await onboarding.list_team(uow, w.boss)
        everyone = await onboarding.list_team(uow, w.admin)
        with pytest.raises(NotAllowed):
            await onboarding.list_team(uow, w.anna)
    assert [m.id for m in team] == sorted(
        (w.anna.id, w.boris.id, w.office.id, w.boss.id, w.gone.id),
        key=lambda i: next(m.full_name for m in w.db.rows("members") if m.id == i),
    )
    assert len(everyone) == len(w.db.rows("members"))


async def test_a_profile_is_updated_in_place(w: World) -> None:
    async with w.db() as uow:
        await onboarding.update_profile(uow, w.anna, profile("Анна Новая"))
    stored = await _member(w, w.anna)
    assert (stored.full_name, stored.phone, stored.role) == (
        "Анна Новая",
        "+79121234567",
        Role.MANAGER,
    )
    with pytest.raises(InvalidInput):
        onboarding.parse_profile("x" * 129, "+79121234567", "a@b.ru", "менеджер")
    with pytest.raises(InvalidInput):
        onboarding.parse_profile("Анна", "+79121234567", "a@b.ru", "д" * 129)


async def _member(w: World, member: Member) -> Member:
    async with w.db() as uow:
        stored = await uow.members.get(member.id or 0)
    assert stored is not None
    return stored


# -- lists (R2.1, R2.10) ------------------------------------------------------------------


async def test_my_leads_are_the_open_ones_i_hold_most_urgent_first(w: World) -> None:
    in_work = await assigned_lead(w, now=NOW)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, in_work.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    waiting = await assigned_lead(w, now=NOW + minutes(1))
    called = await assigned_lead(w, now=NOW + minutes(2))
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, called.id or 0, NOW + minutes(30), NOW)
    junk = await assigned_lead(w)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, junk.id or 0, JunkReason.SPAM, None, None, NOW)
    await assigned_lead(w, manager=w.boris)
    async with w.db() as uow:
        page = await lead_lists.my_leads(uow, w.anna, None, 0)
        only = await lead_lists.my_leads(uow, w.anna, S.IN_PROCESS, -3)
    # #14 §2: the nearest thing due first: the call at +30, then the processing deadlines
    # (R2.2) of the lead that came first (+60) and of the one after it (+61).
    assert [lead.id for lead in page.leads] == [called.id, in_work.id, waiting.id]
    assert page.due(page.leads[0]).call == NOW + minutes(30)
    assert page.due(page.leads[1]).processing == NOW + minutes(60)
    assert (page.total, page.page, page.pages) == (3, 0, 1)
    assert ([lead.id for lead in only.leads], only.page) == ([in_work.id], 0)


async def test_a_list_counts_its_overdue_leads_and_todays_calls(w: World) -> None:
    """#14 §2: past its deadline (R2.2 here) a lead is overdue and comes first; a call agreed
    for today is counted, one for tomorrow is not; the counts are of the whole list."""
    early = await assigned_lead(w, now=NOW)
    late = await assigned_lead(w, now=NOW + minutes(50))
    called = await assigned_lead(w, now=NOW + minutes(55))
    tomorrow = await assigned_lead(w, now=NOW + minutes(56))
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, called.id or 0, NOW + minutes(200), NOW)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, tomorrow.id or 0, NOW + minutes(60 * 24), NOW)
    later = NOW + minutes(80)
    async with w.db() as uow:
        page = await lead_lists.my_leads(uow, w.anna, None, 0, later, ZONE)
    assert [lead.id for lead in page.leads] == [early.id, late.id, called.id, tomorrow.id]
    assert [page.due(lead).overdue(later) for lead in page.leads] == [True, False, False, False]
    assert [page.due(lead).call_today(later, ZONE) for lead in page.leads] == [
        False,
        False,
        True,
        False,
    ]
    assert (page.overdue, page.calls_today) == (1, 1)


async def test_a_page_is_eight_leads(w: World) -> None:
    for _ in range(9):
        await assigned_lead(w)
    async with w.db() as uow:
        first = await lead_lists.my_leads(uow, w.anna, None, 0)
        second = await lead_lists.my_leads(uow, w.anna, None, 1)
    assert (len(first.leads), len(second.leads), first.pages, second.page) == (8, 1, 2, 1)
    assert lead_lists.Page([], 0, 0).pages == 1 and lead_lists.Page([], 16, 0).pages == 2


async def test_the_department_lists_are_the_supervisors_and_office_managers(w: World) -> None:
    pool = await web_lead(w)
    mine = await assigned_lead(w)
    await assigned_lead(w, manager=w.boris)
    async with w.db() as uow:
        unassigned = await lead_lists.department_leads(uow, w.office, unassigned=True)
        annas = await lead_lists.department_leads(uow, w.boss, responsible_id=w.anna.id)
        new = await lead_lists.department_leads(uow, w.boss, status=S.NEW)
        everything = await lead_lists.department_leads(uow, w.boss)
        for who in (w.anna, w.gone):
            with pytest.raises(NotAllowed, match="видят руководитель и офис-менеджер"):
                await lead_lists.department_leads(uow, who)
    assert [lead.id for lead in unassigned.leads] == [pool.id]
    assert [lead.id for lead in annas.leads] == [mine.id]
    assert [lead.id for lead in new.leads] == [pool.id]
    assert everything.total == 3


async def test_the_stage_board_counts_each_status(w: World) -> None:
    await web_lead(w)
    lead = await assigned_lead(w)
    await assigned_lead(w, manager=w.boris)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    async with w.db() as uow:
        department = await lead_lists.board(uow, w.boss)
        own = await lead_lists.board(uow, w.anna)
    assert department == {
        S.NEW: 1,
        S.ASSIGNED: 1,
        S.IN_PROCESS: 1,
        S.PROCESSED: 0,
        S.CONVERTED: 0,
        S.JUNK: 0,
    }
    assert own == {
        S.NEW: 0,
        S.ASSIGNED: 0,
        S.IN_PROCESS: 1,
        S.PROCESSED: 0,
        S.CONVERTED: 0,
        S.JUNK: 0,
    }


async def test_leads_by_manager_list_a_manager_switched_off_while_he_holds_some(w: World) -> None:
    await assigned_lead(w)
    await assigned_lead(w)
    held = await assigned_lead(w, manager=w.boris)
    async with w.db() as uow:
        await onboarding.deactivate_member(uow, w.boss, w.boris.id or 0)
    async with w.db() as uow:
        rows = await lead_lists.by_manager(uow, w.boss)
        with pytest.raises(NotAllowed):
            await lead_lists.by_manager(uow, w.anna)
        with pytest.raises(NotAllowed, match="Вы не в отделе"):
            await lead_lists.by_manager(uow, w.admin)
    assert [(m.id, n) for m, n in rows] == [(w.anna.id, 2), (w.boris.id, 1)]
    async with w.db() as uow:
        await leads.reassign_lead(uow, w.boss, held.id or 0, w.anna.id or 0, w.boris.id, NOW)
    async with w.db() as uow:
        rows = await lead_lists.by_manager(uow, w.boss)
    assert [(m.id, n) for m, n in rows] == [(w.anna.id, 3)]


# -- the checklist walk (R2.6, R2.7, R2.9) ------------------------------------------------

QUESTIONS = (
    Question("needs", "Что нужно?", Kind.TEXT, required=True),
    Question("timing", "Когда?", Kind.CHOICE, choices=("Срочно", "Позже")),
    Question("email", "E-mail?", Kind.EMAIL, field="email"),
    Question("call", "Когда позвонить?", Kind.DATETIME, field="next_contact"),
    Question("extras", "Что ещё?", Kind.MULTI, choices=("Доставка", "Монтаж")),
)


async def with_checklist(w: World) -> Checklist:
    async with w.db() as uow:
        saved = await uow.checklists.add(Checklist("Короткий", QUESTIONS, w.sales), NOW, w.boss.id)
        await uow.commit()
    return saved


async def test_each_answer_is_saved_at_once_and_fills_its_field(w: World) -> None:
    saved = await with_checklist(w)
    lead = await assigned_lead(w)
    lead_id = lead.id or 0
    events, _ = w.marks(lead_id)
    async with w.db() as uow:
        step = await checklist.start(uow, w.anna, lead_id, NOW)
    assert (step.index, step.checklist.id, step.question) == (0, saved.id, QUESTIONS[0])
    async with w.db() as uow:
        step = await checklist.answer(uow, w.anna, lead_id, 0, "окна", NOW, ZONE)
        step = await checklist.choose(uow, w.anna, lead_id, 1, [0], NOW, ZONE)
        step = await checklist.answer(uow, w.anna, lead_id, 2, "ivan@romashka.ru", NOW, ZONE)
        step = await checklist.answer(uow, w.anna, lead_id, 3, "02.12.2026 15:00", NOW, ZONE)
        step = await checklist.choose(uow, w.anna, lead_id, 4, [1, 0, 1], NOW, ZONE)
    stored = await w.lead(lead_id)
    call = datetime(2026, 12, 2, 15, 0, tzinfo=ZONE)
    assert stored.checklist_answers == {
        "needs": "окна",
        "timing": "Срочно",
        "email": "ivan@romashka.ru",
        "call": call.astimezone(UTC).isoformat(),
        "extras": ["Доставка", "Монтаж"],
    }
    assert (stored.email, stored.next_contact_at, stored.checklist_cursor) == (
        "ivan@romashka.ru",
        call,
        5,
    )
    assert (step.index, step.question) == (5, None)
    assert ("call_reminder", call, w.anna.id) in w.timers(lead_id)
    assert [line[:2] for line in w.history(lead_id, events)] == [
        ("status", "status"),  # #14 §2: the checklist takes the assigned lead into work
        ("checklist_started", None),
        ("checklist", "needs"),
        ("checklist", "timing"),
        ("field", "email"),
        ("checklist", "email"),
        ("next_contact", "next_contact_at"),
        ("checklist", "call"),
        ("checklist", "extras"),
    ]
    # Started, the lead went into work and the contact clock stopped (R2.15, #14 §2);
    # «Готово» moves it to «Обработан» (R2.9).
    async with w.db() as uow:
        done = await checklist.finish(uow, w.anna, lead_id, NOW + minutes(3))
    assert (done.status, done.first_contact_at) == (S.PROCESSED, NOW)
    assert w.history(lead_id)[-2:] == [
        ("status", "status", S.IN_PROCESS.label, S.PROCESSED.label, w.anna.id),
        ("checklist_done", None, None, "Короткий", w.anna.id),
    ]
    assert [t[0] for t in w.timers(lead_id)] == ["processing_breach", "call_reminder"]


async def test_a_required_question_is_not_skipped_and_finishing_needs_it(w: World) -> None:
    await with_checklist(w)
    lead = await assigned_lead(w)
    lead_id = lead.id or 0
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead_id, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="обязательный вопрос"):
            await checklist.skip(uow, w.anna, lead_id, 0, NOW, ZONE)
        with pytest.raises(
            InvalidInput, match=re.escape("Не заполнены обязательные вопросы: Что нужно?")
        ):
            await checklist.finish(uow, w.anna, lead_id, NOW)
        with pytest.raises(StaleState, match="Этот вопрос уже позади"):
            await checklist.answer(uow, w.anna, lead_id, 1, "x", NOW, ZONE)
        with pytest.raises(StaleState, match="Эта кнопка устарела"):
            await checklist.go_to(uow, w.anna, lead_id, 6, NOW)
    assert w.snapshot() == before
    async with w.db() as uow:
        await checklist.answer(uow, w.anna, lead_id, 0, "окна", NOW, ZONE)
        step = await checklist.skip(uow, w.anna, lead_id, 1, NOW, ZONE)
    assert (await w.lead(lead_id)).checklist_answers == {"needs": "окна", "timing": None}
    assert step.index == 2
    async with w.db() as uow:
        back = await checklist.go_to(uow, w.anna, lead_id, 0, NOW)
        assert back.index == 0
        kept = await checklist.skip(uow, w.anna, lead_id, 0, NOW, ZONE)  # met before: kept
    assert kept.index == 2 and (await w.lead(lead_id)).checklist_answers["needs"] == "окна"
    async with w.db() as uow:
        done = await checklist.finish(uow, w.anna, lead_id, NOW)
    assert done.status is S.PROCESSED


async def test_a_button_answer_must_be_one_of_its_choices(w: World) -> None:
    await with_checklist(w)
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead.id or 0, NOW)
        await checklist.answer(uow, w.anna, lead.id or 0, 0, "окна", NOW, ZONE)
    before = w.snapshot()
    async with w.db() as uow:
        for choices in ([2], [0, 1], [], [-1]):
            with pytest.raises(StaleState, match="Эта кнопка устарела"):
                await checklist.choose(uow, w.anna, lead.id or 0, 1, choices, NOW, ZONE)
    assert w.snapshot() == before


NEWER = "name: Новый\nquestions:\n  - key: a\n    text: Что ещё?\n    kind: text\n".encode()


async def test_a_lead_keeps_the_checklist_version_it_was_started_with(w: World) -> None:
    first = await with_checklist(w)
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead.id or 0, NOW)
    async with w.db() as uow:
        newer = await checklist.replace_checklist(
            uow,
            w.boss,
            NEWER,
            "c.yaml",
            NOW,
        )
    async with w.db() as uow:
        step = await checklist.current(uow, w.anna, lead.id or 0)
        assert (await uow.checklists.active_for(w.sales)) == newer
    assert step.checklist.id == first.id and newer.id != first.id
    assert newer.department_id == w.sales


async def test_a_bad_checklist_file_changes_nothing(w: World) -> None:
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(ChecklistInvalid):
            await checklist.replace_checklist(uow, w.boss, b"name: x\n", "c.yaml", NOW)
        with pytest.raises(ChecklistInvalid, match="256 КБ"):
            await checklist.replace_checklist(uow, w.boss, b"#" * (256 * 1024 + 1), "c.yaml", NOW)
        with pytest.raises(NotAllowed):
            await checklist.replace_checklist(uow, w.anna, b"name: x\n", "c.yaml", NOW)
        with pytest.raises(InvalidInput, match="у вас отдела нет"):
            await checklist.replace_checklist(uow, w.admin, b"name: x\n", "c.yaml", NOW)
    assert w.snapshot() == before


async def test_the_shipped_checklist_is_put_in_once(w: World) -> None:
    async with w.db() as uow:
        await checklist.ensure_default(uow, NOW)
        await checklist.ensure_default(uow, NOW)
        default = await uow.checklists.active_for(w.sales)
    assert len(w.db.rows("checklists")) == 1
    assert default is not None and default.department_id is None


async def test_the_checklist_is_walked_only_on_an_open_lead_with_a_responsible(w: World) -> None:
    await with_checklist(w)
    pool = await web_lead(w)
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="Сначала назначьте ответственного"):
            await checklist.start(uow, w.boss, pool.id or 0, NOW)
        with pytest.raises(StaleState, match="Лид уже закрыт"):
            await checklist.start(uow, w.anna, lead.id or 0, NOW)
        with pytest.raises(NotAllowed):
            await checklist.start(uow, w.boris, pool.id or 0, NOW)


async def test_without_any_checklist_the_walk_says_so(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="Чек-лист не настроен"):
            await checklist.start(uow, w.anna, lead.id or 0, NOW)


# -- what a card shows --------------------------------------------------------------------


async def test_a_card_gathers_the_lead_its_people_and_its_deal(w: World) -> None:
    lead = await assigned_lead(w, name="Иван", company="Ромашка ООО", phone="+79121234567")
    twin = await assigned_lead(w, name="Пётр", phone="+79121234567")
    async with w.db() as uow:
        stored = await uow.leads.get(lead.id or 0)
        assert stored is not None
        context = await cards.card_context(uow, stored, w.anna)
    assert (context.responsible, context.assigned_by) == (w.anna, w.office)
    assert context.duplicates.leads == [twin.id] and context.deal is None
    assert context.can_view and context.can(Action.WORK_LEAD)
    assert not context.can(Action.REASSIGN_LEAD)
    async with w.db() as uow:
        deal: Deal = await conversion.convert_lead(uow, w.anna, lead.id or 0, None, None, NOW)
    async with w.db() as uow:
        stored = await uow.leads.get(lead.id or 0)
        assert stored is not None
        context = await cards.card_context(uow, stored, w.boris)
        assert await subjects.load(uow, Subject.lead(lead.id or 0)) == stored
        assert await subjects.load(uow, Subject.escalation(1)) is None
    assert context.deal == deal and context.deal_company is not None
    assert context.deal_company.name == "Ромашка ООО"
    assert not context.duplicates and not context.can_view


async def test_a_menu_on_the_live_card_drops_its_waiting_edits(w: World) -> None:
    lead = await assigned_lead(w)
    subject = Subject.lead(lead.id or 0)
    w.db.hold_card(subject, w.anna.id or 0, 80)
    w.db.send_all(NOW)
    async with w.db() as uow:
        await leads.edit_field(uow, w.anna, lead.id or 0, LeadField.COMMENT, "срочно", NOW)
    async with w.db() as uow:
        assert (w.anna.id or 0) in await uow.outbox.cards_coming(subject)
    async with w.db() as uow:
        stored = await uow.leads.get(lead.id or 0)
        assert stored is not None
        assert await cards.menu_card(uow, stored, w.anna, 81, NOW) is None
        context = await cards.menu_card(uow, stored, w.anna, 80, NOW)
    assert context is not None and context.lead.comment == "срочно"
    async with w.db() as uow:
        assert (w.anna.id or 0) not in await uow.outbox.cards_coming(subject)


async def test_every_step_of_the_walk_is_in_the_history_with_its_time(w: World) -> None:
    """R2.8: who answered what, when, what it replaced; the lead field it filled."""
    await with_checklist(w)
    lead = await assigned_lead(w, email="old@romashka.ru")
    lead_id = lead.id or 0
    events, _ = w.marks(lead_id)
    at = [NOW + minutes(n) for n in range(10)]
    call = datetime(2026, 12, 2, 15, 0, tzinfo=ZONE)
    async with w.db() as uow:
        first = await checklist.start(uow, w.anna, lead_id, at[0])
    async with w.db() as uow:
        again = await checklist.start(uow, w.anna, lead_id, at[1])  # resumed: no new line
    steps = []
    async with w.db() as uow:
        steps.append(await checklist.answer(uow, w.anna, lead_id, 0, "окна", at[2], ZONE))
        steps.append(await checklist.skip(uow, w.anna, lead_id, 1, at[3], ZONE))
        steps.append(
            await checklist.answer(uow, w.anna, lead_id, 2, "new@romashka.ru", at[4], ZONE)
        )
        steps.append(await checklist.answer(uow, w.anna, lead_id, 3, "02.12 15:00", at[5], ZONE))
        steps.append(await checklist.choose(uow, w.anna, lead_id, 4, [1], at[6], ZONE))
        steps.append(await checklist.go_to(uow, w.anna, lead_id, 0, at[7]))
        steps.append(await checklist.answer(uow, w.anna, lead_id, 0, "двери", at[8], ZONE))
    assert (first.index, again.index, first.checklist.name) == (0, 0, "Короткий")
    assert [s.index for s in steps] == [1, 2, 3, 4, 5, 0, 5]
    assert all(s.lead.id == lead_id and s.checklist.name == "Короткий" for s in steps)
    assert steps[-1].lead.checklist_answers["needs"] == "двери"
    anna = w.anna.id
    assert w.lines(lead_id, events) == [
        (at[0], "status", "status", S.ASSIGNED.label, S.IN_PROCESS.label, anna),  # #14 §2
        (at[0], "checklist_started", None, None, "Короткий", anna),
        (at[2], "checklist", "needs", None, "окна", anna),
        (at[3], "checklist", "timing", None, "—", anna),
        (at[4], "field", "email", "old@romashka.ru", "new@romashka.ru", anna),
        (at[4], "checklist", "email", None, "new@romashka.ru", anna),
        (at[5], "next_contact", "next_contact_at", None, call.astimezone(UTC).isoformat(), anna),
        (at[5], "checklist", "call", None, "02.12.2026 15:00", anna),
        (at[6], "checklist", "extras", None, "Монтаж", anna),
        (at[8], "checklist", "needs", "окна", "двери", anna),
    ]
    stored = await w.lead(lead_id)
    assert (stored.checklist_id, stored.checklist_cursor, stored.email) == (
        first.checklist.id,
        5,
        "new@romashka.ru",
    )
    assert ("call_reminder", call, anna) in w.timers(lead_id)
    async with w.db() as uow:
        done = await checklist.finish(uow, w.boss, lead_id, at[9])
    assert w.lines(lead_id)[-2:] == [
        (at[9], "status", "status", S.IN_PROCESS.label, S.PROCESSED.label, w.boss.id),
        (at[9], "checklist_done", None, None, "Короткий", w.boss.id),
    ]
    assert (done.status, done.status_changed_at) == (S.PROCESSED, at[9])
    async with w.db() as uow:  # «Готово» again on a processed lead: only the line
        await checklist.finish(uow, w.anna, lead_id, at[9] + minutes(1))
    assert w.lines(lead_id)[-1] == (
        at[9] + minutes(1),
        "checklist_done",
        None,
        None,
        "Короткий",
        anna,
    )
    assert (await w.lead(lead_id)).status_changed_at == at[9]


async def test_an_answer_that_fills_a_field_with_its_value_adds_no_field_line(w: World) -> None:
    await with_checklist(w)
    lead = await assigned_lead(w, email="ivan@romashka.ru")
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead.id or 0, NOW)
        await checklist.answer(uow, w.anna, lead.id or 0, 0, "окна", NOW, ZONE)
        await checklist.skip(uow, w.anna, lead.id or 0, 1, NOW, ZONE)
    events, _ = w.marks(lead.id or 0)
    async with w.db() as uow:
        await checklist.answer(uow, w.anna, lead.id or 0, 2, "ivan@romashka.ru", NOW, ZONE)
    assert w.history(lead.id or 0, events) == [
        ("checklist", "email", None, "ivan@romashka.ru", w.anna.id)
    ]


async def test_a_checklist_started_before_answers_resumes_at_the_first_open_question(
    w: World,
) -> None:
    await with_checklist(w)
    lead = await assigned_lead(w)
    async with w.db() as uow:
        stored = await uow.leads.get(lead.id or 0)
        assert stored is not None
        stored.checklist_answers = {"needs": "окна", "timing": "Срочно"}
        assert await uow.leads.update_if(stored, expected_status=S.ASSIGNED)
        await uow.commit()
    async with w.db() as uow:
        step = await checklist.start(uow, w.anna, lead.id or 0, NOW)
    assert step.index == 2 and (await w.lead(lead.id or 0)).checklist_cursor == 2


async def test_every_holder_of_a_card_gets_its_redraw(w: World) -> None:
    """Each copy of a changed lead's card is edited: the new holder's is sent fresh, the
    pressed one is left to the press's answer, none after them is forgotten."""
    lead = await assigned_lead(w)
    subject = Subject.lead(lead.id or 0)
    for member, message in ((w.boss, 51), (w.office, 52), (w.anna, 53)):
        w.db.hold_card(subject, member.id or 0, message)
    w.db.send_all(NOW)
    _, sent = w.marks(lead.id or 0)
    async with w.db() as uow:
        press = Press(w.boss.id or 0, 51)
        await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, w.anna.id, NOW, press)
    assert sorted((m, k, f) for m, k, _, f, _ in w.sent(sent) if k == "card") == [
        (w.office.id, "card", False),
        (w.anna.id, "card", False),
        (w.boris.id, "card", True),
    ]
    w.db.send_all(NOW)
    w.db.hold_card(subject, w.boris.id or 0, 54)
    _, sent = w.marks(lead.id or 0)
    async with w.db() as uow:
        await leads.open_card(uow, w.boss, lead.id or 0, NOW)
        await leads.edit_field(uow, w.boris, lead.id or 0, LeadField.COMMENT, "x", NOW)
    others = [(w.office.id, False), (w.anna.id, False), (w.boris.id, False)]
    assert sorted((m, f) for m, k, _, f, _ in w.sent(sent) if k == "card") == sorted(
        [(w.boss.id, True), *others, (w.boss.id, False), *others]
    )


async def test_a_department_list_starts_at_its_first_page(w: World) -> None:
    for _ in range(9):
        await web_lead(w)
    lead = await assigned_lead(w)
    async with w.db() as uow:
        first = await lead_lists.department_leads(uow, w.boss, unassigned=True)
        second = await lead_lists.department_leads(uow, w.boss, unassigned=True, page=1)
        back = await lead_lists.department_leads(uow, w.office, page=-1)
        held = await lead_lists.department_leads(uow, w.office, status=S.ASSIGNED)
        retail = await lead_lists.department_leads(uow, w.foreign)
    assert (first.page, len(first.leads), first.total, first.pages) == (0, 8, 9, 2)
    assert (second.page, len(second.leads)) == (1, 1)
    assert (back.page, back.total) == (0, 10)
    assert [x.id for x in held.leads] == [lead.id]
    assert retail.total == 0


async def test_the_history_page_names_the_checklists_questions(w: World) -> None:
    await with_checklist(w)
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await checklist.start(uow, w.anna, lead.id or 0, NOW)
    async with w.db() as uow:
        page = await lead_history.history(uow, w.anna, lead.id or 0, page=-2)
    assert page.questions == {q.key: q.text for q in QUESTIONS}
    assert (page.lead.id, page.page, page.pages, page.total) == (lead.id, 0, 1, 5)

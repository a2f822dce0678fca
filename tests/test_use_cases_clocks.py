"""The clocks and what a supervisor does about a breach, against the fake unit of work:
R2.15's contact clock from the hand-off of the card, R2.2's processing deadline, R2.14's pool
limit, R2.5's call reminder; the escalation's «Напомнить», «Сменить ответственного» and
«Взыскание»; /settings re-planning the running clocks."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.errors import InvalidInput, NotAllowed, NotFound, StaleState
from domain.model import (
    Escalation,
    JunkReason,
    Member,
    Notification,
    NotificationKind,
    Penalty,
    Role,
    Rule,
    Subject,
    Timer,
    TimerKind,
)
from domain.services import department_settings, escalations, leads, recipients, timers
from domain.sla import WorkSchedule
from domain.statuses import LeadStatus
from tests.use_case_world import (
    NOW,
    ZONE,
    World,
    assigned_lead,
    make_world,
    minutes,
    web_lead,
)

S = LeadStatus
CARD, TEXT, CALL = "card", "text", "call"


@pytest.fixture
async def w() -> World:
    return await make_world()


async def fire_due(w: World, now: datetime) -> list[Timer]:
    """The sweep: every timer due by `now` fires, each in its own unit of work, in order."""
    fired = []
    async with w.db() as uow:
        due = await uow.timers.due(now, 100)
    for _, timer_id in due:
        async with w.db() as uow:
            if not await timers.fire(uow, timer_id, now):
                continue  # R2.14 claims the pool's other due timers with its own
        fired += [t for t in w.db.timers(pending=False) if t.id == timer_id]
    return fired


def escalations_of(w: World) -> list[Escalation]:
    return w.db.rows("escalations")


async def hand_card(w: World, lead_id: int, member: Member, now: datetime) -> bool:
    async with w.db() as uow:
        started = await timers.card_handed(uow, Subject.lead(lead_id), member.id or 0, now)
        await uow.commit()
    return started


# -- R2.15: the contact clock -------------------------------------------------------------


async def test_the_contact_clock_counts_from_the_hand_off_of_the_card(w: World) -> None:
    """Planned at assignment as if the card reached him at once; the sender's hand-off
    plans it again from that moment, once."""
    lead = await assigned_lead(w)
    lead_id = lead.id or 0
    handed = NOW + minutes(2)
    assert not await hand_card(w, lead_id, w.boss, handed)  # not his lead
    assert await hand_card(w, lead_id, w.anna, handed)
    assert (await w.lead(lead_id)).notified_at == handed
    assert w.timers(lead_id) == [
        ("contact_reminder", handed + minutes(10), w.anna.id),
        ("contact_breach", handed + minutes(15), w.anna.id),
        ("processing_breach", NOW + minutes(60), None),
    ]
    before = w.snapshot()
    assert not await hand_card(w, lead_id, w.anna, handed + minutes(1))  # a second copy
    assert w.snapshot() == before


async def test_a_card_telegram_did_not_take_waits_for_its_next_try(w: World) -> None:
    lead = await assigned_lead(w)
    lead_id = lead.id or 0
    subject = Subject.lead(lead_id)
    assert await hand_card(w, lead_id, w.anna, NOW)
    async with w.db() as uow:
        await timers.card_not_handed(uow, subject, w.boss.id or 0, NOW)  # not his
        await uow.commit()
    assert (await w.lead(lead_id)).notified_at == NOW
    async with w.db() as uow:
        await timers.card_not_handed(uow, subject, w.anna.id or 0, NOW)
        await uow.commit()
    assert (await w.lead(lead_id)).notified_at is None
    assert [t[0] for t in w.timers(lead_id)] == ["processing_breach"]
    again = NOW + minutes(20)
    assert await hand_card(w, lead_id, w.anna, again)
    assert ("contact_breach", again + minutes(15), w.anna.id) in w.timers(lead_id)


async def test_no_clock_for_a_lead_taken_into_work_or_an_escalation(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    before = w.snapshot()
    assert not await hand_card(w, lead.id or 0, w.anna, NOW)
    async with w.db() as uow:
        assert not await timers.card_handed(uow, Subject.escalation(1), w.anna.id or 0, NOW)
        assert not await timers.card_handed(uow, Subject.lead(999), w.anna.id or 0, NOW)
        await timers.card_not_handed(uow, Subject.escalation(1), w.anna.id or 0, NOW)
        await uow.commit()
    assert w.snapshot() == before


async def test_the_reminder_comes_with_a_third_of_the_time_left(w: World) -> None:
    lead = await assigned_lead(w, company="Ромашка", name="Иван")
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    _, sent = w.marks(lead.id or 0)
    await fire_due(w, NOW + minutes(10))
    assert w.sent(sent) == [
        (
            w.anna.id,
            TEXT,
            Subject.lead(lead.id or 0),
            False,
            f"⏰ Лид #{lead.id} «Ромашка — Иван (сайт)»: осталось 5 мин, чтобы связаться с "
            "клиентом и нажать «В работу».",
        )
    ]
    assert escalations_of(w) == []


async def test_a_breach_of_the_contact_time_tells_every_supervisor(w: World) -> None:
    """R2.15, R2.2: one escalation, a card to each supervisor of the department (none to
    another department's), against the responsible."""
    async with w.db() as uow:
        second = await uow.members.add(
            Member(900, "Заместов Зам", Role.SUPERVISOR, w.sales, created_at=NOW)
        )
        await uow.commit()
    lead = await assigned_lead(w)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    w.db.send_all(NOW)  # the cards so far reached their chats
    _, sent = w.marks(lead.id or 0)
    late = NOW + minutes(16)
    await fire_due(w, late)
    [escalation] = escalations_of(w)
    assert (escalation.rule, escalation.lead_id, escalation.lead_ids) == (
        Rule.CONTACT,
        lead.id,
        [lead.id],
    )
    assert (escalation.responsible_id, escalation.due_at, escalation.detected_at) == (
        w.anna.id,
        NOW + minutes(15),
        late,
    )
    assert (escalation.department_id, escalation.resolved_at) == (w.sales, None)
    card = Subject.escalation(escalation.id or 0)
    # The lead's own cards are redrawn too, its clock past due (#14 §2).
    assert sorted(x[0] for x in w.sent(sent) if x[1:] == (CARD, card, False, None)) == sorted(
        [w.boss.id, second.id]
    )
    assert [t[0] for t in w.timers(lead.id or 0)] == ["processing_breach"]


async def test_no_breach_once_the_client_was_contacted(w: World) -> None:
    """A contact timer claimed before «В работу» cancelled it fires nothing."""
    lead = await assigned_lead(w)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    async with w.db() as uow:
        pending = await uow.timers.pending(Subject.lead(lead.id or 0))
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    before = w.snapshot()
    for timer in pending:
        if timer.kind in timers.CONTACT_KINDS:
            async with w.db() as uow:
                contacted = await uow.leads.get(lead.id or 0)
                await timers.FIRING[timer.kind].fire(uow, timer, contacted, NOW + minutes(20))
                await uow.commit()
    assert w.snapshot() == before


async def test_a_breach_is_against_whoever_holds_the_lead_then(w: World) -> None:
    """A timer of the previous responsible fires nothing."""
    lead = await assigned_lead(w)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    async with w.db() as uow:
        [breach] = [
            t
            for t in await uow.timers.pending(Subject.lead(lead.id or 0))
            if t.kind is TimerKind.CONTACT_BREACH
        ]
    async with w.db() as uow:
        await leads.reassign_lead(uow, w.boss, lead.id or 0, w.boris.id or 0, w.anna.id, NOW)
    async with w.db() as uow:
        lead_now = await uow.leads.get(lead.id or 0)
        await timers.FIRING[TimerKind.CONTACT_BREACH].fire(uow, breach, lead_now, NOW)
        await timers.FIRING[TimerKind.CONTACT_REMINDER].fire(uow, breach, lead_now, NOW)
        await uow.commit()
    assert escalations_of(w) == []


async def test_a_cancelled_timer_does_not_fire(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        [reminder] = [
            t
            for t in await uow.timers.pending(Subject.lead(lead.id or 0))
            if t.kind is TimerKind.CONTACT_REMINDER
        ]
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    before = w.snapshot()
    async with w.db() as uow:
        assert not await timers.fire(uow, reminder.id or 0, NOW + minutes(30))
    assert w.snapshot() == before


# -- R2.2: the processing deadline --------------------------------------------------------


async def test_a_lead_still_open_at_its_deadline_escalates(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    await fire_due(w, NOW + minutes(60))
    [escalation] = escalations_of(w)
    assert (escalation.rule, escalation.lead_id, escalation.responsible_id) == (
        Rule.PROCESSING,
        lead.id,
        w.anna.id,
    )
    assert escalation.due_at == NOW + minutes(60)


async def test_a_closed_lead_has_no_deadline(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        [deadline] = [
            t
            for t in await uow.timers.pending(Subject.lead(lead.id or 0))
            if t.kind is TimerKind.PROCESSING_BREACH
        ]
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
    assert w.timers(lead.id or 0) == []
    async with w.db() as uow:
        closed = await uow.leads.get(lead.id or 0)
        await timers.FIRING[TimerKind.PROCESSING_BREACH].fire(uow, deadline, closed, NOW)
        await uow.commit()
    assert escalations_of(w) == []


async def test_the_clocks_wait_for_working_hours() -> None:
    """R2.15, R2.2, R2.14 count working time: a lead that came in at night is due in the
    morning; a call agreed for the evening comes in the evening (R2.5)."""
    w = await make_world(schedule=WorkSchedule(ZONE))
    night = datetime(2026, 12, 1, 20, 0, tzinfo=ZONE)  # Tuesday 20:00, after hours
    morning = datetime(2026, 12, 2, 9, 0, tzinfo=ZONE)
    lead = await assigned_lead(w, now=night)
    assert w.timers(lead.id or 0) == [
        ("contact_reminder", morning + minutes(10), w.anna.id),
        ("contact_breach", morning + minutes(15), w.anna.id),
        ("processing_breach", morning + minutes(60), None),
    ]
    call = datetime(2026, 12, 1, 21, 0, tzinfo=ZONE)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, call, night)
    assert ("call_reminder", call, w.anna.id) in w.timers(lead.id or 0)


# -- R2.14: the pool ----------------------------------------------------------------------


async def test_one_lead_waiting_past_the_limit_is_no_breach_two_are_one(w: World) -> None:
    first = await web_lead(w)
    await fire_due(w, NOW + minutes(10))
    assert escalations_of(w) == []
    second = await web_lead(w, NOW + minutes(5))
    third = await web_lead(w, NOW + minutes(6))
    _, sent = w.marks(first.id or 0)
    fired = await fire_due(w, NOW + minutes(16))
    assert [t.subject.id for t in fired] == [second.id]  # the first claims the other one's
    assert [t for t in w.db.timers() if t.kind is TimerKind.UNASSIGNED] == []
    [escalation] = escalations_of(w)
    assert (escalation.rule, escalation.lead_id, escalation.lead_ids) == (
        Rule.POOL,
        None,
        [first.id, second.id, third.id],
    )
    assert (escalation.responsible_id, escalation.due_at) == (None, NOW + minutes(15))
    assert w.sent(sent) == [(w.boss.id, CARD, Subject.escalation(escalation.id or 0), False, None)]
    # The ones reported are not reported again; a new one past the limit is a new breach.
    fourth = await web_lead(w, NOW + minutes(20))
    await fire_due(w, NOW + minutes(30))
    assert [e.lead_ids for e in escalations_of(w)] == [
        [first.id, second.id, third.id],
        [first.id, second.id, third.id, fourth.id],
    ]


async def test_an_assigned_lead_leaves_the_pools_count(w: World) -> None:
    first = await web_lead(w)
    second = await web_lead(w)
    async with w.db() as uow:
        await leads.assign_lead(uow, w.office, first.id or 0, w.anna.id or 0, NOW)
    await fire_due(w, NOW + minutes(10))
    assert escalations_of(w) == []
    assert w.timers(second.id or 0) == [("processing_breach", NOW + minutes(60), None)]


# -- R2.5: the agreed call ----------------------------------------------------------------


async def test_the_agreed_call_reminds_whoever_holds_the_lead(w: World) -> None:
    lead = await assigned_lead(w)
    call = NOW + minutes(30)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, call, NOW)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    w.db.send_all(NOW)  # the cards so far reached their chats
    _, sent = w.marks(lead.id or 0)
    await fire_due(w, call)
    assert w.sent(sent) == [(w.anna.id, CALL, Subject.lead(lead.id or 0), False, None)]


async def test_no_call_reminder_for_a_closed_lead(w: World) -> None:
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, NOW + minutes(30), NOW)
    async with w.db() as uow:
        [call] = [
            t
            for t in await uow.timers.pending(Subject.lead(lead.id or 0))
            if t.kind is TimerKind.CALL_REMINDER
        ]
    async with w.db() as uow:
        await leads.mark_junk(uow, w.anna, lead.id or 0, JunkReason.SPAM, None, None, NOW)
    _, sent = w.marks(lead.id or 0)
    async with w.db() as uow:
        closed = await uow.leads.get(lead.id or 0)
        await timers.FIRING[TimerKind.CALL_REMINDER].fire(uow, call, closed, NOW)
        pool = await web_lead(w)
        await timers.FIRING[TimerKind.CALL_REMINDER].fire(uow, call, pool, NOW)
        await uow.commit()
    assert [n for n in w.db.outbox()[sent:] if n.kind is NotificationKind.CALL] == []


# -- who is told (#12) --------------------------------------------------------------------


async def test_nobody_of_the_department_to_tell_means_the_admins(w: World) -> None:
    recipients.forget()
    async with w.db() as uow:
        for member in (w.boss, w.office):
            member.active = False
            await uow.members.save(member)
        await uow.commit()
    await web_lead(w)
    assert [m for m, *_ in w.sent()] == [w.admin.id]
    async with w.db() as uow:
        assert await recipients.unreached(uow) == []
        assert [m.id for m in await timers.supervisors_of(uow, w.sales)] == [w.admin.id]
        admin = await uow.members.get(w.admin.id or 0)
        assert admin is not None
        uow.database.tables["members"][admin.id] = replace(admin, blocked_at=NOW)
        assert await leads.pool_of(uow, w.sales) == []
        assert await recipients.unreached(uow) == [
            "отдел «Продажи»: некому сообщать о новых лидах",
            "отдел «Продажи»: некому сообщать о нарушениях сроков",
        ]
    await web_lead(w)  # leads are still taken
    assert len(w.db.rows("leads")) == 2
    recipients.forget()


async def test_the_pool_is_the_office_managers_and_supervisors_who_can_be_reached(
    w: World,
) -> None:
    async with w.db() as uow:
        assert [m.id for m in await leads.pool_of(uow, w.sales)] == [w.office.id, w.boss.id]
        assert [m.id for m in await timers.supervisors_of(uow, w.sales)] == [w.boss.id]
        assert [m.id for m in await timers.supervisors_of(uow, w.retail)] == [w.foreign.id]
        assert await recipients.unreached(uow) == []


# -- escalations: remind, hand over, penalty (R2.2) ---------------------------------------


async def breach(w: World, rule: Rule = Rule.CONTACT, **values: str) -> tuple[int, int]:
    """Anna did not call her lead in time: the supervisors were told. (lead, escalation)"""
    lead = await assigned_lead(w, **values)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    await fire_due(w, NOW + minutes(15) if rule is Rule.CONTACT else NOW + minutes(60))
    escalation = next(e for e in escalations_of(w) if e.rule is rule)
    return lead.id or 0, escalation.id or 0


async def test_a_reminder_goes_to_the_responsible_and_every_copy_says_who_sent_it(
    w: World,
) -> None:
    lead_id, escalation_id = await breach(w)
    card = Subject.escalation(escalation_id)
    w.db.hold_card(card, w.boss.id or 0, 70)
    w.db.send_all(NOW)
    events, sent = w.marks(lead_id)
    later = NOW + minutes(20)
    async with w.db() as uow:
        await escalations.remind(uow, w.boss, escalation_id, later)
    [escalation] = escalations_of(w)
    # #14 §5: a reminder resolves nothing: the penalty and the hand-over stay open.
    assert (escalation.reminded_at, escalation.reminded_by, escalation.resolved_at) == (
        later,
        w.boss.id,
        None,
    )
    assert w.sent(sent) == [
        (w.boss.id, CARD, card, False, None),
        (
            w.anna.id,
            TEXT,
            Subject.lead(lead_id),
            False,
            f"🔔 Руководитель напоминает: лид #{lead_id} «Иван (сайт)» ждёт вас: "
            "не связался с клиентом вовремя.",
        ),
    ]
    assert w.history(lead_id, events) == [("reminded", None, None, "R2.15", w.boss.id)]
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match=re.escape("Уже напомнил: Шефов Шеф.")):
            await escalations.remind(uow, w.admin, escalation_id, later)
    assert w.snapshot() == before


@pytest.mark.parametrize("change", ["in_work", "handed_over", "closed"])
async def test_nothing_to_remind_of_once_the_breach_is_gone(w: World, change: str) -> None:
    lead_id, escalation_id = await breach(w)
    async with w.db() as uow:
        if change == "in_work":
            await leads.move_lead(uow, w.anna, lead_id, S.IN_PROCESS, S.ASSIGNED, NOW)
        elif change == "handed_over":
            await leads.reassign_lead(uow, w.boss, lead_id, w.boris.id or 0, w.anna.id, NOW)
        else:
            await leads.mark_junk(uow, w.anna, lead_id, JunkReason.SPAM, None, None, NOW)
    message = {
        "in_work": "Лид уже в статусе «В работе»: напоминать не о чем.",
        "handed_over": "Лид уже передан другому ответственному: напоминать не о чем.",
        "closed": "Лид уже в статусе «Некачественный лид»: напоминать не о чем.",
    }[change]
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState) as refused:
            await escalations.remind(uow, w.boss, escalation_id, NOW)
    assert refused.value.message == message
    assert w.snapshot() == before


async def test_a_deadline_breach_in_work_is_still_reminded(w: World) -> None:
    """R2.2: the lead is in work but not done by its deadline: the reminder still stands
    (R2.15's does not)."""
    lead = await assigned_lead(w)
    async with w.db() as uow:
        await leads.move_lead(uow, w.anna, lead.id or 0, S.IN_PROCESS, S.ASSIGNED, NOW)
    await fire_due(w, NOW + minutes(60))
    [escalation] = escalations_of(w)
    async with w.db() as uow:
        await escalations.remind(uow, w.boss, escalation.id or 0, NOW + minutes(61))
    assert escalations_of(w)[0].reminded_by == w.boss.id


async def test_a_deadline_breach_of_a_pool_lead_asks_for_a_responsible(w: World) -> None:
    lead = await web_lead(w)
    await fire_due(w, NOW + minutes(60))
    [escalation] = [e for e in escalations_of(w) if e.rule is Rule.PROCESSING]
    assert (escalation.lead_id, escalation.responsible_id) == (lead.id, None)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState) as gone:
            await escalations.remind(uow, w.boss, escalation.id or 0, NOW)
        with pytest.raises(NotAllowed) as nobody:
            await escalations.penalize(uow, w.boss, escalation.id or 0, "x", NOW)
    assert gone.value.message == "У лида нет ответственного: назначьте его."
    assert nobody.value.message == "Взыскание некому записать: у лида не было ответственного."
    assert w.snapshot() == before
    async with w.db() as uow:  # handed out since: the reminder goes to its holder
        await leads.assign_lead(uow, w.office, lead.id or 0, w.boris.id or 0, NOW)
    async with w.db() as uow:
        await escalations.remind(uow, w.boss, escalation.id or 0, NOW)
    assert w.db.outbox()[-1].member_id == w.boris.id


async def test_the_pool_reminder_goes_to_the_office_managers(w: World) -> None:
    first, second = await web_lead(w), await web_lead(w)
    await fire_due(w, NOW + minutes(10))
    [escalation] = [e for e in escalations_of(w) if e.rule is Rule.POOL]
    w.db.send_all(NOW)  # the cards so far reached their chats
    _, sent = w.marks(first.id or 0)
    async with w.db() as uow:
        await escalations.remind(uow, w.boss, escalation.id or 0, NOW)
    assert w.sent(sent) == [
        (
            w.office.id,
            TEXT,
            None,
            False,
            f"🔔 Руководитель напоминает: лиды #{first.id}, #{second.id} ждут назначения "
            "дольше срока.",
        )
    ]
    assert escalations_of(w)[0].reminded_by == w.boss.id
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match="откройте их карточки"):
            await escalations.reassign(uow, w.boss, escalation.id or 0, w.anna.id or 0, NOW)
    assert w.snapshot() == before


async def test_a_pool_without_office_managers_is_the_supervisors_to_hand_out(w: World) -> None:
    await web_lead(w)
    await web_lead(w)
    async with w.db() as uow:
        w.office.active = False
        await uow.members.save(w.office)
        await uow.commit()
    await fire_due(w, NOW + minutes(10))
    [escalation] = escalations_of(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput) as refused:
            await escalations.remind(uow, w.boss, escalation.id or 0, NOW)
    assert (refused.value.field, refused.value.message) == (
        "escalation",
        "В отделе нет офис-менеджеров: назначьте лиды сами.",
    )
    assert w.snapshot() == before


async def test_handing_the_lead_over_from_the_escalation(w: World) -> None:
    """The new responsible gets a new clock in the same transaction (R2.15)."""
    lead_id, escalation_id = await breach(w)
    later = NOW + minutes(20)
    async with w.db() as uow:
        await escalations.reassign(uow, w.boss, escalation_id, w.boris.id or 0, later)
    [escalation] = escalations_of(w)
    assert escalation.resolution == "Шефов Шеф передал лид: Бобров Борис"
    lead = await w.lead(lead_id)
    assert (lead.responsible_id, lead.assigned_at) == (w.boris.id, later)
    assert ("contact_breach", later + minutes(15), w.boris.id) in w.timers(lead_id)


async def test_a_penalty_is_recorded_against_the_responsible_at_the_breach(w: World) -> None:
    lead_id, escalation_id = await breach(w)
    async with w.db() as uow:  # handed over since: the penalty is still Anna's
        await leads.reassign_lead(uow, w.boss, lead_id, w.boris.id or 0, w.anna.id, NOW)
    events, sent = w.marks(lead_id)
    later = NOW + minutes(30)
    async with w.db() as uow:
        penalty = await escalations.penalize(uow, w.boss, escalation_id, " не позвонил ", later)
    assert w.db.rows("penalties") == [penalty]
    assert (penalty.member_id, penalty.department_id, penalty.rule, penalty.comment) == (
        w.anna.id,
        w.sales,
        "R2.15",
        "не позвонил",
    )
    assert (penalty.created_by, penalty.created_at, penalty.lead_id, penalty.escalation_id) == (
        w.boss.id,
        later,
        lead_id,
        escalation_id,
    )
    assert (escalations_of(w)[0].penalized_at, escalations_of(w)[0].penalized_by) == (
        later,
        w.boss.id,
    )
    assert w.history(lead_id, events) == [("penalty", None, None, "R2.15: не позвонил", w.boss.id)]
    assert w.sent(sent)[-1] == (
        w.anna.id,
        TEXT,
        Subject.lead(lead_id),
        False,
        f"Вам записано взыскание по лиду #{lead_id} (не связался с клиентом вовремя): не позвонил",
    )


async def test_remind_first_penalise_later_then_hand_over(w: World) -> None:
    """#14 §5: every remedy stays open until it is used; each is used once; the hand-over
    resolves the breach and the penalty is still possible after it."""
    _, escalation_id = await breach(w)
    async with w.db() as uow:
        await escalations.remind(uow, w.boss, escalation_id, NOW + minutes(20))
    async with w.db() as uow:
        await escalations.penalize(uow, w.boss, escalation_id, "опоздал", NOW + minutes(30))
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(StaleState, match="Взыскание за это нарушение уже записано"):
            await escalations.penalize(uow, w.admin, escalation_id, "ещё", NOW + minutes(31))
    assert w.snapshot() == before
    async with w.db() as uow:
        await escalations.reassign(uow, w.boss, escalation_id, w.boris.id or 0, NOW + minutes(32))
    [escalation] = escalations_of(w)
    assert escalation.resolution == "Шефов Шеф передал лид: Бобров Борис"
    assert (escalation.reminded_by, escalation.penalized_by) == (w.boss.id, w.boss.id)
    assert len(w.db.rows("penalties")) == 1


async def test_a_hand_over_does_not_take_the_penalty_away(w: World) -> None:
    _, escalation_id = await breach(w)
    async with w.db() as uow:
        await escalations.reassign(uow, w.boss, escalation_id, w.boris.id or 0, NOW)
    async with w.db() as uow:
        penalty = await escalations.penalize(uow, w.boss, escalation_id, "опоздал", NOW)
    assert penalty.member_id == w.anna.id


@pytest.mark.parametrize("who", ["office", "anna", "foreign"])
async def test_only_a_supervisor_of_the_department_acts_on_a_breach(w: World, who: str) -> None:
    """The Roles table: an office manager assigns leads but records no penalty, nor
    reminds, nor hands over; nor does a manager or another department's supervisor."""
    lead_id, escalation_id = await breach(w)
    actor = getattr(w, who)
    before = w.snapshot()
    async with w.db() as uow:
        for act in (
            escalations.remind(uow, actor, escalation_id, NOW),
            escalations.reassign(uow, actor, escalation_id, w.boris.id or 0, NOW),
            escalations.penalize(uow, actor, escalation_id, "не позвонил", NOW),
        ):
            with pytest.raises(NotAllowed):
                await act
        await escalations.refresh_card(uow, actor, escalation_id, NOW)
    assert w.snapshot() == before
    assert lead_id


async def test_a_penalty_needs_a_comment_of_reasonable_length(w: World) -> None:
    _, escalation_id = await breach(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput):
            await escalations.penalize(uow, w.boss, escalation_id, "  ", NOW)
        with pytest.raises(InvalidInput, match="1000"):
            await escalations.penalize(uow, w.boss, escalation_id, "я" * 1001, NOW)
        with pytest.raises(NotFound, match="Такого нарушения нет"):
            await escalations.penalize(uow, w.boss, 999, "x", NOW)
    assert w.snapshot() == before


async def test_the_penalties_of_a_period_per_manager(w: World) -> None:
    _, first = await breach(w)
    async with w.db() as uow:
        await escalations.penalize(uow, w.boss, first, "раз", NOW)
    lead = await assigned_lead(w, manager=w.boris)
    async with w.db() as uow:
        for n, who in enumerate((w.boris, w.anna, w.boris)):
            escalation = await uow.escalations.add(
                Escalation(Rule.PROCESSING, w.sales, NOW, NOW, lead.id, [lead.id or 0], who.id)
            )
            await uow.commit()
            await escalations.penalize(uow, w.boss, escalation.id or 0, f"п{n}", NOW)
        await uow.penalties.add(Penalty(w.stranger.id or 0, w.retail, "R2.2", "чужой", 1, NOW))
        await uow.commit()
    async with w.db() as uow:
        lines = await escalations.penalties(uow, w.boss, NOW, NOW + timedelta(days=1))
        assert await escalations.penalties(uow, w.boss, NOW + minutes(1), NOW + minutes(2)) == []
        everyone = await escalations.penalties(uow, w.admin, NOW, NOW + timedelta(days=1))
    assert [(line.member, line.count) for line in lines] == [
        ("Аннова Анна", 2),
        ("Бобров Борис", 2),
    ]
    assert [p.comment for p in lines[0].items] == ["раз", "п1"]
    assert [(line.member, line.count) for line in everyone][-1] == ("Чужой Чук", 1)


async def test_a_stale_escalation_press_redraws_only_the_pressers_card(w: World) -> None:
    _, escalation_id = await breach(w)
    _, sent = w.marks(0)
    async with w.db() as uow:
        await escalations.refresh_card(uow, w.boss, escalation_id, NOW)
        await escalations.refresh_card(uow, w.boss, 999, NOW)
    assert w.sent(sent) == [(w.boss.id, CARD, Subject.escalation(escalation_id), False, None)]


# -- /settings: the company order's durations (R2.2, R2.14, R2.15) ------------------------


async def test_new_durations_count_the_running_clocks_again_from_their_start(w: World) -> None:
    lead = await assigned_lead(w)
    pool = await web_lead(w)
    async with w.db() as uow:
        await leads.plan_call(uow, w.anna, lead.id or 0, NOW + minutes(300), NOW)
    later = NOW + minutes(5)
    async with w.db() as uow:
        policy = await department_settings.change(uow, w.boss, "contact", "30", later)
    assert policy.contact == minutes(30)
    async with w.db() as uow:
        await department_settings.change(uow, w.boss, "processing", "120", later)
    async with w.db() as uow:
        await department_settings.change(uow, w.boss, "unassigned", "0,5", later)
        assert (await department_settings.current(uow, w.boss)).unassigned == minutes(0.5)
    assert w.timers(lead.id or 0) == [
        ("contact_reminder", NOW + minutes(20), w.anna.id),
        ("contact_breach", NOW + minutes(30), w.anna.id),
        ("processing_breach", NOW + minutes(120), None),
        ("call_reminder", NOW + minutes(300), w.anna.id),  # the agreed time stays
    ]
    assert w.timers(pool.id or 0) == [
        ("unassigned", NOW + minutes(0.5), None),
        ("processing_breach", NOW + minutes(120), None),
    ]
    async with w.db() as uow:  # another department keeps the order's values
        assert (await uow.sla.policy(w.retail)).contact == minutes(15)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "Напишите число минут"), ("0,01", "не меньше 0,02"), ("43201", "43200")],
)
async def test_a_bad_duration_changes_nothing(w: World, raw: str, message: str) -> None:
    await assigned_lead(w)
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(InvalidInput, match=message):
            await department_settings.change(uow, w.boss, "contact", raw, NOW)
        with pytest.raises(InvalidInput, match="Такой настройки нет"):
            await department_settings.change(uow, w.boss, "lunch", "10", NOW)
    assert w.snapshot() == before


@pytest.mark.parametrize("who", ["office", "anna", "admin"])
async def test_only_a_departments_supervisor_changes_its_durations(w: World, who: str) -> None:
    before = w.snapshot()
    async with w.db() as uow:
        with pytest.raises(NotAllowed):
            await department_settings.change(uow, getattr(w, who), "contact", "30", NOW)
        with pytest.raises(NotAllowed):
            await department_settings.current(uow, getattr(w, who))
    assert w.snapshot() == before


async def test_a_notification_of_a_lead_names_it(w: World) -> None:
    async with w.db() as uow:
        await leads.tell(uow, w.anna.id or 0, "привет", NOW)
        await leads.tell(uow, w.anna.id or 0, "о лиде", NOW, 5)
        await uow.commit()
    assert w.db.outbox() == [
        Notification(w.anna.id or 0, NotificationKind.TEXT, NOW, None, "привет"),
        Notification(w.anna.id or 0, NotificationKind.TEXT, NOW, Subject.lead(5), "о лиде"),
    ]


async def test_nobody_to_tell_is_logged_once_until_it_is_over(
    w: World, caplog: pytest.LogCaptureFixture
) -> None:
    """#12: leads are still taken; the log says so once per department and audience, and
    again only after somebody could be told in between."""
    recipients.forget()
    async with w.db() as uow:
        for member in (w.boss, w.office):
            member.active = False
            await uow.members.save(member)
        admin = await uow.members.get(w.admin.id or 0)
        assert admin is not None
        uow.database.tables["members"][admin.id] = replace(admin, blocked_at=NOW)
        await uow.commit()
    caplog.set_level("ERROR", logger="domain.services.recipients")
    lead = await web_lead(w)
    await web_lead(w)
    pool = (
        f"department 'Продажи' (#{w.sales}): nobody to tell of its new leads: no supervisor, "
        "office manager nor admin is active and has not blocked the bot; leads are still "
        "taken, see GET /healthz"
    )
    assert [r.getMessage() for r in caplog.records] == [pool]
    assert w.sent() == []
    async with w.db() as uow:
        await leads.assign_lead(uow, w.admin, lead.id or 0, w.anna.id or 0, NOW)
    assert await hand_card(w, lead.id or 0, w.anna, NOW)
    await fire_due(w, NOW + minutes(15))
    breaches = pool.replace("new leads", "breaches").replace(
        "supervisor, office manager", "supervisor"
    )
    assert [r.getMessage() for r in caplog.records] == [pool, breaches]
    assert len(escalations_of(w)) == 1  # recorded, to be seen in the bot
    async with w.db() as uow:  # somebody again: nothing to log, and it may be said again
        w.office.active = True
        await uow.members.save(w.office)
        await uow.commit()
    await web_lead(w)
    async with w.db() as uow:
        w.office.active = False
        await uow.members.save(w.office)
        await uow.commit()
    await web_lead(w)
    assert [r.getMessage() for r in caplog.records] == [pool, breaches, pool]
    recipients.forget()

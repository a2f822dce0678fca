"""Deadlines and reminders as rows (R2.2, R2.5, R2.14, R2.15): planned with each change of a
lead, in its transaction; fired once, the outgoing messages written in the claim's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape

from domain.model import (
    Escalation,
    Lead,
    Member,
    Notification,
    NotificationKind,
    Role,
    Rule,
    Timer,
    TimerKind,
)
from domain.ports import UnitOfWork
from domain.sla import REMINDER_SHARE, minutes_text
from domain.statuses import LeadStatus

CONTACT_KINDS = (TimerKind.CONTACT_REMINDER, TimerKind.CONTACT_BREACH)
# The clocks whose durations a department sets (call reminders keep their agreed time).
RULE_KINDS = (*CONTACT_KINDS, TimerKind.PROCESSING_BREACH, TimerKind.UNASSIGNED)
ALL_KINDS = tuple(TimerKind)


async def _add(
    uow: UnitOfWork,
    lead: Lead,
    kind: TimerKind,
    due: datetime,
    now: datetime,
    member_id: int | None = None,
) -> None:
    assert lead.id is not None
    await uow.timers.add(Timer(kind, lead.id, lead.department_id, due, now, member_id))


async def plan_new_lead(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """R2.2 from arrival; R2.14 while it waits in the pool; R2.15 if it has a responsible."""
    policy = await uow.sla.policy(lead.department_id)
    await _add(
        uow,
        lead,
        TimerKind.PROCESSING_BREACH,
        policy.schedule.add(lead.created_at, policy.processing),
        now,
    )
    if lead.status is LeadStatus.NEW:
        await _add(
            uow,
            lead,
            TimerKind.UNASSIGNED,
            policy.schedule.add(lead.created_at, policy.unassigned),
            now,
        )
    else:
        await plan_contact(uow, lead, now)


async def plan_contact(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """R2.15: the clock starts when the responsible is told; a new responsible, a new clock."""
    assert lead.id is not None
    await uow.timers.cancel(lead.id, (*CONTACT_KINDS, TimerKind.UNASSIGNED), now)
    if lead.status is not LeadStatus.ASSIGNED or lead.first_contact_at is not None:
        return
    policy = await uow.sla.policy(lead.department_id)
    start = lead.assigned_at or now
    reminder = policy.schedule.add(start, policy.contact * REMINDER_SHARE)
    breach = policy.schedule.add(start, policy.contact)
    await _add(uow, lead, TimerKind.CONTACT_REMINDER, reminder, now, lead.responsible_id)
    await _add(uow, lead, TimerKind.CONTACT_BREACH, breach, now, lead.responsible_id)


async def contacted(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    assert lead.id is not None
    await uow.timers.cancel(lead.id, CONTACT_KINDS, now)


async def plan_call(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """R2.5: the reminder comes at the chosen time, working hours or not."""
    assert lead.id is not None
    await uow.timers.cancel(lead.id, (TimerKind.CALL_REMINDER,), now)
    if lead.next_contact_at is not None and not lead.status.is_final:
        await _add(
            uow, lead, TimerKind.CALL_REMINDER, lead.next_contact_at, now, lead.responsible_id
        )


async def replan_department(uow: UnitOfWork, department_id: int, now: datetime) -> int:
    """New durations for a department (/settings): its running clocks are counted again from
    their start with the new values. Returns how many leads were re-planned."""
    lead_ids = await uow.timers.leads_with_pending(department_id, RULE_KINDS)
    for lead_id in lead_ids:
        lead = await uow.leads.get(lead_id)
        if lead is None or lead.status.is_final:
            continue
        await uow.timers.cancel(lead_id, (TimerKind.PROCESSING_BREACH,), now)
        policy = await uow.sla.policy(lead.department_id)
        await _add(
            uow,
            lead,
            TimerKind.PROCESSING_BREACH,
            policy.schedule.add(lead.created_at, policy.processing),
            now,
        )
        if lead.status is LeadStatus.NEW:
            await uow.timers.cancel(lead_id, (TimerKind.UNASSIGNED,), now)
            await _add(
                uow,
                lead,
                TimerKind.UNASSIGNED,
                policy.schedule.add(lead.created_at, policy.unassigned),
                now,
            )
        else:
            await plan_contact(uow, lead, now)
    return len(lead_ids)


async def closed(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """Converted or junk: nothing is due any more."""
    assert lead.id is not None
    await uow.timers.cancel(lead.id, ALL_KINDS, now)


# -- firing ---------------------------------------------------------------------------------


async def supervisors_of(uow: UnitOfWork, department_id: int) -> list[Member]:
    """Who hears of a breach: the department's supervisors, else the admins."""
    bosses = [
        m
        for m in await uow.members.with_roles(department_id, (Role.SUPERVISOR,))
        if m.blocked_at is None
    ]
    if bosses:
        return bosses
    return [
        m
        for m in await uow.members.everyone()
        if m.role is Role.ADMIN and m.active and m.blocked_at is None
    ]


async def _escalate(uow: UnitOfWork, escalation: Escalation, now: datetime) -> Escalation:
    escalation = await uow.escalations.add(escalation)
    for boss in await supervisors_of(uow, escalation.department_id):
        assert boss.id is not None
        await uow.outbox.add(
            Notification(
                boss.id,
                NotificationKind.ESCALATION,
                now,
                lead_id=escalation.lead_id,
                escalation_id=escalation.id,
            )
        )
    return escalation


def _awaits_contact(lead: Lead, timer: Timer) -> bool:
    return (
        lead.status is LeadStatus.ASSIGNED
        and lead.first_contact_at is None
        and lead.responsible_id == timer.member_id
    )


async def _contact_reminder(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if not _awaits_contact(lead, timer) or timer.member_id is None:
        return
    policy = await uow.sla.policy(lead.department_id)
    left = minutes_text(policy.contact * (1 - REMINDER_SHARE))
    await uow.outbox.add(
        Notification(
            timer.member_id,
            NotificationKind.TEXT,
            now,
            lead.id,
            f"⏰ Лид #{lead.id} «{escape(lead.title)}»: осталось {left}, чтобы связаться с "
            "клиентом и нажать «В работу» (R2.15).",
        )
    )


async def _contact_breach(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if _awaits_contact(lead, timer):
        await _escalate(
            uow,
            Escalation(
                Rule.CONTACT,
                lead.department_id,
                timer.due_at,
                now,
                lead.id,
                [lead.id or 0],
                lead.responsible_id,
            ),
            now,
        )


async def _processing_breach(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if not lead.status.is_final:
        await _escalate(
            uow,
            Escalation(
                Rule.PROCESSING,
                lead.department_id,
                timer.due_at,
                now,
                lead.id,
                [lead.id or 0],
                lead.responsible_id,
            ),
            now,
        )


async def _unassigned(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    """R2.14: more than one lead past the limit in the pool: one escalation lists them."""
    if lead.status is not LeadStatus.NEW:
        return
    # Two processes firing this department's pool timers at once count one after the other.
    await uow.departments.lock(lead.department_id)
    overdue = await uow.timers.overdue_unassigned(lead.department_id)
    fresh = [timer_id for timer_id, _, reported in overdue if not reported]
    if len(overdue) < 2 or not fresh:
        return
    escalation = await _escalate(
        uow,
        Escalation(
            Rule.POOL,
            lead.department_id,
            timer.due_at,
            now,
            None,
            sorted(lead_id for _, lead_id, _ in overdue),
        ),
        now,
    )
    assert escalation.id is not None
    await uow.timers.mark_reported(fresh, escalation.id)


async def _call_reminder(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if lead.status.is_final or lead.responsible_id is None:
        return
    await uow.outbox.add(Notification(lead.responsible_id, NotificationKind.CALL, now, lead.id))


FIRE: dict[TimerKind, Callable[[UnitOfWork, Timer, Lead, datetime], object]] = {
    TimerKind.CONTACT_REMINDER: _contact_reminder,
    TimerKind.CONTACT_BREACH: _contact_breach,
    TimerKind.PROCESSING_BREACH: _processing_breach,
    TimerKind.UNASSIGNED: _unassigned,
    TimerKind.CALL_REMINDER: _call_reminder,
}


async def fire(uow: UnitOfWork, timer_id: int, now: datetime) -> bool:
    """Claim one due timer and write what it owes people, in one transaction."""
    timer = await uow.timers.claim(timer_id, now)
    if timer is None:
        await uow.rollback()
        return False  # another process fired it, or a change cancelled it
    lead = await uow.leads.get(timer.lead_id)
    if lead is not None:
        await FIRE[timer.kind](uow, timer, lead, now)  # type: ignore[misc]
    await uow.commit()
    return True


def overdue_by(escalation: Escalation, now: datetime) -> str:
    return minutes_text(max(timedelta(0), now - escalation.due_at))

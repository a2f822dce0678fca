"""Deadlines and reminders as rows (R2.2, R2.5, R2.14, R2.15): planned with each change of a
lead, in its transaction; fired once, the outgoing messages written in the claim's transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from domain.model import (
    Escalation,
    Lead,
    Member,
    Notification,
    NotificationKind,
    Rule,
    Subject,
    SubjectKind,
    Timer,
    TimerKind,
    escalation_card,
)
from domain.ports import UnitOfWork
from domain.services import live_cards, recipients, subjects
from domain.sla import REMINDER_SHARE, SlaPolicy, minutes_text
from domain.statuses import LeadStatus

CONTACT_KINDS = (TimerKind.CONTACT_REMINDER, TimerKind.CONTACT_BREACH)
# The clocks whose durations a department sets (call reminders keep their agreed time).
RULE_KINDS = (*CONTACT_KINDS, TimerKind.PROCESSING_BREACH, TimerKind.UNASSIGNED)


async def _add(
    uow: UnitOfWork,
    lead: Lead,
    kind: TimerKind,
    due: datetime,
    now: datetime,
    member_id: int | None = None,
) -> None:
    assert lead.id is not None
    await uow.timers.add(
        Timer(kind, Subject.lead(lead.id), lead.department_id, due, now, member_id)
    )


async def plan_new_lead(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """R2.2 from arrival; R2.14 while it waits in the pool; R2.15 if it has a responsible
    who has not made contact yet (a manager's own lead has, R2.12)."""
    policy = await uow.sla.policy(lead.department_id)
    await _add(
        uow,
        lead,
        TimerKind.PROCESSING_BREACH,
        _due(TimerKind.PROCESSING_BREACH, lead, policy, now),
        now,
    )
    if lead.status is LeadStatus.NEW:
        await _add(
            uow, lead, TimerKind.UNASSIGNED, _due(TimerKind.UNASSIGNED, lead, policy, now), now
        )
    elif lead.first_contact_at is None:
        await plan_contact(uow, lead, now)


async def plan_contact(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """R2.15: the clock starts when the responsible is told; a new responsible, a new clock.

    Planned at assignment as if the card reached him at once; `card_handed` plans it again
    from the moment his card is handed to Telegram (or given up for good)."""
    assert lead.id is not None
    await uow.timers.cancel(Subject.lead(lead.id), (*CONTACT_KINDS, TimerKind.UNASSIGNED), now)
    if lead.status is not LeadStatus.ASSIGNED or lead.first_contact_at is not None:
        return
    policy = await uow.sla.policy(lead.department_id)
    for kind in CONTACT_KINDS:
        await _add(uow, lead, kind, _due(kind, lead, policy, now), now, lead.responsible_id)


async def card_handed(uow: UnitOfWork, subject: Subject, member_id: int, now: datetime) -> bool:
    """The new card of a subject is being handed to Telegram for `member_id` (or will never
    reach him: he blocked the bot or left). For a lead whose responsible he is, the first
    such card since his assignment starts R2.15's clock now, written before the call: a
    crash that loses Telegram's answer cannot move it, and a card held up on its way
    (Telegram down, a 429, the one-message-a-second pacing) does not eat into his minutes.
    True if it started."""
    if subject.kind is not SubjectKind.LEAD:
        return False
    lead = await uow.leads.get(subject.id)
    if (
        lead is None
        or lead.responsible_id != member_id
        or lead.notified_at is not None
        or lead.status is not LeadStatus.ASSIGNED
        or lead.first_contact_at is not None
    ):
        return False
    if not await uow.leads.set_notified(subject.id, member_id, now):
        return False
    lead.notified_at = now
    await plan_contact(uow, lead, now)
    return True


async def card_not_handed(uow: UnitOfWork, subject: Subject, member_id: int, now: datetime) -> None:
    """Telegram did not take the card (a 429, a network error) and it will be tried again:
    the clock `card_handed` started waits for that try."""
    lead = await uow.leads.get(subject.id) if subject.kind is SubjectKind.LEAD else None
    if lead is None or lead.responsible_id != member_id or lead.notified_at is None:
        return
    if await uow.leads.set_notified(subject.id, member_id, None):
        await uow.timers.cancel(subject, CONTACT_KINDS, now)


async def contacted(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    assert lead.id is not None
    await uow.timers.cancel(Subject.lead(lead.id), CONTACT_KINDS, now)


async def plan_call(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """R2.5: the reminder comes at the chosen time, working hours or not."""
    assert lead.id is not None
    await uow.timers.cancel(Subject.lead(lead.id), (TimerKind.CALL_REMINDER,), now)
    if lead.next_contact_at is not None and not lead.status.is_final:
        await _add(
            uow, lead, TimerKind.CALL_REMINDER, lead.next_contact_at, now, lead.responsible_id
        )


def _due(kind: TimerKind, lead: Lead, policy: SlaPolicy, now: datetime) -> datetime:
    """When a rule's clock of this lead runs out under `policy`, counted from its start."""
    if kind is TimerKind.PROCESSING_BREACH:
        return policy.schedule.add(lead.created_at, policy.processing)
    if kind is TimerKind.UNASSIGNED:
        return policy.schedule.add(lead.created_at, policy.unassigned)
    share = REMINDER_SHARE if kind is TimerKind.CONTACT_REMINDER else 1.0
    return policy.schedule.add(lead.notified_at or lead.assigned_at or now, policy.contact * share)


async def replan_department(uow: UnitOfWork, department_id: int, now: datetime) -> int:
    """New durations for a department (/settings): the clocks still running are counted
    again from their start with the new values; what already fired stays fired.
    Returns how many timers were re-planned.

    Each lead is locked first, as every use case writes its lead before its timers: a press
    on it waits, then sees the new timers (none is left running after «В работу»), and the
    two never hold each other's timers. A timer fired meanwhile (a fire claims it without
    the lead) is not cancelled, so it is not planned again either."""
    policy = await uow.sla.policy(department_id)
    replanned = 0
    for subject in await uow.timers.subjects_with_pending(department_id, RULE_KINDS):
        lead = await uow.leads.lock(subject.id)
        if lead is None:
            continue
        for timer in await uow.timers.pending(subject):
            if timer.kind not in RULE_KINDS:
                continue
            if not await uow.timers.cancel(subject, (timer.kind,), now):
                continue
            await _add(
                uow, lead, timer.kind, _due(timer.kind, lead, policy, now), now, timer.member_id
            )
            replanned += 1
    return replanned


async def closed(uow: UnitOfWork, lead: Lead, now: datetime) -> None:
    """Converted or junk: nothing is due any more."""
    assert lead.id is not None
    await uow.timers.cancel(Subject.lead(lead.id), LEAD_KINDS, now)


async def reopened(uow: UnitOfWork, lead: Lead, moved_at: datetime, now: datetime) -> None:
    """A move taken back (#14 §5): the lead's clocks as they were planned for the status it
    is back in. Each clock that status runs (R2.2, R2.14, R2.15, R2.5) is planned again at
    its own due time, unless it is running still or came due before the move (it fired
    then, and it does not fire twice)."""
    assert lead.id is not None
    if lead.status.is_final:
        return
    subject = Subject.lead(lead.id)
    running = {timer.kind for timer in await uow.timers.pending(subject)}
    policy = await uow.sla.policy(lead.department_id)
    kinds = [TimerKind.PROCESSING_BREACH]
    if lead.status is LeadStatus.NEW:
        kinds.append(TimerKind.UNASSIGNED)
    elif lead.status is LeadStatus.ASSIGNED and lead.first_contact_at is None:
        kinds += CONTACT_KINDS
    for kind in kinds:
        due = _due(kind, lead, policy, now)
        if kind not in running and due > moved_at:
            member = lead.responsible_id if kind in CONTACT_KINDS else None
            await _add(uow, lead, kind, due, now, member)
    call = lead.next_contact_at
    if call is not None and TimerKind.CALL_REMINDER not in running and call > moved_at:
        await _add(uow, lead, TimerKind.CALL_REMINDER, call, now, lead.responsible_id)


# -- firing ---------------------------------------------------------------------------------


async def supervisors_of(uow: UnitOfWork, department_id: int) -> list[Member]:
    """Who hears of a breach: the department's supervisors who can be reached, else the
    admins (#12: the one rule of `recipients`, shared with the pool's cards)."""
    return await recipients.told_of(uow, department_id, recipients.Audience.BREACHES)


async def _escalate(uow: UnitOfWork, escalation: Escalation, now: datetime) -> Escalation:
    escalation = await uow.escalations.add(escalation)
    for boss in await supervisors_of(uow, escalation.department_id):
        assert boss.id is not None
        await uow.outbox.add(escalation_card(boss.id, escalation, now))
    return escalation


def _awaits_contact(lead: Lead, timer: Timer) -> bool:
    """R2.15's clock runs for this timer: the card reached the responsible or never will (a
    card still on its way plans the clock again when it is done) and he has not made
    contact yet."""
    return (
        lead.notified_at is not None
        and lead.status is LeadStatus.ASSIGNED
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
            timer.subject,
            f"⏰ Лид #{lead.id} «{escape(lead.title)}»: осталось {left}, чтобы связаться с "
            "клиентом и нажать «В работу».",
        )
    )


async def _escalate_lead(
    uow: UnitOfWork, rule: Rule, timer: Timer, lead: Lead, now: datetime
) -> None:
    """A breach of `rule` by one lead, against its responsible."""
    escalation = Escalation(
        rule,
        lead.department_id,
        timer.due_at,
        now,
        lead.id,
        [lead.id or 0],
        lead.responsible_id,
    )
    await _escalate(uow, escalation, now)


async def _contact_breach(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if _awaits_contact(lead, timer):
        await _escalate_lead(uow, Rule.CONTACT, timer, lead, now)


async def _processing_breach(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if not lead.status.is_final:
        await _escalate_lead(uow, Rule.PROCESSING, timer, lead, now)


async def _unassigned(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    """R2.14: more than one lead past the limit in the pool: one escalation lists them."""
    if lead.status is not LeadStatus.NEW:
        return
    # Two processes firing this department's pool timers at once count one after the other.
    await uow.departments.lock(lead.department_id)
    # The pool's other timers due by now fire with this one: after a night or a weekend
    # (the clock waits for working hours) they all come due at once, one breach to tell.
    await uow.timers.claim_due(lead.department_id, TimerKind.UNASSIGNED, now)
    overdue = await uow.timers.overdue_unassigned(lead.department_id)
    fresh = [timer_id for timer_id, _, reported in overdue if not reported]
    if len(overdue) < 2 or not fresh:
        return
    lead_ids = sorted(lead_id for _, lead_id, _ in overdue)
    escalation = await _escalate(
        uow, Escalation(Rule.POOL, lead.department_id, timer.due_at, now, None, lead_ids), now
    )
    assert escalation.id is not None
    await uow.timers.mark_reported(fresh, escalation.id)


async def _call_reminder(uow: UnitOfWork, timer: Timer, lead: Lead, now: datetime) -> None:
    if lead.status.is_final or lead.responsible_id is None:
        return
    await uow.outbox.add(
        Notification(lead.responsible_id, NotificationKind.CALL, now, Subject.lead(lead.id or 0))
    )


@dataclass(frozen=True)
class FiringRule:
    """What a timer of one kind does when it comes due, to the subject it belongs to."""

    subject: SubjectKind
    fire: Callable[[UnitOfWork, Timer, Any, datetime], Awaitable[None]]


# The sweep fires every timer through this table: a new subject's deadlines and reminders
# are new rows here, with their kinds.
FIRING: dict[TimerKind, FiringRule] = {
    TimerKind.CONTACT_REMINDER: FiringRule(SubjectKind.LEAD, _contact_reminder),
    TimerKind.CONTACT_BREACH: FiringRule(SubjectKind.LEAD, _contact_breach),
    TimerKind.PROCESSING_BREACH: FiringRule(SubjectKind.LEAD, _processing_breach),
    TimerKind.UNASSIGNED: FiringRule(SubjectKind.LEAD, _unassigned),
    TimerKind.CALL_REMINDER: FiringRule(SubjectKind.LEAD, _call_reminder),
}
LEAD_KINDS = tuple(kind for kind, rule in FIRING.items() if rule.subject is SubjectKind.LEAD)


# The deadlines a card shows passing: a reminder before one changes nothing it says, and a
# redraw then could replace a menu someone has open on his card.
REDRAWN = (TimerKind.CONTACT_BREACH, TimerKind.PROCESSING_BREACH, TimerKind.CALL_REMINDER)


async def _redraw(uow: UnitOfWork, timer: Timer, target: Any, now: datetime) -> None:
    """A lead's card says what is due and by when (#14 §2): the cards out are drawn again as
    a clock of the lead fires, so none says «ещё 5 мин» past its deadline."""
    if timer.kind in REDRAWN and not target.status.is_final:
        await live_cards.push(uow, timer.subject, now)


async def fire(uow: UnitOfWork, timer_id: int, now: datetime) -> bool:
    """Claim one due timer and write what it owes people, in one transaction."""
    timer = await uow.timers.claim(timer_id, now)
    if timer is None:
        return False  # another process fired it, or a change cancelled it: nothing to commit
    rule = FIRING[timer.kind]
    target = await subjects.load(uow, timer.subject)
    if target is not None:
        await rule.fire(uow, timer, target, now)
        await _redraw(uow, timer, target, now)
    await uow.commit()
    return True

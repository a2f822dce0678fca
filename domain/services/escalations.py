"""What a supervisor does about a breach (R2.2): remind, hand the lead over, or a penalty.

Each remedy leaves the others open (#14 §5): remind first, penalise later. A reminder and a
penalty are each recorded once; handing the lead over resolves the breach; a penalty stays
possible after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from domain import normalize
from domain.errors import InvalidInput, NotAllowed, NotFound, StaleState
from domain.model import (
    Escalation,
    Lead,
    Member,
    Penalty,
    Remedy,
    Role,
    Rule,
    Subject,
    escalation_card,
)
from domain.names import Verb
from domain.permissions import Action, may, require
from domain.ports import UnitOfWork
from domain.services import leads, live_cards
from domain.statuses import LeadStatus

PENALTY_COMMENT_MAX = 1000

# What a supervisor did, as every copy of the escalation card says it (#14 §4: the verb
# agrees with his name, or the phrase has none).
REMINDED = Verb(
    "{name} напомнил ответственному",
    "{name} напомнила ответственному",
    "{name}: напоминание ответственному",
)
REMINDED_OFFICE = Verb(
    "{name} напомнил офис-менеджерам",
    "{name} напомнила офис-менеджерам",
    "{name}: напоминание офис-менеджерам",
)
HANDED_OVER = Verb(
    "{name} передал лид: {to}", "{name} передала лид: {to}", "{name}: лид передан, теперь {to}"
)
ASSIGNED = Verb(
    "{name} назначил: {to}", "{name} назначила: {to}", "{name}: лид назначен, ответственный {to}"
)
PENALISED = Verb(
    "{name} записал взыскание", "{name} записала взыскание", "{name}: взыскание записано"
)
# A remedy pressed again, in the alert to the one who pressed.
DONE_REMINDED = Verb("Уже напомнил: {name}.", "Уже напомнила: {name}.", "Уже напомнено: {name}.")
DONE_PENALISED = Verb(
    "Взыскание уже записал: {name}.",
    "Взыскание уже записала: {name}.",
    "Взыскание уже записано: {name}.",
)


def lead_numbers(lead_ids: list[int], shown: int = 50) -> str:
    """«#3, #5 и ещё 12»: a pool of thousands of leads would not fit one message."""
    text = ", ".join(f"#{lead_id}" for lead_id in lead_ids[:shown])
    return text + (f" и ещё {len(lead_ids) - shown}" if len(lead_ids) > shown else "")


async def load(uow: UnitOfWork, actor: Member, escalation_id: int) -> Escalation:
    escalation = await uow.escalations.get(escalation_id)
    if escalation is None:
        raise NotFound("Такого нарушения нет.")
    require(actor, Action.PENALIZE, department_id=escalation.department_id)
    return escalation


async def refresh_card(uow: UnitOfWork, actor: Member, escalation_id: int, now: datetime) -> None:
    """Re-draw the actor's copy after a stale press (nothing else changes): the card he
    pressed still offered what another supervisor had already done."""
    escalation = await uow.escalations.get(escalation_id)
    if (
        escalation is None
        or actor.id is None
        or not may(actor, Action.PENALIZE, department_id=escalation.department_id)
    ):
        return
    await uow.outbox.add(escalation_card(actor.id, escalation, now))
    await uow.commit()


async def _mark(
    uow: UnitOfWork, actor: Member, escalation: Escalation, remedy: Remedy, now: datetime
) -> None:
    """`remedy` recorded once, every copy of the card redrawn to say who did it."""
    assert escalation.id is not None and actor.id is not None
    if not await uow.escalations.mark(escalation.id, remedy, actor.id, now):
        raise StaleState(await done_already(uow, escalation.id, remedy))
    await live_cards.push(uow, Subject.escalation(escalation.id), now)


async def done_already(uow: UnitOfWork, escalation_id: int, remedy: Remedy) -> str:
    current = await uow.escalations.get(escalation_id)
    if remedy is Remedy.REMINDED:
        who = await leads.member_name(uow, current.reminded_by if current else None)
        return DONE_REMINDED.of(who)
    who = await leads.member_name(uow, current.penalized_by if current else None)
    return DONE_PENALISED.of(who)


def _unresolved(escalation: Escalation) -> None:
    if escalation.resolved_at is not None:
        raise StaleState(f"Уже сделано: {escalation.resolution}.")


async def _resolve(
    uow: UnitOfWork, actor: Member, escalation: Escalation, what: str, now: datetime
) -> None:
    assert escalation.id is not None and actor.id is not None
    if not await uow.escalations.resolve(escalation.id, actor.id, what, now):
        current = await uow.escalations.get(escalation.id)
        done = current.resolution if current and current.resolution else "уже решено"
        raise StaleState(f"Уже сделано: {done}.")
    await live_cards.push(uow, Subject.escalation(escalation.id), now)


def _lead_of(escalation: Escalation) -> int:
    if escalation.lead_id is None:
        raise InvalidInput("escalation", "Это нарушение о нескольких лидах: откройте их карточки.")
    return escalation.lead_id


async def remind(uow: UnitOfWork, actor: Member, escalation_id: int, now: datetime) -> None:
    escalation = await load(uow, actor, escalation_id)
    if escalation.rule is Rule.POOL:
        await _remind_pool(uow, actor, escalation, now)
        return
    lead = await leads.load_lead(uow, _lead_of(escalation))
    _unresolved(escalation)
    gone = breach_gone(escalation, lead)
    if gone is not None:
        raise StaleState(gone)
    await _mark(uow, actor, escalation, Remedy.REMINDED, now)
    await leads.tell(
        uow,
        lead.responsible_id,
        f"🔔 Руководитель напоминает: лид #{lead.id} «{escape(lead.title)}» ждёт "
        f"вас: {escalation.rule.label}.",
        now,
        lead.id,
    )
    await leads.record(uow, lead, actor, now, "reminded", None, None, escalation.rule.value)
    await uow.commit()


def breach_gone(escalation: Escalation, lead: Lead) -> str | None:
    """Why there is nothing to remind of any more, if so: the lead was since taken into work
    (R2.15), closed, or handed to another manager. A lead that had nobody at its breach
    (R2.2) is reminded to whoever holds it now. A penalty stays possible either way."""
    held = escalation.responsible_id
    if lead.responsible_id is None:
        return "У лида нет ответственного: назначьте его."
    if held is not None and lead.responsible_id != held:
        return "Лид уже передан другому ответственному: напоминать не о чем."
    if lead.status.is_final or (
        escalation.rule is Rule.CONTACT and lead.status is not LeadStatus.ASSIGNED
    ):
        return f"Лид уже в статусе «{lead.status.label}»: напоминать не о чем."
    return None


async def _remind_pool(
    uow: UnitOfWork, actor: Member, escalation: Escalation, now: datetime
) -> None:
    """R2.14: the office managers hold the pool; they are reminded to hand the leads out."""
    office = await uow.members.with_roles(escalation.department_id, (Role.OFFICE_MANAGER,))
    if not office:
        raise InvalidInput("escalation", "В отделе нет офис-менеджеров: назначьте лиды сами.")
    await _mark(uow, actor, escalation, Remedy.REMINDED, now)
    ids = lead_numbers(escalation.lead_ids)
    for member in office:
        assert member.id is not None
        await leads.tell(
            uow,
            member.id,
            f"🔔 Руководитель напоминает: лиды {ids} ждут назначения дольше срока.",
            now,
        )
    await uow.commit()


async def reassign(
    uow: UnitOfWork, actor: Member, escalation_id: int, manager_id: int, now: datetime
) -> None:
    escalation = await load(uow, actor, escalation_id)
    lead = await leads.load_lead(uow, _lead_of(escalation))
    name = await leads.member_name(uow, manager_id)
    handed = HANDED_OVER if lead.responsible_id is not None else ASSIGNED
    await _resolve(uow, actor, escalation, handed.of(actor.full_name, to=name), now)
    # The lead's new responsible gets a new clock in the same transaction (R2.15).
    await leads.reassign_lead(uow, actor, lead.id or 0, manager_id, escalation.responsible_id, now)


def penalized_member(escalation: Escalation) -> int:
    """Who a penalty for the breach is recorded against: its lead's responsible then."""
    if escalation.penalized_at is not None:
        raise StaleState("Взыскание за это нарушение уже записано.")
    if escalation.responsible_id is None:
        raise NotAllowed("Взыскание некому записать: у лида не было ответственного.")
    return escalation.responsible_id


async def penalize(
    uow: UnitOfWork, actor: Member, escalation_id: int, comment: str, now: datetime
) -> Penalty:
    escalation = await load(uow, actor, escalation_id)
    lead = await leads.load_lead(uow, _lead_of(escalation))
    member_id = penalized_member(escalation)
    text = normalize.plain_text(comment, "penalty", "Комментарий", PENALTY_COMMENT_MAX)
    await _mark(uow, actor, escalation, Remedy.PENALIZED, now)
    assert actor.id is not None
    penalty = await uow.penalties.add(
        Penalty(
            member_id=member_id,
            department_id=escalation.department_id,
            rule=escalation.rule.value,
            comment=text,
            created_by=actor.id,
            created_at=now,
            lead_id=lead.id,
            escalation_id=escalation.id,
        )
    )
    await leads.record(
        uow, lead, actor, now, "penalty", None, None, f"{escalation.rule.value}: {text}"
    )
    await leads.tell(
        uow,
        member_id,
        f"Вам записано взыскание по лиду #{lead.id} ({escalation.rule.label}): {escape(text)}",
        now,
        lead.id,
    )
    await uow.commit()
    return penalty


@dataclass(frozen=True)
class PenaltyLine:
    member: str
    count: int
    items: list[Penalty]


async def penalties(
    uow: UnitOfWork, actor: Member, start: datetime, end: datetime
) -> list[PenaltyLine]:
    """Penalties per manager for a period (`/penalties`)."""
    require(actor, Action.PENALIZE, department_id=actor.department_id)
    department = None if actor.department_id is None else actor.department_id
    rows = await uow.penalties.between(department, start, end)
    by_member: dict[int, list[Penalty]] = {}
    for penalty in rows:
        by_member.setdefault(penalty.member_id, []).append(penalty)
    lines = [
        PenaltyLine(await leads.member_name(uow, member_id), len(items), items)
        for member_id, items in by_member.items()
    ]
    return sorted(lines, key=lambda line: (-line.count, line.member))


@dataclass(frozen=True)
class CardFacts:
    """What an escalation card shows beyond the escalation: the names of who acted, and
    whether each remedy would reach anyone (#14 §5: no button that reaches nobody)."""

    reminded_by: str | None
    penalized_by: str | None
    reminder_reaches: bool  # the lead's responsible now, or the pool's office managers
    managers: bool  # someone to hand the lead to


def _reachable(member: Member | None) -> bool:
    return member is not None and member.active and member.blocked_at is None


async def card_facts(uow: UnitOfWork, escalation: Escalation, lead: Lead | None) -> CardFacts:
    names = {}
    for member_id in (escalation.reminded_by, escalation.penalized_by):
        if member_id is not None:
            names[member_id] = await leads.member_name(uow, member_id)
    if escalation.rule is Rule.POOL:
        office = await uow.members.with_roles(escalation.department_id, (Role.OFFICE_MANAGER,))
        reaches = any(_reachable(m) for m in office)
    elif escalation.reminded_at is not None or escalation.resolved_at is not None:
        reaches = False  # «Напомнить» is not offered again
    else:
        holder = lead.responsible_id if lead is not None else None
        reaches = holder is not None and _reachable(await uow.members.get(holder))
    # Asked only where «Сменить ответственного» could be offered at all.
    hand_over = escalation.resolved_at is None and lead is not None and not lead.status.is_final
    managers = hand_over and bool(await leads.assignable(uow, escalation.department_id))
    return CardFacts(
        names.get(escalation.reminded_by or 0),
        names.get(escalation.penalized_by or 0),
        reaches,
        managers,
    )

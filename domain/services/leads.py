"""The lead's life: intake, assignment, stages, call planning, edits, junk (R2.1-R2.12, R2.16).

Every change writes a history event (R2.8) and the card refreshes for everyone who holds a
copy, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape

from domain.assignment import AssignMode
from domain.errors import (
    DuplicateExternalId,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleState,
    WrittenMeanwhile,
)
from domain.lead_fields import LeadField, auto_title, clean_field
from domain.model import (
    ASSIGNABLE_ROLES,
    NOT_ASSIGNABLE,
    Event,
    JunkReason,
    Lead,
    LeadDraft,
    LeadSource,
    Member,
    Notification,
    NotificationKind,
    Press,
    Role,
    Subject,
)
from domain.names import Verb
from domain.permissions import Action, may, require
from domain.ports import UnitOfWork
from domain.services import auto_assign, history, live_cards, recipients, timers
from domain.statuses import LeadStatus

STALE = "Лид только что изменился: откройте карточку заново."


async def load_lead(uow: UnitOfWork, lead_id: int) -> Lead:
    lead = await uow.leads.get(lead_id)
    if lead is None:
        raise NotFound(f"Лид #{lead_id} не найден.")
    return lead


async def member_name(uow: UnitOfWork, member_id: int | None) -> str:
    if member_id is None:
        return "никто"
    member = await uow.members.get(member_id)
    return member.full_name if member else f"#{member_id}"


BLOCKED_NOTE = Verb(
    ". ⚠️ Он заблокировал бота: карточка к нему не придёт, сообщите ему сами.",
    ". ⚠️ Она заблокировала бота: карточка к ней не придёт, сообщите ей сами.",
    ". ⚠️ Бот у этого сотрудника заблокирован: карточка не придёт, сообщите сами.",
)


async def assigned_note(uow: UnitOfWork, lead: Lead, prefix: str) -> str:
    """The answer to an assignment: who got the lead, and whether the bot can reach him."""
    responsible = await uow.members.get(lead.responsible_id) if lead.responsible_id else None
    if responsible is None:
        return f"{prefix}: {await member_name(uow, lead.responsible_id)}"
    note = f"{prefix}: {responsible.full_name}"
    if responsible.blocked_at is not None:
        note += BLOCKED_NOTE.of(responsible.full_name)
    return note


async def record(
    uow: UnitOfWork,
    lead: Lead,
    actor: Member | None,
    now: datetime,
    kind: str,
    field_name: str | None = None,
    old: object = None,
    new: object = None,
) -> None:
    """One line of the lead's history (R2.8) for a change that is no behaviour of the model."""
    assert lead.id is not None
    await history.record(
        uow, Subject.lead(lead.id), [Event.of(actor, now, kind, field_name, old, new)]
    )


async def push_cards(
    uow: UnitOfWork,
    lead: Lead,
    now: datetime,
    fresh_for: Iterable[int] = (),
    press: Press | None = None,
) -> None:
    """Refresh the lead's card for every holder; send a new card to `fresh_for`; the card
    `press` was made on is left to the press's answer (live_cards.push)."""
    assert lead.id is not None
    await live_cards.push(uow, Subject.lead(lead.id), now, fresh_for, press)


async def tell(
    uow: UnitOfWork, member_id: int, text: str, now: datetime, lead_id: int | None = None
) -> None:
    subject = Subject.lead(lead_id) if lead_id is not None else None
    await uow.outbox.add(Notification(member_id, NotificationKind.TEXT, now, subject, text))


async def pool_of(uow: UnitOfWork, department_id: int) -> list[Member]:
    """Who receives unassigned leads (R2.11): the office managers and the supervisors who
    can be reached, else the admins (#12: a firm run by its owner)."""
    return await recipients.told_of(uow, department_id, recipients.Audience.POOL)


async def intake_department(uow: UnitOfWork, name: str | None) -> int:
    """The department a lead from outside goes to: the one named, else the first one."""
    departments = await uow.departments.all()
    if name:
        for department in departments:
            if department.name.casefold() == name.strip().casefold():
                assert department.id is not None
                return department.id
        raise InvalidInput("department", f"Отдела «{name}» нет.")
    if not departments:
        raise InvalidInput("department", "В CRM ещё нет ни одного отдела.")
    return min(d.id for d in departments if d.id is not None)


@dataclass(frozen=True)
class Intake:
    lead: Lead
    created: bool


async def create_lead(
    uow: UnitOfWork,
    *,
    values: Mapping[LeadField, str],
    source: LeadSource,
    department_id: int,
    creator: Member | None,
    now: datetime,
    external_id: str | None = None,
) -> Intake:
    """R2.3, R2.4, R2.12: a new lead; a manager who creates one becomes its responsible and
    is already talking to the client: the lead counts as contacted (no R2.15 clock)."""
    if creator is not None:
        require(creator, Action.CREATE_LEAD, department_id=department_id)
    if external_id:
        existing = await uow.leads.by_external_id(external_id)
        if existing is not None:
            return Intake(existing, created=False)
    title = values.get(LeadField.TITLE)
    lead = Lead(
        title=title or auto_title(values, source),
        title_is_auto=title is None,
        source=source,
        department_id=department_id,
        created_at=now,
        status_changed_at=now,
        external_id=external_id,
        creator_id=creator.id if creator else None,
        **{f.attribute: v for f, v in values.items() if f is not LeadField.TITLE},
    )
    takes_it = creator is not None and creator.role is Role.MANAGER
    if takes_it:
        assert creator is not None
        lead.status = LeadStatus.ASSIGNED
        lead.responsible_id = creator.id
        lead.assigned_by_id = creator.id
        lead.assigned_at = now
        # R2.12: he made it during the talk (typed, forwarded, shared): the contact R2.15
        # asks for is made. The lead stays «Назначен» until he moves it on himself; R2.2's
        # deadline still runs (#12).
        lead.first_contact_at = now
    try:
        await uow.leads.add(lead)
    except DuplicateExternalId:
        # A concurrent retry of the same post won the race: answer with its lead (the failed
        # insert was undone alone; the unit of work, not committed, writes nothing).
        existing = await uow.leads.by_external_id(external_id or "")
        if existing is None:
            raise
        return Intake(existing, created=False)
    await record(uow, lead, creator, now, "created", new=lead.title)
    await timers.plan_new_lead(uow, lead, now)
    handed_to = await _auto_assign(uow, lead, now) if creator is None else None
    if takes_it:
        recipients = {lead.responsible_id}
    else:
        recipients = {m.id for m in await pool_of(uow, department_id)}
        if creator is not None:
            recipients.add(creator.id)
        if handed_to is not None:
            recipients.add(handed_to)
    await push_cards(uow, lead, now, fresh_for={r for r in recipients if r is not None})
    await uow.commit()
    return Intake(lead, created=True)


async def _auto_assign(uow: UnitOfWork, lead: Lead, now: datetime) -> int | None:
    """#14 §6: a lead from outside goes straight to the manager the department's mode picks,
    as an assignment by hand would give it (his R2.15 clock, his card); the pool's copies of
    the card say who got it and why. None: nobody was picked, it waits in the pool (R2.11)."""
    picked = await auto_assign.pick(uow, lead.department_id, now)
    if picked is None:
        return None
    await _hand_to(uow, lead, picked.manager, None, now, how=picked.mode)
    return picked.manager.id


async def _hand_to(
    uow: UnitOfWork,
    lead: Lead,
    manager: Member,
    by: Member | None,
    now: datetime,
    *,
    how: AssignMode | None = None,
) -> None:
    """The lead in «Не обработан» goes to `manager` (R2.11), named by `by` or by the bot
    (`how`); his R2.15 clock is planned. WrittenMeanwhile if another got there first."""
    assert lead.id is not None
    events = lead.assign(manager, by, now, how=how)
    await write_lead(uow, lead, events, was=LeadStatus.NEW, responsible=None)
    await uow.leads.set_notified(lead.id, manager.id or 0, None)
    await timers.plan_contact(uow, lead, now)


async def assignable(uow: UnitOfWork, department_id: int) -> list[Member]:
    return await uow.members.with_roles(department_id, ASSIGNABLE_ROLES)


async def assign_lead(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    manager_id: int,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """R2.11: the office manager or supervisor names the responsible; one press wins."""
    lead = await load_lead(uow, lead_id)
    require(actor, Action.ASSIGN_LEAD, lead=lead)
    if lead.status is not LeadStatus.NEW or lead.responsible_id is not None:
        raise StaleState(f"Уже назначен: {await member_name(uow, lead.responsible_id)}.")
    manager = await _assignee(uow, manager_id)
    try:
        await _hand_to(uow, lead, manager, actor, now)
    except WrittenMeanwhile:
        current = await load_lead(uow, lead_id)
        raise StaleState(
            f"Уже назначен: {await member_name(uow, current.responsible_id)}."
        ) from None
    await push_cards(uow, lead, now, fresh_for={manager.id} if manager.id else set(), press=press)
    await uow.commit()
    return lead


async def _assignee(uow: UnitOfWork, manager_id: int) -> Member:
    """The member named to hold a lead; whether he may is `Lead.assign`'s rule."""
    manager = await uow.members.get(manager_id)
    if manager is None:
        raise InvalidInput("responsible", NOT_ASSIGNABLE)
    return manager


async def reassign_lead(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    manager_id: int,
    expected_responsible: int | None,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """A supervisor hands a lead to another manager; the previous one is told."""
    lead = await load_lead(uow, lead_id)
    require(actor, Action.REASSIGN_LEAD, lead=lead)
    if lead.status.is_final:
        raise StaleState(f"Лид уже закрыт («{lead.status.label}»).")
    if lead.status is LeadStatus.NEW:
        return await assign_lead(uow, actor, lead_id, manager_id, now)
    if lead.responsible_id != expected_responsible:
        raise StaleState(
            f"Ответственный уже сменился: {await member_name(uow, lead.responsible_id)}."
        )
    manager = await _assignee(uow, manager_id)
    previous = lead.responsible_id
    held_by = await uow.members.get(previous) if previous is not None else None
    events = lead.assign(manager, actor, now, previous=held_by)
    await write_lead(uow, lead, events, responsible=previous)
    await uow.leads.set_notified(lead_id, manager.id or 0, None)
    await timers.plan_contact(uow, lead, now)  # the clock restarts for the new one (R2.15)
    await timers.plan_call(uow, lead, now)
    if previous is not None:
        await tell(
            uow,
            previous,
            f"Лид #{lead.id} «{escape(lead.title)}» передан: {escape(manager.full_name)}.",
            now,
        )
    await push_cards(uow, lead, now, fresh_for={manager.id} if manager.id else set(), press=press)
    await uow.commit()
    return lead


async def lead_to_work(
    uow: UnitOfWork, actor: Member, lead_id: int, expected: LeadStatus | None = None
) -> Lead:
    """The lead `actor` works on (R2.9, R2.13, R2.16): his to work, and still in the status
    `expected` that the pressed button was drawn at (else the button is stale)."""
    lead = await load_lead(uow, lead_id)
    require(actor, Action.WORK_LEAD, lead=lead)
    if expected is not None and lead.status is not expected:
        raise StaleState(f"Лид уже в статусе «{lead.status.label}».")
    return lead


async def move_lead(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    target: LeadStatus,
    expected: LeadStatus,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """R2.9, R2.10: the next stage (skipping allowed; back only for a supervisor)."""
    lead = await lead_to_work(uow, actor, lead_id, expected)
    was = lead.status
    if was is LeadStatus.ASSIGNED and target is LeadStatus.PROCESSED:
        # #14 §5: only with the reason the checklist was skipped (lead_moves), asked anew.
        raise StaleState("Карточка устарела: нажмите «→ Обработан» ещё раз.")
    back = may(actor, Action.MOVE_LEAD_BACK, lead=lead)
    events = lead.move_to(target, actor, now, may_move_back=back)
    await write_lead(uow, lead, events, was=was)
    if was is LeadStatus.ASSIGNED:
        await timers.contacted(uow, lead, now)
    return await publish(uow, lead, now, press)


async def _edit(uow: UnitOfWork, actor: Member, lead_id: int) -> Lead:
    """The open lead `actor` changes a field or the call of."""
    lead = await lead_to_work(uow, actor, lead_id)
    if lead.status.is_final:
        raise StaleState(f"Лид уже закрыт («{lead.status.label}»): изменить его нельзя.")
    return lead


async def write_lead(
    uow: UnitOfWork,
    lead: Lead,
    events: Iterable[Event] = (),
    *,
    was: LeadStatus | None = None,
    responsible: int | object | None = ...,
    stale: str = STALE,
) -> None:
    """Write the lead if nobody wrote it since it was read and its status is still `was`
    (default: unchanged; and its responsible `responsible`, when given), then record the
    `events` of the change in its history (R2.8). A use case writes its lead before its
    timers: every transaction that touches both (the sender's `card_handed` too) then locks
    the lead's row first, so two never wait for each other in opposite orders (a deadlock
    on PostgreSQL)."""
    if not await uow.leads.update_if(
        lead, expected_status=was or lead.status, expected_responsible=responsible
    ):
        raise WrittenMeanwhile(stale)
    assert lead.id is not None
    await history.record(uow, Subject.lead(lead.id), events)


async def publish(uow: UnitOfWork, lead: Lead, now: datetime, press: Press | None = None) -> Lead:
    """Refresh every copy of the written lead's card, and commit."""
    await push_cards(uow, lead, now, press=press)
    await uow.commit()
    return lead


async def save_lead(
    uow: UnitOfWork,
    lead: Lead,
    now: datetime,
    events: Iterable[Event] = (),
    *,
    was: LeadStatus | None = None,
    stale: str = STALE,
) -> Lead:
    """`write_lead`, then `publish`: for a change that touches no timer."""
    await write_lead(uow, lead, events, was=was, stale=stale)
    return await publish(uow, lead, now)


async def plan_call(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    when: datetime,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """R2.5: when to call next, to the minute shown; the reminder comes at this time."""
    lead = await _edit(uow, actor, lead_id)
    when = when.replace(second=0, microsecond=0)
    if when <= now:
        raise InvalidInput("next_contact", "Это время уже прошло: укажите время в будущем.")
    old = lead.next_contact_at
    lead.next_contact_at = when
    was = old.isoformat() if old else None
    event = Event.of(actor, now, "next_contact", "next_contact_at", was, when.isoformat())
    await write_lead(uow, lead, [event])
    await timers.plan_call(uow, lead, now)
    return await publish(uow, lead, now, press)


async def edit_field(
    uow: UnitOfWork, actor: Member, lead_id: int, field: LeadField, raw: str, now: datetime
) -> Lead:
    """Any field, validated; the title typed by a person ends the auto-title (R2.4)."""
    lead = await _edit(uow, actor, lead_id)
    if field is LeadField.COMMENT and await _came_with(uow, lead):
        # #14 §5: the client's own words stay as they came; notes go beside them.
        raise InvalidInput("comment", "Текст клиента не меняется: добавьте заметку.")
    value = clean_field(field, raw)
    old = getattr(lead, field.attribute)
    if old == value:
        raise InvalidInput(field.value, f"{field.label}: значение не изменилось.")
    setattr(lead, field.attribute, value)
    if field is LeadField.TITLE:
        lead.title_is_auto = False
    return await save_lead(uow, lead, now, [Event.of(actor, now, "field", field.value, old, value)])


async def _came_with(uow: UnitOfWork, lead: Lead) -> bool:
    """Whether the lead's comment is the text it came with (the client's, #14 §5), not one
    a member wrote since."""
    if not lead.comment or lead.id is None:
        return False
    history = await uow.lead_events.latest(lead.id, 500)
    return not any(e.kind == "field" and e.field_name == LeadField.COMMENT for e in history)


async def mark_junk(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    reason: JunkReason,
    detail: str | None,
    expected: LeadStatus | None,
    now: datetime,
    press: Press | None = None,
) -> Lead:
    """R2.16: the lead ends as junk, with its reason."""
    lead = await lead_to_work(uow, actor, lead_id, expected)
    was = lead.status
    events = lead.mark_junk(reason, actor, now, detail=detail)
    await write_lead(uow, lead, events, was=was)
    await timers.closed(uow, lead, now)
    return await publish(uow, lead, now, press)


async def open_card(uow: UnitOfWork, actor: Member, lead_id: int, now: datetime) -> Lead:
    lead = await load_lead(uow, lead_id)
    if not may(actor, Action.VIEW_LEAD, lead=lead):
        raise NotAllowed("Это не ваш лид: карточка недоступна.")
    assert actor.id is not None
    await push_cards(uow, lead, now, fresh_for={actor.id})
    await uow.commit()
    return lead


async def refresh_card(uow: UnitOfWork, actor: Member, lead_id: int, now: datetime) -> bool:
    """Re-render the actor's copy after a stale press (nothing else changes). False when
    there is no such lead or the actor may not see it."""
    lead = await uow.leads.get(lead_id)
    if lead is None or actor.id is None or not may(actor, Action.VIEW_LEAD, lead=lead):
        return False
    await uow.outbox.add(Notification(actor.id, NotificationKind.CARD, now, Subject.lead(lead_id)))
    await uow.commit()
    return True


async def offer_draft(
    uow: UnitOfWork, actor: Member, fields: dict[str, str], now: datetime
) -> LeadDraft:
    """A forwarded message or a shared contact, kept until the member creates the lead."""
    require(actor, Action.CREATE_LEAD, department_id=actor.department_id)
    assert actor.id is not None
    draft = await uow.drafts.add(LeadDraft(actor.id, fields, now))
    await uow.commit()
    return draft


async def drop_draft(uow: UnitOfWork, actor: Member, draft_id: int) -> None:
    """«Не нужно» on a draft lead: it is gone, and nothing is created."""
    assert actor.id is not None
    if await uow.drafts.take(draft_id, actor.id) is None:
        raise StaleState("Этого черновика уже нет.")
    await uow.commit()


async def create_from_draft(
    uow: UnitOfWork, actor: Member, draft_id: int, department_id: int, now: datetime
) -> Intake:
    assert actor.id is not None
    draft = await uow.drafts.take(draft_id, actor.id)
    if draft is None:
        raise StaleState("Этот черновик уже использован.")
    values = {LeadField(k): v for k, v in draft.fields.items()}
    return await create_lead(
        uow,
        values=values,
        source=LeadSource.OPENLINE,
        department_id=department_id,
        creator=actor,
        now=now,
    )


def _same_second(stored: datetime | None, agreed: datetime) -> bool:
    """The reminder's button carries whole seconds (a call planned before times were kept
    to the minute may have more)."""
    return stored is not None and int(stored.timestamp()) == int(agreed.timestamp())


async def called(
    uow: UnitOfWork, actor: Member, lead_id: int, agreed: datetime | None, now: datetime
) -> Lead:
    """R2.5: "Позвонил" on the reminder of the call agreed for `agreed`. A first call also
    starts the work (R2.15). A reminder of another time, or of none (the call was marked or
    dropped before it went out), changes nothing."""
    lead = await _edit(uow, actor, lead_id)
    if agreed is None or not _same_second(lead.next_contact_at, agreed):
        raise StaleState("Это напоминание устарело: звонок уже перенесён.")
    was = lead.status
    events = lead.mark_called(actor, now)
    await write_lead(uow, lead, events, was=was)
    if lead.status is not was:
        await timers.contacted(uow, lead, now)
    await timers.plan_call(uow, lead, now)
    return await publish(uow, lead, now)

"""Entities of the sales CRM: plain dataclasses, no framework imports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain import normalize
from domain.assignment import AssignMode
from domain.errors import InvalidInput, StaleState
from domain.statuses import FORWARD, STATUS_LABELS, LeadStatus, TransitionRefused, check_move


class Role(StrEnum):
    MANAGER = "manager"
    OFFICE_MANAGER = "office_manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MANAGER: "менеджер",
    Role.OFFICE_MANAGER: "офис-менеджер",
    Role.SUPERVISOR: "руководитель отдела",
    Role.ADMIN: "администратор",
}


class LeadSource(StrEnum):
    """Bitrix24's source ids, plus MANUAL for a lead typed into the bot (R2.3)."""

    CALL = "CALL"
    EMAIL = "EMAIL"
    WEB = "WEB"
    OPENLINE = "OPENLINE"
    OTHER = "OTHER"
    MANUAL = "MANUAL"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    LeadSource.CALL: "звонок",
    LeadSource.EMAIL: "e-mail",
    LeadSource.WEB: "сайт",
    LeadSource.OPENLINE: "мессенджер",
    LeadSource.OTHER: "другое",
    LeadSource.MANUAL: "вручную",
}


class JunkReason(StrEnum):
    """R2.16: why a lead is junk."""

    SPAM = "spam"
    NOT_TARGET = "not_target"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @property
    def label(self) -> str:
        return JUNK_LABELS[self]

    def text(self, detail: str | None = None) -> str:
        """The reason as the lead keeps it: its label, or for OTHER the member's own words."""
        if self is not JunkReason.OTHER:
            return self.label
        if not detail or not detail.strip():
            raise InvalidInput("junk_reason", "Напишите причину, по которой лид некачественный.")
        return normalize.plain_text(detail, "junk_reason", "Причина", 500)


JUNK_LABELS = {
    JunkReason.SPAM: "спам",
    JunkReason.NOT_TARGET: "нецелевой",
    JunkReason.DUPLICATE: "дубль",
    JunkReason.OTHER: "другое",
}


class SkipReason(StrEnum):
    """#14 §5: why a lead went from «Назначен» straight to «Обработан», its checklist
    (R2.6) skipped."""

    CLEAR = "clear"
    REPEAT = "repeat"
    NO_TALK = "no_talk"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SKIP_LABELS[self]

    def text(self, detail: str | None = None) -> str:
        """The reason as the history keeps it: its label, or for OTHER the member's words."""
        if self is not SkipReason.OTHER:
            return self.label
        if not detail or not detail.strip():
            raise InvalidInput("skip_reason", "Напишите, почему лид обработан без чек-листа.")
        return normalize.plain_text(detail, "skip_reason", "Причина", 500)


SKIP_LABELS = {
    SkipReason.CLEAR: "всё ясно из заявки",
    SkipReason.REPEAT: "повторный клиент",
    SkipReason.NO_TALK: "клиент не стал отвечать",
    SkipReason.OTHER: "другое",
}
CHECKLIST_REQUIRED = "В отделе лид обрабатывают только по чек-листу: нажмите «Чек-лист»."


@dataclass
class Department:
    name: str
    id: int | None = None


@dataclass
class Profile:
    """What a member fills in on joining (R1.2); values already normalised."""

    full_name: str
    phone: str
    email: str
    position: str


@dataclass
class Member:
    telegram_id: int
    full_name: str
    role: Role
    department_id: int | None
    phone: str | None = None
    email: str | None = None
    position: str | None = None
    active: bool = True
    created_at: datetime | None = None
    blocked_at: datetime | None = None  # he blocked the bot: nothing reaches him
    id: int | None = None

    def apply_profile(self, profile: Profile) -> None:
        self.full_name = profile.full_name
        self.phone = profile.phone
        self.email = profile.email
        self.position = profile.position


@dataclass
class Invitation:
    token: str
    role: Role
    department_id: int | None
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None
    id: int | None = None

    def refusal(self, now: datetime) -> str | None:
        """Why this invitation cannot be used now, or None when it can (R1.1)."""
        if self.used_at is not None:
            return "Это приглашение уже использовано. Попросите руководителя выслать новое."
        if now >= self.expires_at:
            return "Срок действия приглашения истёк. Попросите руководителя выслать новое."
        return None


@dataclass
class Lead:
    """A lead with every field of R2.5 and R2.7."""

    title: str
    source: LeadSource
    department_id: int
    created_at: datetime
    status: LeadStatus = LeadStatus.NEW
    status_changed_at: datetime | None = None
    title_is_auto: bool = False
    company_name: str | None = None
    contact_name: str | None = None
    contact_last_name: str | None = None
    position: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    address: str | None = None
    comment: str | None = None
    external_id: str | None = None
    responsible_id: int | None = None
    creator_id: int | None = None
    assigned_by_id: int | None = None
    assigned_at: datetime | None = None
    assigned_how: AssignMode | None = None  # the bot chose him, so (#14 §6); None: a person
    notified_at: datetime | None = None  # R2.15: his card reached him (or failed for good)
    first_contact_at: datetime | None = None
    next_contact_at: datetime | None = None
    junk_reason: str | None = None
    checklist_answers: dict[str, Any] = field(default_factory=dict)
    checklist_id: int | None = None
    checklist_cursor: int | None = None
    deal_id: int | None = None
    version: int = 0  # what storage had when this was read; a write checks it
    id: int | None = None

    # Behaviour (R2.9-R2.16). Each method checks its rule, changes the lead and returns the
    # lines of history (R2.8) to record; it reads no clock and writes nothing. Who may ask
    # for it is the use case's question (domain/permissions.py), as is whether the button
    # pressed is stale.

    def move_to(
        self, status: LeadStatus, actor: Member, now: datetime, *, may_move_back: bool = False
    ) -> list[Event]:
        """R2.9, R2.10: another open stage; skipping ahead is allowed, going back only when
        `may_move_back` (a supervisor's correction). A lead leaves «Не обработан» by
        `assign` (R2.11) and ends by `convert` or `mark_junk`, which carry their deal or
        reason. A move forward into work means the client was contacted (R2.15)."""
        if status.is_final:
            raise InvalidInput(
                "status", "Для этого есть кнопки «Конвертировать» и «Некачественный»."
            )
        if self.status is LeadStatus.NEW and status is LeadStatus.ASSIGNED:
            raise TransitionRefused("Из «Не обработан» лид выводит назначение ответственного.")
        check_move(self.status, status, may_move_back=may_move_back)
        forward = status in FORWARD[self.status]
        events = [self._enter(status, actor, now)]
        if forward and self.first_contact_at is None:
            self.first_contact_at = now
        return events

    def assign(
        self,
        manager: Member,
        by: Member | None,
        now: datetime,
        *,
        previous: Member | None = None,
        how: AssignMode | None = None,
    ) -> list[Event]:
        """R2.11: `manager` becomes the responsible, named by `by`, or by the bot (`by` None)
        in the department's mode `how` (#14 §6). A lead in «Не обработан» moves to «Назначен
        ответственный»; an open lead further on changes hands (`previous` held it) and keeps
        its stage. Either way R2.15's clock starts again: his card has not reached him yet."""
        first = self.status is LeadStatus.NEW
        if self.status.is_final:
            raise TransitionRefused(
                f"Лид уже закрыт («{self.status.label}»): ответственного не сменить."
            )
        if not (
            manager.active
            and manager.department_id == self.department_id
            and manager.role in ASSIGNABLE_ROLES
        ):
            raise InvalidInput("responsible", NOT_ASSIGNABLE)
        if not first and manager.id == self.responsible_id:
            raise InvalidInput("responsible", f"{manager.full_name} уже отвечает за этот лид.")
        if first:
            events = [
                Event.of(by, now, "assigned", "responsible", None, manager.full_name),
                self._enter(LeadStatus.ASSIGNED, by, now),
            ]
        else:
            was = previous.full_name if previous is not None else "никто"
            events = [Event.of(by, now, "reassigned", "responsible", was, manager.full_name)]
        self.responsible_id = manager.id
        self.assigned_by_id = by.id if by is not None else None
        self.assigned_how = how if by is None else None
        self.assigned_at = now
        self.notified_at = None
        return events

    def mark_junk(
        self, reason: JunkReason, actor: Member, now: datetime, *, detail: str | None = None
    ) -> list[Event]:
        """R2.16: the lead ends as junk, from any open stage, with its reason (OTHER: in the
        member's words)."""
        text = reason.text(detail)
        check_move(self.status, LeadStatus.JUNK, may_move_back=False, reason=text)
        events = [self._enter(LeadStatus.JUNK, actor, now)]
        self.junk_reason = text
        events.append(Event.of(actor, now, "junk", "junk_reason", None, text))
        return events

    def convert(self, deal: Deal, company: Company, actor: Member, now: datetime) -> list[Event]:
        """R2.12, R2.13: the lead ends converted into `deal` (stored already) of `company`."""
        assert deal.id is not None
        self.check_convert()
        events = [self._enter(LeadStatus.CONVERTED, actor, now)]
        self.deal_id = deal.id
        events.append(
            Event.of(actor, now, "converted", "deal", None, f"сделка #{deal.id}, {company.name}")
        )
        return events

    def check_convert(self) -> None:
        """Raise TransitionRefused unless the lead may convert now: asked before its deal,
        contact and company are made."""
        check_move(self.status, LeadStatus.CONVERTED, may_move_back=False)

    def process_without_checklist(
        self,
        reason: SkipReason,
        actor: Member,
        now: datetime,
        *,
        detail: str | None = None,
        required: bool = False,
    ) -> list[Event]:
        """#14 §5: straight from «Назначен» to «Обработан», the checklist skipped (R2.6):
        with the reason why in the history; refused where the department `required` the
        checklist. The client was contacted (R2.15)."""
        if self.status is not LeadStatus.ASSIGNED:
            raise TransitionRefused(f"Лид уже в статусе «{self.status.label}».")
        if required:
            raise TransitionRefused(CHECKLIST_REQUIRED)
        text = reason.text(detail)
        events = self.move_to(LeadStatus.PROCESSED, actor, now)
        events.append(Event.of(actor, now, "skipped", "checklist", None, text))
        return events

    def note(self, text: str, actor: Member, now: datetime) -> list[Event]:
        """#14 §5: a note on the lead's timeline, with its author and time (R2.8); the
        client's own text (`comment`) stays as it came."""
        note = normalize.plain_text(text, "note", "Заметка", NOTE_LIMIT, lines=True)
        return [Event.of(actor, now, NOTE, None, None, note)]

    def mark_called(self, actor: Member, now: datetime) -> list[Event]:
        """R2.5: the agreed call was made; no call is agreed any more. A first call starts
        the work (R2.15)."""
        if self.status.is_final:
            raise TransitionRefused(f"Лид уже закрыт («{self.status.label}»): изменить его нельзя.")
        events = [Event.of(actor, now, "called")]
        self.next_contact_at = None
        if self.status is LeadStatus.ASSIGNED:
            events += self.move_to(LeadStatus.IN_PROCESS, actor, now)
        return events

    def undo(self, move: StatusMove | None, actor: Member, now: datetime) -> list[Event]:
        """#14 §5: the member who moved the lead takes his move back within UNDO_WINDOW:
        the lead is again as it was in the status it left (no junk reason; not contacted,
        if this move was the first contact, R2.15). Later only a supervisor moves a lead
        back (R2.10), and junk stays junk."""
        if move is None or move.to is not self.status or not move.undoable_by(actor, now):
            raise StaleState(UNDO_LATE)
        if move.to is LeadStatus.JUNK:
            self.junk_reason = None
        made_contact = self.first_contact_at == move.at and self.created_at != move.at
        if move.was is LeadStatus.ASSIGNED and made_contact:
            self.first_contact_at = None
        self.status = move.was
        self.status_changed_at = now
        return [Event.of(actor, now, "undone", "status", move.to.label, move.was.label)]

    def _enter(self, status: LeadStatus, actor: Member | None, now: datetime) -> Event:
        old = self.status
        self.status = status
        self.status_changed_at = now
        return Event.of(actor, now, "status", "status", old.label, status.label)


# #14 §5: a note is a line of the lead's history of this kind.
NOTE = "note"
NOTE_LIMIT = 2000

# #14 §5: how long the member who moved a lead may take the move back himself.
UNDO_WINDOW = timedelta(seconds=30)
UNDO_LATE = "Отменить уже нельзя: прошло больше 30 секунд."
_STATUS_BY_LABEL = {label: status for status, label in STATUS_LABELS.items()}


@dataclass(frozen=True)
class StatusMove:
    """A lead's last status move as its history (R2.8) holds it: who, when, from, to."""

    actor_id: int | None
    at: datetime
    was: LeadStatus
    to: LeadStatus

    @classmethod
    def last(cls, newest_first: Iterable[LeadEvent]) -> StatusMove | None:
        """The newest status move of a history, if it may ever be taken back: not an
        assignment (it leaves «Не обработан»), not a conversion (its deal is made), not
        an undo itself."""
        for event in newest_first:
            if event.field_name != "status":
                continue
            if event.kind != "status" or event.actor_id is None:
                return None
            was = _STATUS_BY_LABEL.get(event.old_value or "")
            to = _STATUS_BY_LABEL.get(event.new_value or "")
            if was in (None, LeadStatus.NEW) or to in (None, LeadStatus.CONVERTED):
                return None
            assert was is not None and to is not None
            return cls(event.actor_id, event.at, was, to)
        return None

    def undoable_by(self, member: Member, now: datetime) -> bool:
        return member.id == self.actor_id and self.at <= now < self.at + UNDO_WINDOW


# Who may hold a lead (R2.11): an active manager of its department.
ASSIGNABLE_ROLES = (Role.MANAGER,)
NOT_ASSIGNABLE = "Этого сотрудника нельзя назначить: выберите другого."


@dataclass(frozen=True)
class Event:
    """One line of history (R2.8) as a behaviour returns it: who, when, what, the old and
    the new value as shown. `domain.services.history.record` writes it for its subject (a
    lead now; a deal and a task next)."""

    at: datetime
    actor_id: int | None
    kind: str
    field_name: str | None = None
    old_value: str | None = None
    new_value: str | None = None

    @classmethod
    def of(
        cls,
        actor: Member | None,
        at: datetime,
        kind: str,
        field_name: str | None = None,
        old: object = None,
        new: object = None,
    ) -> Event:
        return cls(
            at,
            actor.id if actor else None,
            kind,
            field_name,
            None if old is None else str(old),
            None if new is None else str(new),
        )


@dataclass
class LeadEvent:
    """One line of a lead's history (R2.8): who, when, what, old and new value."""

    lead_id: int
    at: datetime
    actor_id: int | None
    kind: str
    field_name: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    id: int | None = None


@dataclass
class Company:
    name: str
    department_id: int | None = None
    address: str | None = None
    website: str | None = None
    created_at: datetime | None = None
    id: int | None = None


@dataclass
class Contact:
    full_name: str
    company_id: int | None = None
    phone: str | None = None
    email: str | None = None
    position: str | None = None
    created_at: datetime | None = None
    id: int | None = None


class DealStageKind(StrEnum):
    OPEN = "open"
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class DealStage:
    code: str
    label: str
    kind: DealStageKind


# Bitrix24's default deal stages (domain-rules.md, R3.2).
DEFAULT_DEAL_STAGES: tuple[DealStage, ...] = (
    DealStage("NEW", "Новая", DealStageKind.OPEN),
    DealStage("PREPARATION", "Подготовка документов", DealStageKind.OPEN),
    DealStage("PREPAYMENT_INVOICE", "Счёт на предоплату", DealStageKind.OPEN),
    DealStage("EXECUTING", "В работе", DealStageKind.OPEN),
    DealStage("FINAL_INVOICE", "Финальный счёт", DealStageKind.OPEN),
    DealStage("WON", "Сделка успешна", DealStageKind.SUCCESS),
    DealStage("LOSE", "Сделка провалена", DealStageKind.FAILURE),
)


@dataclass
class Deal:
    title: str
    department_id: int
    pipeline_id: int
    stage: str
    created_at: datetime
    responsible_id: int | None = None
    company_id: int | None = None
    contact_id: int | None = None
    checklist_answers: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass
class Pipeline:
    """A deal pipeline (направление) of a department, with its stages (R3.3)."""

    department_id: int
    name: str
    is_default: bool = True
    stages: tuple[str, ...] = tuple(stage.code for stage in DEFAULT_DEAL_STAGES)
    id: int | None = None


class SubjectKind(StrEnum):
    """What the bot tracks: each has a live card, timers and notifications. A new kind adds
    a loader (domain/services/subjects.py), a card renderer (handlers/cards.py) and the
    firing rules of its timers (domain/services/timers.py)."""

    LEAD = "lead"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: int

    @classmethod
    def lead(cls, lead_id: int) -> Subject:
        return cls(SubjectKind.LEAD, lead_id)

    @classmethod
    def escalation(cls, escalation_id: int) -> Subject:
        return cls(SubjectKind.ESCALATION, escalation_id)


class NotificationKind(StrEnum):
    CARD = "card"  # draw the subject's card for the member: edit his copy, or send one
    TEXT = "text"  # a message, optionally with a button to the subject's card
    CALL = "call"  # R2.5: time to call, with "Позвонил" and "Перенести"


@dataclass
class Notification:
    """An outgoing message, written in the transaction of the change that causes it."""

    member_id: int
    kind: NotificationKind
    created_at: datetime
    subject: Subject | None = None
    text: str | None = None
    fresh: bool = False  # CARD: send a new message instead of editing the old one
    id: int | None = None


@dataclass(frozen=True)
class Press:
    """The message a member pressed a button on, given to the use case the press calls: if
    it is his live card of the subject and nothing else of it is on its way to him, the
    change leaves its redraw to the press's answer instead of the outbox
    (`live_cards.left_to_press` tells the handler, after the commit)."""

    member_id: int
    message_id: int


@dataclass
class LeadDraft:
    """A lead offered from a forwarded message or a shared contact, before it is created."""

    member_id: int
    fields: dict[str, str]
    created_at: datetime
    id: int | None = None


class TimerKind(StrEnum):
    CONTACT_REMINDER = "contact_reminder"  # R2.15: a third of the time left
    CONTACT_BREACH = "contact_breach"  # R2.15: no first contact in time
    PROCESSING_BREACH = "processing_breach"  # R2.2: the lead is still open
    UNASSIGNED = "unassigned"  # R2.14: waiting in the pool too long
    CALL_REMINDER = "call_reminder"  # R2.5: the agreed next call


@dataclass
class Timer:
    kind: TimerKind
    subject: Subject
    department_id: int
    due_at: datetime
    created_at: datetime
    member_id: int | None = None
    fired_at: datetime | None = None
    cancelled_at: datetime | None = None
    id: int | None = None


class Rule(StrEnum):
    CONTACT = "R2.15"
    PROCESSING = "R2.2"
    POOL = "R2.14"

    @property
    def label(self) -> str:
        """What happened, in words a person uses: rule ids never reach users."""
        return RULE_LABELS[self]

    @classmethod
    def words(cls, stored: str) -> str:
        """A rule id stored in a row (a penalty, a history entry), as words; anything else
        as it is."""
        try:
            return cls(stored).label
        except ValueError:
            return stored


RULE_LABELS = {
    Rule.CONTACT: "не связался с клиентом вовремя",
    Rule.PROCESSING: "лид не обработан в срок",
    Rule.POOL: "лиды ждут назначения дольше срока",
}


@dataclass
class Escalation:
    rule: Rule
    department_id: int
    due_at: datetime
    detected_at: datetime
    lead_id: int | None = None
    lead_ids: list[int] = field(default_factory=list)
    responsible_id: int | None = None
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    resolution: str | None = None
    reminded_at: datetime | None = None  # #14 §5: once, and the breach still stands
    reminded_by: int | None = None
    penalized_at: datetime | None = None  # once, now or after the breach is resolved
    penalized_by: int | None = None
    id: int | None = None


class Remedy(StrEnum):
    """What a supervisor does about a breach that leaves the other remedies open."""

    REMINDED = "reminded"
    PENALIZED = "penalized"


def escalation_card(member_id: int, escalation: Escalation, now: datetime) -> Notification:
    """The escalation's card for one supervisor: sent, or edited where he holds it."""
    assert escalation.id is not None
    return Notification(member_id, NotificationKind.CARD, now, Subject.escalation(escalation.id))


@dataclass
class Penalty:
    member_id: int
    department_id: int
    rule: str
    comment: str
    created_by: int
    created_at: datetime
    lead_id: int | None = None
    escalation_id: int | None = None
    id: int | None = None

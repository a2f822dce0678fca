"""Walking a lead's checklist (R2.6, R2.7, R2.9): every answer saved the moment it is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.checklist import (
    FIELDS,
    Checklist,
    ChecklistInvalid,
    Kind,
    Question,
    answer_text,
    default_checklist,
    lead_field_of,
    load_file,
    parse_answer,
)
from domain.errors import InvalidInput, StaleState
from domain.model import Event, Lead, Member
from domain.permissions import Action, require
from domain.ports import UnitOfWork
from domain.services import timers
from domain.services.leads import load_lead, publish, save_lead, write_lead
from domain.statuses import LeadStatus

MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Step:
    """Where a walk stands: the lead, its checklist, the question index (len: the summary)."""

    lead: Lead
    checklist: Checklist
    index: int

    @property
    def question(self) -> Question | None:
        questions = self.checklist.questions
        return questions[self.index] if self.index < len(questions) else None

    @property
    def held(self) -> Any:
        """The value the lead already holds in the current question's field, as an answer."""
        return None if self.question is None else held(self.question, self.lead)


def held(question: Question, lead: Lead) -> Any:
    """What the lead holds in the field `question` fills (its company, e-mail, phone, next
    contact), as that question's answer is stored; None when the field is empty or the
    question fills none."""
    if question.field is None:
        return None
    value = getattr(lead, FIELDS[question.field][0])
    if value in (None, ""):
        return None
    return value.isoformat() if isinstance(value, datetime) else value


async def ensure_default(uow: UnitOfWork, now: datetime) -> None:
    """At the first start the shipped checklist goes into the database."""
    if not await uow.checklists.has_default():
        await uow.checklists.add(default_checklist(), now, None)
        await uow.commit()


async def _lead(uow: UnitOfWork, actor: Member, lead_id: int) -> Lead:
    lead = await load_lead(uow, lead_id)
    require(actor, Action.WORK_LEAD, lead=lead)
    if lead.status.is_final:
        raise StaleState(f"Лид уже закрыт («{lead.status.label}»).")
    if lead.status is LeadStatus.NEW:
        raise InvalidInput("checklist", "Сначала назначьте ответственного.")
    return lead


async def _checklist_of(uow: UnitOfWork, lead: Lead) -> Checklist:
    checklist = None
    if lead.checklist_id is not None:
        checklist = await uow.checklists.get(lead.checklist_id)
    if checklist is None:
        checklist = await uow.checklists.active_for(lead.department_id)
    if checklist is None:
        raise InvalidInput("checklist", "Чек-лист не настроен.")
    return checklist


STALE = "Лид только что изменился: откройте чек-лист заново."


async def _save(uow: UnitOfWork, lead: Lead, now: datetime, events: list[Event]) -> None:
    await save_lead(uow, lead, now, events, stale=STALE)


async def start(uow: UnitOfWork, actor: Member, lead_id: int, now: datetime) -> Step:
    """Begin or resume: a lead keeps the checklist version it was started with. An assigned
    lead goes into work first, as «В работу» would take it: the manager is talking to the
    client, and R2.15's first contact is stamped (#14 §2)."""
    lead = await _lead(uow, actor, lead_id)
    checklist = await _checklist_of(uow, lead)
    was = lead.status
    events = []
    if was is LeadStatus.ASSIGNED:
        events += lead.move_to(LeadStatus.IN_PROCESS, actor, now)
    if lead.checklist_id != checklist.id:
        lead.checklist_id = checklist.id
        events.append(Event.of(actor, now, "checklist_started", None, None, checklist.name))
    index = lead.checklist_cursor or 0
    if index == 0 and lead.checklist_answers:
        index = checklist.next_open(lead.checklist_answers)
    lead.checklist_cursor = min(index, len(checklist.questions))
    await write_lead(uow, lead, events, was=was, stale=STALE)
    if was is LeadStatus.ASSIGNED:
        await timers.contacted(uow, lead, now)
    await publish(uow, lead, now)
    return Step(lead, checklist, lead.checklist_cursor)


async def current(uow: UnitOfWork, actor: Member, lead_id: int) -> Step:
    lead = await _lead(uow, actor, lead_id)
    checklist = await _checklist_of(uow, lead)
    return Step(lead, checklist, min(lead.checklist_cursor or 0, len(checklist.questions)))


def _expect(step: Step, index: int) -> Question:
    if step.index != index or step.question is None:
        raise StaleState("Этот вопрос уже позади: вот текущий.")
    return step.question


def _fill_field(
    actor: Member, lead: Lead, question: Question, value: Any, now: datetime
) -> list[Event]:
    """The lead field an answer fills; the value it replaces stays in the history (R2.8)."""
    assert question.field is not None
    attribute = FIELDS[question.field][0]
    old = getattr(lead, attribute)
    new = datetime.fromisoformat(value) if question.kind is Kind.DATETIME else value
    if old == new:
        return []
    setattr(lead, attribute, new)
    if isinstance(new, datetime):
        was = old.isoformat() if old else None
        return [Event.of(actor, now, "next_contact", attribute, was, new.isoformat())]
    field = lead_field_of(question)
    assert field is not None
    return [Event.of(actor, now, "field", field.value, old, new)]


async def _store(
    uow: UnitOfWork,
    actor: Member,
    step: Step,
    question: Question,
    value: Any,
    now: datetime,
    zone: ZoneInfo,
) -> Step:
    lead = step.lead
    old = lead.checklist_answers.get(question.key)
    lead.checklist_answers = {**lead.checklist_answers, question.key: value}
    events = []
    field_changed = False
    if question.field is not None and value not in (None, []):
        events += _fill_field(actor, lead, question, value, now)
        field_changed = bool(events)
    # On to the next question not met yet: after «Назад» or «Изменить» the walk does not
    # lead again through the answers given after this one.
    lead.checklist_cursor = step.checklist.next_open(lead.checklist_answers, step.index)
    was = None if old is None else answer_text(question, old, zone)
    answer = answer_text(question, value, zone)
    events.append(Event.of(actor, now, "checklist", question.key, was, answer))
    await write_lead(uow, lead, events, stale=STALE)
    if question.field == "next_contact" and field_changed:
        await timers.plan_call(uow, lead, now)  # R2.5: the reminder comes from this row
    await publish(uow, lead, now)
    return Step(lead, step.checklist, lead.checklist_cursor)


async def answer(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    index: int,
    raw: str,
    now: datetime,
    zone: ZoneInfo,
) -> Step:
    step = await current(uow, actor, lead_id)
    question = _expect(step, index)
    value = parse_answer(question, raw, now, zone)
    return await _store(uow, actor, step, question, value, now, zone)


async def choose(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    index: int,
    choices: list[int],
    now: datetime,
    zone: ZoneInfo,
) -> Step:
    """An answer given with buttons: one choice, yes/no, or the toggled set of a multi."""
    step = await current(uow, actor, lead_id)
    question = _expect(step, index)
    labels = question.choice_labels
    if not labels or any(not 0 <= c < len(labels) for c in choices):
        raise StaleState("Эта кнопка устарела.")
    if question.kind is Kind.MULTI:
        if not choices and question.required:
            raise InvalidInput(question.key, "Отметьте хотя бы один вариант.")
        value: Any = [labels[c] for c in sorted(set(choices))]
    elif len(choices) != 1:
        raise StaleState("Эта кнопка устарела.")
    else:
        value = labels[choices[0]]
    return await _store(uow, actor, step, question, value, now, zone)


async def _pass(uow: UnitOfWork, step: Step, now: datetime) -> Step:
    """On past a question whose answer stays as it is."""
    lead = step.lead
    lead.checklist_cursor = step.checklist.next_open(lead.checklist_answers, step.index)
    await _save(uow, lead, now, [])
    return Step(lead, step.checklist, lead.checklist_cursor)


async def skip(
    uow: UnitOfWork, actor: Member, lead_id: int, index: int, now: datetime, zone: ZoneInfo
) -> Step:
    step = await current(uow, actor, lead_id)
    question = _expect(step, index)
    if question.key in step.lead.checklist_answers:  # met before: «Пропустить» keeps it
        return await _pass(uow, step, now)
    if question.required:
        raise InvalidInput(question.key, "Это обязательный вопрос: его не пропустить.")
    return await _store(uow, actor, step, question, None, now, zone)


async def keep(
    uow: UnitOfWork, actor: Member, lead_id: int, index: int, now: datetime, zone: ZoneInfo
) -> Step:
    """«Оставить» on a question whose field the lead holds: that value is the answer (#14 §3),
    the field stays as it is."""
    step = await current(uow, actor, lead_id)
    question = _expect(step, index)
    value = step.held
    if value is None:
        raise StaleState("В карточке этого уже нет: ответьте на вопрос.")
    if step.lead.checklist_answers.get(question.key) == value:
        return await _pass(uow, step, now)
    return await _store(uow, actor, step, question, value, now, zone)


async def go_to(uow: UnitOfWork, actor: Member, lead_id: int, index: int, now: datetime) -> Step:
    """ "Назад" and "Изменить": the walk stands at question `index` again."""
    step = await current(uow, actor, lead_id)
    if not 0 <= index <= len(step.checklist.questions):
        raise StaleState("Эта кнопка устарела.")
    step.lead.checklist_cursor = index
    await _save(uow, step.lead, now, [])
    return Step(step.lead, step.checklist, index)


async def finish(uow: UnitOfWork, actor: Member, lead_id: int, now: datetime) -> Lead:
    """ "Готово": every required answer given, the lead moves to PROCESSED (R2.9)."""
    step = await current(uow, actor, lead_id)
    missing = step.checklist.missing_required(step.lead.checklist_answers)
    if missing:
        names = "; ".join(q.text for q in missing[:5])
        raise InvalidInput("checklist", f"Не заполнены обязательные вопросы: {names}")
    lead = step.lead
    was = lead.status
    events = [] if was is LeadStatus.PROCESSED else lead.move_to(LeadStatus.PROCESSED, actor, now)
    events.append(Event.of(actor, now, "checklist_done", None, None, step.checklist.name))
    await write_lead(uow, lead, events, was=was, stale=STALE)
    if was is LeadStatus.ASSIGNED:
        await timers.contacted(uow, lead, now)
    return await publish(uow, lead, now)


async def replace_checklist(
    uow: UnitOfWork, actor: Member, content: bytes, filename: str, now: datetime
) -> Checklist:
    """A supervisor's file becomes his department's checklist; a bad one changes nothing."""
    require(actor, Action.CHANGE_SETTINGS, department_id=actor.department_id)
    if actor.department_id is None:
        raise InvalidInput("checklist", "Чек-лист меняют для отдела: у вас отдела нет.")
    if len(content) > MAX_FILE_BYTES:
        raise ChecklistInvalid([f"файл больше {MAX_FILE_BYTES // 1024} КБ"])
    checklist = load_file(content, filename)
    checklist = Checklist(checklist.name, checklist.questions, actor.department_id)
    saved = await uow.checklists.add(checklist, now, actor.id)
    await uow.commit()
    return saved

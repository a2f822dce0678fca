"""The checklist as a conversation: one question a message, buttons where possible (R2.6).

The walk's place is a row (the lead's checklist cursor) and the FSM state says which lead a
member is walking; both survive a restart. Pause keeps the place; a press on another lead's
card pauses the walk and offers to resume.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import Command, CommandObject, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)

from bot.settings import Settings
from domain.checklist import BUTTON_KINDS, Kind, answer_text
from domain.errors import InvalidInput, StaleState, WrittenMeanwhile
from domain.model import Member
from domain.ports import Clock, UnitOfWork
from domain.services import checklist as walk
from handlers.answers import answering
from handlers.callbacks import ChecklistAction, ChecklistCb, LeadAction, LeadCb
from handlers.filters import HasText, IsMember
from handlers.replies import edit_markup, message_of
from handlers.states import ChecklistForm
from handlers.texts import clipped, counted, visible_length

CHECKLIST_FILES = (".yaml", ".yml", ".json")
SUMMARY_LIMIT = 4000


def _b(
    text: str, action: ChecklistAction, lead_id: int, index: int = 0, choice: int = 0
) -> InlineKeyboardButton:
    data = ChecklistCb(action=action, id=lead_id, index=index, choice=choice)
    return InlineKeyboardButton(text=text[:64], callback_data=data.pack())


C = ChecklistAction


NOW_SHOWN = 300  # UTF-16 units of the answer given before, shown under its question


def question_view(
    step: walk.Step, selected: list[int], zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    question = step.question
    assert question is not None and step.lead.id is not None
    lead_id, i = step.lead.id, step.index
    total = len(step.checklist.questions)
    mark = " <i>(обязательный)</i>" if question.required else ""
    text = (
        f"Чек-лист лида #{lead_id} · вопрос {i + 1}/{total}\n<b>{escape(question.text)}</b>{mark}"
    )
    met = question.key in step.lead.checklist_answers  # answered or skipped before
    if met:
        given = answer_text(question, step.lead.checklist_answers[question.key], zone)
        # A comment may be 4000 long: the question must fit.
        text += f"\nСейчас: {escape(clipped(given, NOW_SHOWN))}"
    rows: list[list[InlineKeyboardButton]] = []
    labels = question.choice_labels
    if question.kind is Kind.MULTI:
        rows += [
            [_b(("✅ " if n in selected else "◻️ ") + label, C.TOGGLE, lead_id, i, n)]
            for n, label in enumerate(labels)
        ]
        rows.append([_b("Готово", C.MULTI_DONE, lead_id, i)])
    elif labels:
        rows += [[_b(label, C.CHOOSE, lead_id, i, n)] for n, label in enumerate(labels)]
    else:
        text += "\nНапишите ответ сообщением."
    nav = []
    if met:  # «Назад» or «Изменить» came here: the answer may stay as it is
        nav.append(_b("Оставить", C.SKIP, lead_id, i))
    elif not question.required:
        nav.append(_b("Пропустить", C.SKIP, lead_id, i))
    if i > 0:
        nav.append(_b("Назад", C.BACK, lead_id, i))
    nav += [_b("Пауза", C.PAUSE, lead_id, i), _b("Отмена", C.CANCEL, lead_id, i)]
    rows.append(nav)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def summary_view(step: walk.Step, settings: Settings) -> tuple[str, InlineKeyboardMarkup]:
    lead_id = step.lead.id or 0
    answers = step.lead.checklist_answers
    lines = [f"<b>Чек-лист лида #{lead_id}: итог</b>"]
    rows = []
    for n, question in enumerate(step.checklist.questions):
        value = escape(answer_text(question, answers.get(question.key), settings.zone))
        lines.append(f"{n + 1}. {escape(question.text)} — {value}")
        rows.append(_b(f"Изменить {n + 1}", C.EDIT, lead_id, n))
    missing = step.checklist.missing_required(answers)
    if missing:
        lines.append(
            "⚠️ Не заполнены обязательные: "
            + ", ".join(str(step.checklist.index_of(q.key) + 1) for q in missing)
        )
    keyboard = [rows[k : k + 4] for k in range(0, len(rows), 4)]
    keyboard.append([_b("✅ Готово", C.FINISH, lead_id), _b("Пауза", C.PAUSE, lead_id)])
    while visible_length("\n".join(lines)) > SUMMARY_LIMIT and len(lines) > 2:
        del lines[-2 if missing else -1]  # whole lines go, the warning stays
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=keyboard)


async def show(
    message: Message,
    step: walk.Step,
    state: FSMContext,
    settings: Settings,
    selected: list[int] | None = None,
) -> None:
    """Ask the current question (or show the summary) and remember the walk in the FSM."""
    question = step.question
    if selected is None and question is not None and question.kind is Kind.MULTI:
        saved = step.lead.checklist_answers.get(question.key) or []
        selected = [n for n, label in enumerate(question.choice_labels) if label in saved]
    await state.set_state(ChecklistForm.answer)
    await state.set_data({"lead_id": step.lead.id, "index": step.index, "selected": selected or []})
    if question is None:
        text, keyboard = summary_view(step, settings)
    else:
        text, keyboard = question_view(step, selected or [], settings.zone)
    await message.answer(text, reply_markup=keyboard)


def resume_keyboard(lead_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_b("▶️ Продолжить чек-лист", C.RESUME, lead_id)]])


async def pause_other(
    state: FSMContext, raw_state: str | None, lead_id: int, message: Message
) -> None:
    """A press on another lead's card while walking a checklist: the walk is paused.
    `raw_state` is the state aiogram read for this update (a member's updates are handled
    one at a time, so it is current)."""
    if raw_state != ChecklistForm.answer.state:
        return
    walking = (await state.get_data()).get("lead_id")
    if walking is None or walking == lead_id:
        return
    await state.clear()
    await message.answer(
        f"Чек-лист лида #{walking} на паузе.", reply_markup=resume_keyboard(int(walking))
    )


async def start_command(
    message: Message,
    command: CommandObject,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> None:
    args = (command.args or "").strip().lstrip("#")
    if not (args.isascii() and args.isdigit() and len(args) <= 9):
        raise InvalidInput("lead", "Напишите номер лида: /checklist 12")
    step = await walk.start(uow, member, int(args), clock.now())
    await show(message, step, state, settings)


async def start_from_card(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> None:
    step = await walk.start(uow, member, callback_data.id, clock.now())
    await show(message_of(query), step, state, settings)
    await query.answer()


async def typed_answer(
    message: Message,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> None:
    data = await state.get_data()
    lead_id = int(data["lead_id"])
    async with answering(state, uow):
        step = await walk.current(uow, member, lead_id)
    if step.index != data.get("index", step.index):
        # The lead's place moved (someone else walks it too): ask what stands there now.
        await message.answer("Чек-лист этого лида сдвинулся: вот текущий вопрос.")
        await show(message, step, state, settings)
        return
    if step.question is None:
        raise InvalidInput("checklist", "Все вопросы пройдены: нажмите «Готово» или «Изменить».")
    if step.question.kind in BUTTON_KINDS:
        raise InvalidInput(step.question.key, "На этот вопрос ответьте кнопкой под ним.")
    question = step.question
    async with answering(state, uow):
        try:
            step = await walk.answer(
                uow, member, lead_id, step.index, message.text or "", clock.now(), settings.zone
            )
        except WrittenMeanwhile:
            raise
        except StaleState:  # the walk moved on meanwhile (someone else walks it too)
            await uow.rollback()
            step = await walk.current(uow, member, lead_id)  # or the lead did: closed
            await message.answer("Этот вопрос уже позади: вот текущий.")
            await show(message, step, state, settings)
            return
    shown = answer_text(question, step.lead.checklist_answers.get(question.key), settings.zone)
    await message.answer(f"Записал: {escape(shown)}")
    await show(message, step, state, settings)


async def resume(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    raw_state: str | None,
    clock: Clock,
    settings: Settings,
) -> None:
    """«Продолжить»: a paused walk resumed where it stopped (another one paused)."""
    message = message_of(query)
    await pause_other(state, raw_state, callback_data.id, message)
    step = await walk.start(uow, member, callback_data.id, clock.now())
    await edit_markup(query, None)
    await show(message, step, state, settings)
    await query.answer()


class Walking(Filter):
    """The member walks the checklist of the button's lead now (the FSM names the lead); the
    walk's FSM data goes to the handler as `walk_data`."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: ChecklistCb,
        state: FSMContext,
        raw_state: str | None,
    ) -> bool | dict[str, Any]:
        if raw_state != ChecklistForm.answer.state:
            return False
        data = await state.get_data()
        return {"walk_data": data} if data.get("lead_id") == callback_data.id else False


async def paused(
    query: CallbackQuery, callback_data: ChecklistCb, member: Member, uow: UnitOfWork
) -> None:
    """A button of a walk the member is not on now: it is offered to resume."""
    message = message_of(query)
    await walk.current(uow, member, callback_data.id)  # his own open lead, or he is told why not
    await uow.rollback()
    await query.answer("Этот чек-лист на паузе: нажмите «Продолжить».", show_alert=True)
    await message.answer(
        f"Чек-лист лида #{callback_data.id}.", reply_markup=resume_keyboard(callback_data.id)
    )


MOVED_ON = "Этот вопрос уже позади: вот текущий."


class StepPress(BaseMiddleware):
    """Around a press on the walk's question (the handlers registered with the `walk_step`
    flag): when the walk moved on meanwhile (someone else walks the lead too), nothing is
    half-written and the current question is shown. The handler returns the answer to the
    press."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not get_flag(data, "walk_step"):
            return await handler(event, data)
        assert isinstance(event, CallbackQuery)
        message = message_of(event)
        uow: UnitOfWork = data["uow"]
        try:
            note = await handler(event, data)
        except StaleState:
            await uow.rollback()  # nothing half-written, and no write lock held past here
            await event.answer(MOVED_ON, show_alert=True)
            lead_id = data["callback_data"].id
            step = await walk.current(uow, data["member"], lead_id)
            await show(message, step, data["state"], data["settings"])
            return None
        await event.answer(note)
        return None


STEP = {"walk_step": True}


async def toggle(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    walk_data: dict[str, Any],
    settings: Settings,
) -> str:
    """A choice of a multiple-choice question marked or unmarked; MULTI_DONE saves them."""
    cb = callback_data
    selected = set(walk_data.get("selected", [])) ^ {cb.choice}
    step = await walk.current(uow, member, cb.id)
    if step.index != cb.index or step.question is None:
        raise StaleState(MOVED_ON)
    await state.update_data(selected=sorted(selected))
    await edit_markup(query, question_view(step, sorted(selected), settings.zone)[1])
    return ""


async def pause(query: CallbackQuery, callback_data: ChecklistCb, state: FSMContext) -> str:
    await state.clear()
    await edit_markup(query, None)
    await message_of(query).answer(
        f"Чек-лист лида #{callback_data.id} на паузе. Ответы сохранены.",
        reply_markup=resume_keyboard(callback_data.id),
    )
    return "Пауза"


async def cancel(query: CallbackQuery, callback_data: ChecklistCb, state: FSMContext) -> str:
    await state.clear()
    await edit_markup(query, None)
    await message_of(query).answer(
        f"Чек-лист лида #{callback_data.id} закрыт; данные ответы сохранены."
    )
    return "Отменено"


async def finish(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
) -> str:
    """The summary's «Готово»: the lead is processed, and conversion offered."""
    lead = await walk.finish(uow, member, callback_data.id, clock.now())
    await state.clear()
    await edit_markup(query, None)
    convert = LeadCb(action=LeadAction.CONVERT, id=callback_data.id, status=lead.status)
    await message_of(query).answer(
        f"Чек-лист пройден. Лид #{lead.id}: «{lead.status.label}». Конвертируем?",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Конвертировать", callback_data=convert.pack())]
            ]
        ),
    )
    return "Готово"


async def answer(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    walk_data: dict[str, Any],
    clock: Clock,
    settings: Settings,
) -> str:
    """CHOOSE, MULTI_DONE or SKIP: the question answered (or left as it is); the next one."""
    cb = callback_data
    now, zone = clock.now(), settings.zone
    if cb.action is ChecklistAction.CHOOSE:
        step = await walk.choose(uow, member, cb.id, cb.index, [cb.choice], now, zone)
    elif cb.action is ChecklistAction.MULTI_DONE:
        chosen = list(walk_data.get("selected", []))
        step = await walk.choose(uow, member, cb.id, cb.index, chosen, now, zone)
    else:
        step = await walk.skip(uow, member, cb.id, cb.index, now, zone)
    await _next(query, step, state, settings)
    return ""


async def go_to(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
) -> str:
    """BACK to the question before, or EDIT a question from the summary."""
    cb = callback_data
    index = max(0, cb.index - 1) if cb.action is ChecklistAction.BACK else cb.index
    step = await walk.go_to(uow, member, cb.id, index, clock.now())
    await _next(query, step, state, settings)
    return ""


async def _next(
    query: CallbackQuery, step: walk.Step, state: FSMContext, settings: Settings
) -> None:
    await edit_markup(query, None)
    await show(message_of(query), step, state, settings)


async def checklist_file(
    message: Message, member: Member, uow: UnitOfWork, bot: Bot, clock: Clock
) -> None:
    """A supervisor sends a YAML or JSON file: it becomes the department's checklist."""
    document = message.document
    assert document is not None
    buffer = io.BytesIO()
    if (document.file_size or 0) > walk.MAX_FILE_BYTES:
        raise InvalidInput("checklist", "Файл слишком большой для чек-листа.")
    await bot.download(document, destination=buffer)
    saved = await walk.replace_checklist(
        uow, member, buffer.getvalue(), document.file_name or "checklist.yaml", clock.now()
    )
    questions = counted(len(saved.questions), "вопрос", "вопроса", "вопросов")
    await message.answer(
        f"Чек-лист «{escape(saved.name)}» принят: {questions}. Новые лиды "
        "пойдут по нему; начатые — по своей версии."
    )


class IsChecklistFile(Filter):
    async def __call__(self, message: Message) -> bool:
        name = (message.document.file_name or "").lower() if message.document else ""
        return name.endswith(CHECKLIST_FILES)


def router() -> Router:
    router = Router(name="checklist")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(start_command, Command("checklist"))
    router.callback_query.middleware(StepPress())
    on_press = router.callback_query.register
    on_press(start_from_card, LeadCb.filter(F.action == LeadAction.CHECKLIST))
    on_press(resume, ChecklistCb.filter(F.action == C.RESUME))
    walking = Walking()
    on_press(toggle, ChecklistCb.filter(F.action == C.TOGGLE), walking, flags=STEP)
    on_press(pause, ChecklistCb.filter(F.action == C.PAUSE), walking, flags=STEP)
    on_press(cancel, ChecklistCb.filter(F.action == C.CANCEL), walking, flags=STEP)
    on_press(finish, ChecklistCb.filter(F.action == C.FINISH), walking, flags=STEP)
    answers = {C.CHOOSE, C.MULTI_DONE, C.SKIP}
    on_press(answer, ChecklistCb.filter(F.action.in_(answers)), walking, flags=STEP)
    on_press(go_to, ChecklistCb.filter(F.action.in_({C.BACK, C.EDIT})), walking, flags=STEP)
    # Last only to spare the walking presses a second read of the FSM: the filters are disjoint.
    on_press(paused, ChecklistCb.filter(F.action != C.RESUME), ~walking)
    router.message.register(typed_answer, StateFilter(ChecklistForm.answer), HasText())
    router.message.register(checklist_file, IsChecklistFile())
    return router

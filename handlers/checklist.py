"""The checklist as a conversation held on one message (R2.6, #14 §3): the question, the
progress and the answers so far, edited in place at every answer; buttons where possible.

The walk's place is a row (the lead's checklist cursor) and the FSM state says which lead a
member is walking and on which message; both survive a restart. Pause keeps the place; a
press on another lead's card pauses the walk and offers to resume.

Why not a card of the outbox: the message is one member's conversation (his FSM, his marks
of a multiple choice, what the bot made of his last answer), not a subject's state every
holder sees, and its answer must come with the press or message that made it. So the handler
edits it with the outcome the use case returns; the lead's own card still refreshes through
the outbox.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from bot.settings import Settings
from domain.checklist import BUTTON_KINDS, Kind, Question, answer_text, understood_text
from domain.errors import InvalidInput, StaleState, WrittenMeanwhile
from domain.model import Member
from domain.ports import Clock, UnitOfWork
from domain.services import checklist as walk
from handlers.answers import answering
from handlers.callbacks import ChecklistAction, ChecklistCb, LeadAction, LeadCb
from handlers.checklist_views import (
    closed_text,
    edit_list_view,
    finished_view,
    moved_on_text,
    paused_view,
    question_view,
    resume_keyboard,
    summary_view,
)
from handlers.filters import HasText, IsMember
from handlers.replies import message_of
from handlers.states import ChecklistForm
from handlers.texts import counted

log = logging.getLogger(__name__)

CHECKLIST_FILES = (".yaml", ".yml", ".json")
C = ChecklistAction
MOVED_ON = "Этот вопрос уже позади: вот текущий."
SHIFTED = "Чек-лист этого лида сдвинулся: вот текущий вопрос."

__all__ = ["pause_other", "resume_keyboard", "router"]


# -- the one message -------------------------------------------------------------------------


async def place(
    bot: Bot, chat_id: int, message_id: int | None, text: str, keyboard: InlineKeyboardMarkup | None
) -> int:
    """Put the text on the walk's message, edited in place; a new message only when there is
    none or Telegram will not edit it (deleted, too old): the old one is then forgotten."""
    if message_id is not None:
        try:
            await bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
            )
            return message_id
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return message_id
            log.info("the checklist message %s was not edited: %s", message_id, error.message)
    sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
    return sent.message_id


async def retire(bot: Bot, chat_id: int, message_id: int | None, text: str, **kw: Any) -> None:
    """The walk's old message, once the walk goes on elsewhere: it says so, best effort."""
    if message_id is None:
        return
    try:
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, **kw)
    except TelegramAPIError as error:
        log.info("the old checklist message %s stays as it was: %s", message_id, error)


def _selected_of(step: walk.Step) -> list[int]:
    question = step.question
    if question is None or question.kind is not Kind.MULTI:
        return []
    saved = step.lead.checklist_answers.get(question.key) or []
    return [n for n, label in enumerate(question.choice_labels) if label in saved]


async def show(
    bot: Bot,
    chat_id: int,
    message_id: int | None,
    step: walk.Step,
    state: FSMContext,
    settings: Settings,
    *,
    selected: list[int] | None = None,
    said: str = "",
    refusal: str = "",
) -> None:
    """The current question (or the summary) on the walk's message; the walk in the FSM."""
    if selected is None:
        selected = _selected_of(step)
    if step.question is None:
        text, keyboard = summary_view(step, settings.zone, said=said)
    else:
        text, keyboard = question_view(step, selected, settings.zone, said=said, refusal=refusal)
    message_id = await place(bot, chat_id, message_id, text, keyboard)
    await state.set_state(ChecklistForm.answer)
    await state.set_data(
        {
            "lead_id": step.lead.id,
            "index": step.index,
            "selected": selected,
            "message_id": message_id,
        }
    )


def said_of(question: Question, before: walk.Step, after: walk.Step, settings: Settings) -> str:
    """What the bot made of an answer, and the value of the lead's field it replaced."""
    value = after.lead.checklist_answers.get(question.key)
    if value in (None, [], ""):
        return "Пропущено."
    said = f"Записал: {understood_text(question, value, settings.zone)}"
    if before.held is not None and before.held != value:
        said += f" (было: {answer_text(question, before.held, settings.zone)})"
    return said


async def _walking(state: FSMContext, raw_state: str | None) -> dict[str, Any]:
    """The walk the member is on (its FSM data), or {} when none."""
    if raw_state != ChecklistForm.answer.state:
        return {}
    return await state.get_data()


async def _leave(bot: Bot, chat_id: int, walking: dict[str, Any], lead_id: int) -> None:
    """A walk begun on a new message: the old one of the same lead points on, another
    lead's walk is paused on its message with a way back."""
    old = walking.get("message_id")
    if not walking or old is None:
        return
    was = int(walking["lead_id"])
    if was == lead_id:
        await retire(bot, chat_id, old, moved_on_text(was))
    else:
        text, keyboard = paused_view(was)
        await retire(bot, chat_id, old, text, reply_markup=keyboard)


async def pause_other(
    state: FSMContext, raw_state: str | None, lead_id: int, message: Message
) -> None:
    """A press on another lead's card while walking a checklist: the walk is paused, on its
    own message. `raw_state` is the state aiogram read for this update (a member's updates
    are handled one at a time, so it is current)."""
    walking = await _walking(state, raw_state)
    if not walking or walking.get("lead_id") in (None, lead_id):
        return
    await state.clear()
    assert message.bot is not None
    text, keyboard = paused_view(int(walking["lead_id"]))
    await place(message.bot, message.chat.id, walking.get("message_id"), text, keyboard)


# -- starting and typing -----------------------------------------------------------------------


async def _begin(
    bot: Bot,
    chat_id: int,
    lead_id: int,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    raw_state: str | None,
    clock: Clock,
    settings: Settings,
) -> None:
    """Start or resume from the card or /checklist: the walk on a new message at the bottom
    of the chat, where the member is."""
    step = await walk.start(uow, member, lead_id, clock.now())
    await _leave(bot, chat_id, await _walking(state, raw_state), lead_id)
    await show(bot, chat_id, None, step, state, settings)


async def start_command(
    message: Message,
    command: CommandObject,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    raw_state: str | None,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    args = (command.args or "").strip().lstrip("#")
    if not (args.isascii() and args.isdigit() and len(args) <= 9):
        raise InvalidInput("lead", "Напишите номер лида: /checklist 12")
    await _begin(bot, message.chat.id, int(args), member, uow, state, raw_state, clock, settings)


async def start_from_card(
    query: CallbackQuery,
    callback_data: LeadCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    raw_state: str | None,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    chat_id = message_of(query).chat.id
    await _begin(bot, chat_id, callback_data.id, member, uow, state, raw_state, clock, settings)
    await query.answer()


async def typed_answer(
    message: Message,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    """A typed answer: his message is his; the bot edits its checklist message with what it
    understood and the next question, or with why not and an example (#14 §3)."""
    data = await state.get_data()
    lead_id, message_id = int(data["lead_id"]), data.get("message_id")
    chat_id = message.chat.id
    async with answering(state, uow):
        step = await walk.current(uow, member, lead_id)
    await uow.rollback()
    if step.index != data.get("index", step.index):
        # The lead's place moved (someone else walks it too): ask what stands there now.
        await show(bot, chat_id, message_id, step, state, settings, said=SHIFTED)
        return
    question = step.question
    if question is None:
        refusal = "Все вопросы пройдены: нажмите «Готово» или «Изменить ответ»."
        await show(bot, chat_id, message_id, step, state, settings, said=refusal)
        return
    if question.kind in BUTTON_KINDS:
        refusal = "На этот вопрос ответьте кнопкой под ним."
        await show(bot, chat_id, message_id, step, state, settings, refusal=refusal)
        return
    before = step
    try:
        async with answering(state, uow):
            try:
                step = await walk.answer(
                    uow, member, lead_id, step.index, message.text or "", clock.now(), settings.zone
                )
            except (WrittenMeanwhile, InvalidInput):
                raise
            except StaleState:  # the walk moved on meanwhile (someone else walks it too)
                await uow.rollback()
                step = await walk.current(uow, member, lead_id)  # or the lead did: closed
                await show(bot, chat_id, message_id, step, state, settings, said=MOVED_ON)
                return
    except InvalidInput as error:  # not read: asked again, with an example
        await uow.rollback()
        await show(bot, chat_id, message_id, before, state, settings, refusal=error.message)
        return
    said = said_of(question, before, step, settings)
    await show(bot, chat_id, message_id, step, state, settings, said=said)


# -- presses on the walk's message -------------------------------------------------------------


async def resume(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    raw_state: str | None,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    """«Продолжить»: a paused walk resumed where it stopped, on the message pressed (another
    walk is paused on its own)."""
    message = message_of(query)
    step = await walk.start(uow, member, callback_data.id, clock.now())
    walking = await _walking(state, raw_state)
    if walking.get("message_id") != message.message_id:
        await _leave(bot, message.chat.id, walking, callback_data.id)
    await show(bot, message.chat.id, message.message_id, step, state, settings)
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
    """A button of a walk the member is not on now: its message turns into the pause, with
    the way back."""
    message = message_of(query)
    await walk.current(uow, member, callback_data.id)  # his own open lead, or he is told why not
    await uow.rollback()
    await query.answer("Этот чек-лист на паузе: нажмите «Продолжить».", show_alert=True)
    text, keyboard = paused_view(callback_data.id)
    assert message.bot is not None
    await place(message.bot, message.chat.id, message.message_id, text, keyboard)


class StepPress(BaseMiddleware):
    """Around a press on the walk's message (the handlers registered with the `walk_step`
    flag): when the walk moved on meanwhile (someone else walks the lead too), nothing is
    half-written and the current question is shown in its place. The handler returns the
    answer to the press."""

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
            await show(
                data["bot"],
                message.chat.id,
                message.message_id,
                step,
                data["state"],
                data["settings"],
                said=MOVED_ON,
            )
            return None
        await event.answer(note)
        return None


STEP = {"walk_step": True}


def _on(query: CallbackQuery) -> tuple[int, int]:
    message = message_of(query)
    return message.chat.id, message.message_id


async def toggle(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    walk_data: dict[str, Any],
    settings: Settings,
    bot: Bot,
) -> str:
    """A choice of a multiple-choice question marked or unmarked; MULTI_DONE saves them."""
    cb = callback_data
    selected = sorted(set(walk_data.get("selected", [])) ^ {cb.choice})
    step = await walk.current(uow, member, cb.id)
    await uow.rollback()
    if step.index != cb.index or step.question is None:
        raise StaleState(MOVED_ON)
    await show(bot, *_on(query), step, state, settings, selected=selected)
    return ""


async def pause(
    query: CallbackQuery, callback_data: ChecklistCb, state: FSMContext, bot: Bot
) -> str:
    await state.clear()
    text, keyboard = paused_view(callback_data.id)
    await place(bot, *_on(query), text, keyboard)
    return "Пауза"


async def cancel(
    query: CallbackQuery, callback_data: ChecklistCb, state: FSMContext, bot: Bot
) -> str:
    await state.clear()
    await place(bot, *_on(query), closed_text(callback_data.id), None)
    return "Отменено"


async def finish(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
) -> str:
    """The summary's «Готово»: the lead is processed, and conversion offered in its place."""
    lead = await walk.finish(uow, member, callback_data.id, clock.now())
    await state.clear()
    text, keyboard = finished_view(lead)
    await place(bot, *_on(query), text, keyboard)
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
    bot: Bot,
) -> str:
    """CHOOSE, MULTI_DONE, SKIP or KEEP: the question answered (or left as it is), the next
    one on the same message."""
    cb = callback_data
    now, zone = clock.now(), settings.zone
    before = await walk.current(uow, member, cb.id)
    question = before.question
    if cb.action is ChecklistAction.CHOOSE:
        step = await walk.choose(uow, member, cb.id, cb.index, [cb.choice], now, zone)
    elif cb.action is ChecklistAction.MULTI_DONE:
        chosen = list(walk_data.get("selected", []))
        step = await walk.choose(uow, member, cb.id, cb.index, chosen, now, zone)
    elif cb.action is ChecklistAction.KEEP:
        step = await walk.keep(uow, member, cb.id, cb.index, now, zone)
    else:
        step = await walk.skip(uow, member, cb.id, cb.index, now, zone)
    said = ""
    if question is not None and cb.action is ChecklistAction.KEEP:
        said = f"Оставил: {answer_text(question, before.held, zone)}"
    elif question is not None and cb.action is not ChecklistAction.SKIP:
        said = said_of(question, before, step, settings)
    await show(bot, *_on(query), step, state, settings, said=said)
    return ""


async def go_to(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> str:
    """BACK to the question before, or EDIT a question from the summary's list."""
    cb = callback_data
    index = max(0, cb.index - 1) if cb.action is ChecklistAction.BACK else cb.index
    step = await walk.go_to(uow, member, cb.id, index, clock.now())
    await show(bot, *_on(query), step, state, settings)
    return ""


async def edit_list(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    member: Member,
    uow: UnitOfWork,
    settings: Settings,
    bot: Bot,
) -> str:
    """The summary's «Изменить ответ»: a page of the questions (SUMMARY: back to the summary).
    The walk does not move until a question is picked."""
    cb = callback_data
    step = await walk.current(uow, member, cb.id)
    await uow.rollback()
    if cb.action is ChecklistAction.SUMMARY:
        text, keyboard = summary_view(step, settings.zone)
    else:
        text, keyboard = edit_list_view(step, cb.index)
    await place(bot, *_on(query), text, keyboard)
    return ""


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
    answers = {C.CHOOSE, C.MULTI_DONE, C.SKIP, C.KEEP}
    on_press(answer, ChecklistCb.filter(F.action.in_(answers)), walking, flags=STEP)
    on_press(go_to, ChecklistCb.filter(F.action.in_({C.BACK, C.EDIT})), walking, flags=STEP)
    lists = {C.EDIT_LIST, C.SUMMARY}
    on_press(edit_list, ChecklistCb.filter(F.action.in_(lists)), walking, flags=STEP)
    # Last only to spare the walking presses a second read of the FSM: the filters are disjoint.
    on_press(paused, ChecklistCb.filter(F.action != C.RESUME), ~walking)
    router.message.register(typed_answer, StateFilter(ChecklistForm.answer), HasText())
    router.message.register(checklist_file, IsChecklistFile())
    return router

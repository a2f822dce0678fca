"""The checklist's one message as it reads at each point of the walk (R2.6, #14 §3): the
question with the progress and the answers so far, the summary, the list of questions to
change, the pause. Texts and keyboards only; handlers/checklist.py puts them on the message."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.checklist import Kind, answer_text, short_text
from domain.model import Lead
from domain.services import checklist as walk
from handlers.callbacks import ChecklistAction, ChecklistCb, LeadAction, LeadCb
from handlers.texts import clipped, visible_length

C = ChecklistAction
NOW_SHOWN = 300  # UTF-16 units of the value held or given before, shown under its question
ANSWER_SHOWN = 60  # of each answer so far, in the lines above the question
ANSWERS_SHOWN = 6  # the answers so far shown above the question: the latest ones
SUMMARY_LIMIT = 4000
PAGE = 6  # questions a page of «Изменить ответ»
LABEL = 40  # a question on a button


def _b(
    text: str, action: ChecklistAction, lead_id: int, index: int = 0, choice: int = 0
) -> InlineKeyboardButton:
    data = ChecklistCb(action=action, id=lead_id, index=index, choice=choice)
    return InlineKeyboardButton(text=text[:64], callback_data=data.pack())


def _so_far(step: walk.Step, zone: ZoneInfo) -> list[str]:
    """The answers given so far (the skipped ones say nothing), the latest few."""
    answers = step.lead.checklist_answers
    lines = [
        f"✓ {escape(short_text(q))}: "
        f"{escape(clipped(answer_text(q, answers[q.key], zone), ANSWER_SHOWN))}"
        for n, q in enumerate(step.checklist.questions)
        if n != step.index and answers.get(q.key) not in (None, [], "")
    ]
    if len(lines) > ANSWERS_SHOWN:
        hidden = len(lines) - ANSWERS_SHOWN
        lines = [f"… и ещё {hidden} выше (все — в итоге)", *lines[-ANSWERS_SHOWN:]]
    return lines


def question_view(
    step: walk.Step, selected: list[int], zone: ZoneInfo, *, said: str = "", refusal: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """The question with its progress and the answers so far. `said`: what the bot made of
    the last answer; `refusal`: why the answer just typed was not taken, with an example."""
    question = step.question
    assert question is not None and step.lead.id is not None
    lead_id, i = step.lead.id, step.index
    total = len(step.checklist.questions)
    lines = [f"Чек-лист лида #{lead_id} · вопрос {i + 1}/{total}", *_so_far(step, zone)]
    if said:
        lines.append(f"<i>{escape(said)}</i>")
    if len(lines) > 1:
        lines.append("")
    mark = " <i>(обязательный)</i>" if question.required else ""
    lines.append(f"<b>{escape(question.text)}</b>{mark}")
    answers = step.lead.checklist_answers
    met = question.key in answers  # answered or skipped before
    held = step.held  # the lead's field: the truth, and never replaced unseen
    now_value = held if held is not None else answers.get(question.key) if met else None
    if now_value is not None:
        # A comment may be 4000 long: the question must fit.
        shown = clipped(answer_text(question, now_value, zone), NOW_SHOWN)
        lines.append(f"Сейчас: {escape(shown)}")
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
    elif not refusal:
        lines.append("Напишите ответ сообщением.")
    if refusal:
        lines.append(f"⚠️ {escape(refusal)}")
    nav = []
    if held is not None and answers.get(question.key) != held:
        nav.append(_b("Оставить", C.KEEP, lead_id, i))
    elif met:  # «Назад» or «Изменить» came here: the answer may stay as it is
        nav.append(_b("Оставить", C.SKIP, lead_id, i))
    elif not question.required:
        nav.append(_b("Пропустить", C.SKIP, lead_id, i))
    if i > 0:
        nav.append(_b("Назад", C.BACK, lead_id, i))
    nav += [_b("Пауза", C.PAUSE, lead_id, i), _b("Отмена", C.CANCEL, lead_id, i)]
    rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def summary_view(
    step: walk.Step, zone: ZoneInfo, *, said: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """Every answer, and a few buttons: «Готово», «Изменить ответ», «Пауза»."""
    lead_id = step.lead.id or 0
    answers = step.lead.checklist_answers
    lines = [f"<b>Чек-лист лида #{lead_id}: итог</b>"]
    for n, question in enumerate(step.checklist.questions):
        value = escape(answer_text(question, answers.get(question.key), zone))
        lines.append(f"{n + 1}. {escape(question.text)} — {value}")
    tail = []
    missing = step.checklist.missing_required(answers)
    if missing:
        tail.append(
            "⚠️ Не заполнены обязательные: "
            + ", ".join(str(step.checklist.index_of(q.key) + 1) for q in missing)
        )
    if said:
        tail.append(f"<i>{escape(said)}</i>")
    while visible_length("\n".join(lines + tail)) > SUMMARY_LIMIT and len(lines) > 1:
        del lines[-1]  # whole lines go, the warning stays
    keyboard = [
        [_b("✅ Готово", C.FINISH, lead_id)],
        [_b("Изменить ответ", C.EDIT_LIST, lead_id), _b("Пауза", C.PAUSE, lead_id)],
    ]
    return "\n".join(lines + tail), InlineKeyboardMarkup(inline_keyboard=keyboard)


def edit_list_view(step: walk.Step, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """«Изменить ответ»: the questions, a page at a time; a press asks that one again."""
    lead_id = step.lead.id or 0
    questions = step.checklist.questions
    pages = max(1, -(-len(questions) // PAGE))
    page = min(page, pages - 1)
    first = page * PAGE
    shown = questions[first : first + PAGE]
    text = f"Чек-лист лида #{lead_id}: какой ответ изменить?"
    if pages > 1:
        text += f"\nВопросы {first + 1}–{first + len(shown)} из {len(questions)}"
    rows = [
        [_b(f"{first + n + 1}. {clipped(short_text(q), LABEL)}", C.EDIT, lead_id, first + n)]
        for n, q in enumerate(shown)
    ]
    nav = []
    if page > 0:
        nav.append(_b("◀ Назад", C.EDIT_LIST, lead_id, page - 1))
    if page < pages - 1:
        nav.append(_b("Дальше ▶", C.EDIT_LIST, lead_id, page + 1))
    nav.append(_b("« К итогу", C.SUMMARY, lead_id))
    rows.append(nav)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def resume_keyboard(lead_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_b("▶️ Продолжить чек-лист", C.RESUME, lead_id)]])


def paused_view(lead_id: int) -> tuple[str, InlineKeyboardMarkup]:
    return f"Чек-лист лида #{lead_id} на паузе. Ответы сохранены.", resume_keyboard(lead_id)


def closed_text(lead_id: int) -> str:
    return f"Чек-лист лида #{lead_id} закрыт; данные ответы сохранены."


def moved_on_text(lead_id: int) -> str:
    """The walk's old message once a new one is sent: it points on and offers nothing."""
    return f"Чек-лист лида #{lead_id} продолжен ниже."


def finished_view(lead: Lead) -> tuple[str, InlineKeyboardMarkup]:
    """After «Готово»: the lead processed, and conversion offered."""
    assert lead.id is not None
    convert = LeadCb(action=LeadAction.CONVERT, id=lead.id, status=lead.status)
    return (
        f"Чек-лист пройден. Лид #{lead.id}: «{lead.status.label}». Конвертируем?",
        InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Конвертировать", callback_data=convert.pack())]
            ]
        ),
    )

"""A lead's history (R2.8), page by page."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from domain.lead_fields import LeadField
from domain.model import LeadEvent, Rule
from domain.services.lead_history import PAGE_SIZE as HISTORY_PAGE
from domain.services.lead_history import HistoryPage
from handlers.callbacks import LeadAction, LeadCb
from handlers.texts import button, clipped, local

EVENT_TITLES = {
    "created": "создан",
    "assigned": "назначен ответственный",
    "reassigned": "сменён ответственный",
    "status": "статус",
    "undone": "отменён переход",
    "skipped": "без чек-листа",
    "note": "заметка",
    "field": "изменено поле",
    "next_contact": "следующий контакт",
    "called": "звонок клиенту",
    "junk": "причина",
    "converted": "конвертирован",
    "checklist_started": "начат чек-лист",
    "checklist": "чек-лист",
    "checklist_done": "чек-лист пройден",
    "reminded": "руководитель напомнил",
    "penalty": "взыскание",
}


def _event_title(event: LeadEvent, questions: dict[str, str]) -> str:
    what = EVENT_TITLES.get(event.kind, event.kind)
    if event.kind == "field" and event.field_name:
        try:
            return f"{what} «{LeadField(event.field_name).label}»"
        except ValueError:
            return f"{what} «{event.field_name}»"
    if event.kind == "checklist" and event.field_name:
        question = questions.get(event.field_name, event.field_name)
        return f"{what} «{escape(clipped(question, 60))}»"
    return what


def _one_line(value: str) -> str:
    """A value in a history entry: a comment's lines folded, cut to 80 characters."""
    return escape(clipped(" ".join(value.split()), 80))


def history_text(history: HistoryPage, names: dict[int, str], zone: ZoneInfo) -> str:
    """R2.8: one page of the lead's history, newest first."""
    title = f"<b>История лида #{history.lead.id}</b>"
    if history.pages > 1:
        first = history.page * HISTORY_PAGE + 1
        title += f" · записи {first}–{first + len(history.events) - 1} из {history.total}"
    lines = [title]
    if not history.events:
        lines.append("Пока пусто.")
    for event in history.events:
        who = names.get(event.actor_id or 0, "система")
        what = _event_title(event, history.questions)
        change = ""
        old, new = event.old_value, event.new_value
        if event.kind == "next_contact" and new:
            new = local(datetime.fromisoformat(new), zone)
            old = local(datetime.fromisoformat(old), zone) if old else None
        if event.kind in ("reminded", "penalty") and new:
            rule, _, comment = new.partition(": ")
            new = Rule.words(rule) + (f": {comment}" if comment else "")
        if old and new:
            change = f": {_one_line(old)} → {_one_line(new)}"
        elif new:
            change = f": {_one_line(new)}"
        lines.append(f"{local(event.at, zone)} · {escape(who)} · {what}{change}")
    return "\n".join(lines)


def history_keyboard(history: HistoryPage) -> InlineKeyboardMarkup | None:
    lead_id = history.lead.id or 0
    nav = []
    if history.page < history.pages - 1:
        nav.append(
            button(
                "◀ Раньше",
                LeadCb(action=LeadAction.HISTORY_PAGE, id=lead_id, value=history.page + 1),
            )
        )
    if history.page > 0:
        nav.append(
            button(
                "Позже ▶",
                LeadCb(action=LeadAction.HISTORY_PAGE, id=lead_id, value=history.page - 1),
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[nav]) if nav else None

"""The lists of leads (R2.1), the stage board (R2.10) and the Leads menu."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from domain.model import Lead, Member
from domain.services.lead_lists import PAGE_SIZE, Page
from domain.statuses import LeadStatus
from handlers.callbacks import LeadAction, LeadCb, LeadListAction, LeadListCb
from handlers.lead_card_views import SHORT_LABELS
from handlers.texts import button

OVERDUE = "⚠️"
CALL_TODAY = "📞"


def leads_page_text(title: str, page: Page) -> str:
    if not page.total:
        return f"<b>{escape(title)}</b>\nЛидов нет."
    lines = [f"<b>{escape(title)}</b> — {page.total}, стр. {page.page + 1}/{page.pages}"]
    urgent = []
    if page.overdue:
        urgent.append(f"{OVERDUE} просрочено: {page.overdue}")
    if page.calls_today:
        urgent.append(f"{CALL_TODAY} звонок сегодня: {page.calls_today}")
    if urgent:
        lines.append(" · ".join(urgent))
    lines.append("Сверху — самые срочные. Нажмите лид, чтобы открыть карточку.")
    return "\n".join(lines)


def _marks(page: Page, lead: Lead, now: datetime, zone: ZoneInfo) -> str:
    due = page.due(lead)
    marks = (OVERDUE if due.overdue(now) else "") + (
        CALL_TODAY if due.call_today(now, zone) else ""
    )
    return f"{marks} " if marks else ""


def leads_page_keyboard(
    page: Page, list_cb: LeadListCb, now: datetime, zone: ZoneInfo, *, filters: bool
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                f"{_marks(page, lead, now, zone)}#{lead.id} {SHORT_LABELS[lead.status]} · "
                f"{lead.title}"[:60],
                LeadCb(action=LeadAction.OPEN, id=lead.id or 0),
            )
        ]
        for lead in page.leads
    ]
    nav = []
    if page.page > 0:
        nav.append(button("◀", list_cb.model_copy(update={"page": page.page - 1})))
    if (page.page + 1) * PAGE_SIZE < page.total:
        nav.append(button("▶", list_cb.model_copy(update={"page": page.page + 1})))
    if nav:
        rows.append(nav)
    if filters:
        statuses = [LeadStatus.ASSIGNED, LeadStatus.IN_PROCESS, LeadStatus.PROCESSED]
        rows.append(
            [
                button(
                    ("• " if list_cb.status is s else "") + SHORT_LABELS[s],
                    list_cb.model_copy(update={"status": s, "page": 0}),
                )
                for s in statuses
            ]
        )
        if list_cb.status is not None:
            every = list_cb.model_copy(update={"status": None, "page": 0})
            rows.append([button("Все статусы", every)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def board_text(counts: dict[LeadStatus, int]) -> str:
    lines = ["<b>Канбан: лиды по стадиям</b>"]
    lines += [f"{status.label}: {counts[status]}" for status in LeadStatus]
    return "\n".join(lines)


def board_keyboard(counts: dict[LeadStatus, int], kind: LeadListAction) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(f"{SHORT_LABELS[s]} ({counts[s]})", LeadListCb(action=kind, status=s))]
            for s in LeadStatus
            if counts[s]
        ]
    )


def _holder_label(member: Member, count: int) -> str:
    gone = "" if member.active else " · отключён"
    return f"{member.full_name[:40]}{gone} ({count})"


def managers_keyboard(rows: list[tuple[Member, int]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(
                    _holder_label(m, count),
                    LeadListCb(action=LeadListAction.MANAGER, manager=m.id or 0),
                )
            ]
            for m, count in rows
        ]
    )


def leads_menu(can_see_department: bool) -> InlineKeyboardMarkup:
    rows = [
        [
            button("Мои лиды", LeadListCb(action=LeadListAction.MY)),
            button("Новый лид", LeadListCb(action=LeadListAction.NEW_LEAD)),
        ],
        [button("Канбан", LeadListCb(action=LeadListAction.BOARD))],
    ]
    if can_see_department:
        rows.append(
            [
                button("Неразобранные", LeadListCb(action=LeadListAction.UNASSIGNED)),
                button("По менеджерам", LeadListCb(action=LeadListAction.MANAGERS)),
            ]
        )
        rows.append([button("Все лиды отдела", LeadListCb(action=LeadListAction.DEPARTMENT))])
    return InlineKeyboardMarkup(inline_keyboard=rows)

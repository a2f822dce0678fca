"""The lead card, its keyboards and the lists, as pure functions. User text is escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from html import escape, unescape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.checklist import answer_text
from domain.lead_fields import LeadField
from domain.model import DEFAULT_DEAL_STAGES, JunkReason, Lead, LeadEvent, Member, Rule
from domain.permissions import Action
from domain.services.cards import CardContext
from domain.services.conversion import CompanyMatch
from domain.services.lead_history import PAGE_SIZE as HISTORY_PAGE
from domain.services.lead_history import HistoryPage
from domain.services.lead_lists import PAGE_SIZE, Page
from domain.statuses import BACKWARD, FORWARD, OPEN_STAGES, LeadStatus
from handlers.callbacks import LeadAction, LeadCb, LeadListAction, LeadListCb

CARD_LIMIT = 4096
PICKER_PAGE = 6
SHORT_LABELS = {
    LeadStatus.NEW: "Не обработан",
    LeadStatus.ASSIGNED: "Назначен",
    LeadStatus.IN_PROCESS: "В работе",
    LeadStatus.PROCESSED: "Обработан",
    LeadStatus.CONVERTED: "Качественный",
    LeadStatus.JUNK: "Некачественный",
}
STAGE_LABELS = {stage.code: stage.label for stage in DEFAULT_DEAL_STAGES}
EDITABLE_FIELDS = (
    LeadField.COMPANY,
    LeadField.NAME,
    LeadField.LAST_NAME,
    LeadField.POSITION,
    LeadField.PHONE,
    LeadField.EMAIL,
    LeadField.WEBSITE,
    LeadField.ADDRESS,
    LeadField.COMMENT,
    LeadField.TITLE,
)


def button(text: str, cb: LeadCb | LeadListCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def age(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} мин назад"
    if minutes < 48 * 60:
        return f"{minutes // 60} ч назад"
    return f"{minutes // (24 * 60)} дн назад"


def stage_strip(status: LeadStatus) -> str:
    if status.is_final:
        return f"🏁 <b>{status.label}</b>"
    current = OPEN_STAGES.index(status)
    marks = []
    for index, stage in enumerate(OPEN_STAGES):
        if index < current:
            marks.append(f"✓ {SHORT_LABELS[stage]}")
        elif index == current:
            marks.append(f"● <b>{SHORT_LABELS[stage]}</b>")
        else:
            marks.append(f"○ {SHORT_LABELS[stage]}")
    return " → ".join(marks)


def _contact_line(lead: Lead) -> str | None:
    name = " ".join(p for p in (lead.contact_name, lead.contact_last_name) if p)
    parts = [p for p in (name, lead.position) if p]
    return ", ".join(parts) if parts else None


def card_text(ctx: CardContext, now: datetime, zone: ZoneInfo) -> str:
    lead = ctx.lead
    head = f"<b>#{lead.id} · {escape(lead.title)}</b>"
    if not ctx.can_view:
        who = ctx.responsible.full_name if ctx.responsible else "другой сотрудник"
        return f"{head}\nЛид передан: {escape(who)}. Карточка вам больше недоступна."
    lines = [head, stage_strip(lead.status)]
    fields = (
        ("Компания", lead.company_name),
        ("Контакт", _contact_line(lead)),
        ("Телефон", lead.phone),
        ("E-mail", lead.email),
        ("Сайт", lead.website),
        ("Адрес", lead.address),
    )
    lines += [f"{label}: {escape(value)}" for label, value in fields if value]
    lines.append(
        f"Источник: {lead.source.label} · поступил {local(lead.created_at, zone)} "
        f"({age(lead.created_at, now)})"
    )
    if ctx.responsible:
        by = ""
        if ctx.assigned_by and ctx.assigned_by.id != ctx.responsible.id:
            by = f" (назначил {escape(ctx.assigned_by.full_name)})"
        lines.append(f"Ответственный: {escape(ctx.responsible.full_name)}{by}")
    else:
        lines.append("Ответственный: <i>не назначен</i>")
    if lead.next_contact_at and not lead.status.is_final:
        lines.append(f"Следующий контакт: {local(lead.next_contact_at, zone)}")
    if lead.status is LeadStatus.CONVERTED and ctx.deal:
        company = f", {escape(ctx.deal_company.name)}" if ctx.deal_company else ""
        stage = STAGE_LABELS.get(ctx.deal.stage, ctx.deal.stage)
        lines.append(f"Сделка #{ctx.deal.id}{company}, стадия «{stage}»")
    if lead.status is LeadStatus.JUNK and lead.junk_reason:
        lines.append(f"Причина: {escape(lead.junk_reason)}")
    for match in ctx.duplicates.companies:
        deals = counted(match.deals, "сделка", "сделки", "сделок")
        lines.append(f"⚠️ повторный клиент: {escape(match.company.name)}, {deals}")
    for lead_id in ctx.duplicates.leads:
        lines.append(f"⚠️ возможный дубль лида #{lead_id}")
    if ctx.checklist is not None:
        checklist = ctx.checklist
        lines.append(
            f"📋 Чек-лист {checklist.answered(lead.checklist_answers)}/{len(checklist.questions)}"
        )
        for question in checklist.questions:
            value = lead.checklist_answers.get(question.key)
            if value not in (None, [], ""):
                shown = answer_text(question, value, zone)[:100]
                lines.append(f"  • {escape(question.text[:60])}: {escape(shown)}")
    if lead.title_is_auto and not lead.status.is_final:
        lines.append("✏️ Название создано автоматически — переименуйте лид.")
    return _fitted(lines, lead.comment)


_TAG = re.compile(r"<[^>]+>")
CUT_NOTE = "… (карточка сокращена)"
COMMENT_LABEL = "Комментарий: "


def visible_length(html: str) -> int:
    """Telegram's 4096 counts the text as shown (tags dropped, an entity one character), in
    UTF-16 units: an emoji counts twice."""
    return len(unescape(_TAG.sub("", html)).encode("utf-16-le")) // 2


def clipped(text: str, room: int) -> str:
    """`text` in at most `room` UTF-16 units, with an ellipsis when cut."""
    if len(text.encode("utf-16-le")) // 2 <= room:
        return text
    kept = text.encode("utf-16-le")[: 2 * (room - 1)].decode("utf-16-le", "ignore")
    return kept + "…"


def _fitted(lines: list[str], comment: str | None) -> str:
    """The card within Telegram's limit whatever its lead holds: the comment takes the room
    left; lines past the limit (many duplicates, a long checklist) give way from the end.
    Each line is whole HTML, so dropping one never leaves a tag open."""
    text = "\n".join(lines)
    tail = f"\n{COMMENT_LABEL}{escape(comment)}" if comment else ""
    # Surely fits: HTML is never shorter than what it shows, nor a character over 2 units.
    if 2 * (len(text) + len(tail)) <= CARD_LIMIT:
        return text + tail
    cut = False
    while len(lines) > 2 and visible_length("\n".join(lines)) > CARD_LIMIT - len(CUT_NOTE) - 1:
        lines.pop()
        cut = True
    if cut:
        lines.append(CUT_NOTE)
    elif comment:
        room = CARD_LIMIT - visible_length("\n".join(lines)) - len(COMMENT_LABEL) - 1
        if room > 1:
            lines.append(f"{COMMENT_LABEL}{escape(clipped(comment, room))}")
    return "\n".join(lines)


def counted(count: int, one: str, few: str, many: str) -> str:
    """«1 сделка», «2 сделки», «5 сделок»: the noun agreeing with the number."""
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} {one}"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} {few}"
    return f"{count} {many}"


def card_keyboard(ctx: CardContext) -> InlineKeyboardMarkup:
    lead = ctx.lead
    assert lead.id is not None

    def cb(action: LeadAction, target: str = "") -> LeadCb:
        return LeadCb(action=action, id=lead.id or 0, status=lead.status, target=target)

    rows: list[list[InlineKeyboardButton]] = []
    if not ctx.can_view:
        return InlineKeyboardMarkup(inline_keyboard=[])
    if lead.status is LeadStatus.NEW:
        if ctx.can(Action.ASSIGN_LEAD):
            rows.append([button("Назначить", cb(LeadAction.ASSIGN))])
        if ctx.can(Action.WORK_LEAD):
            rows.append(
                [
                    button("Некачественный", cb(LeadAction.JUNK)),
                    button("Изменить", cb(LeadAction.EDIT)),
                ]
            )
    elif not lead.status.is_final and ctx.can(Action.WORK_LEAD):
        if lead.status is LeadStatus.ASSIGNED:
            rows.append(
                [
                    button("В работу", cb(LeadAction.MOVE, LeadStatus.IN_PROCESS)),
                    button("Чек-лист", cb(LeadAction.CHECKLIST)),
                ]
            )
            rows.append(
                [
                    button("Перенести звонок", cb(LeadAction.CALL_MENU)),
                    button("Переименовать", cb(LeadAction.RENAME)),
                ]
            )
            rows.append(
                [
                    button("Конвертировать", cb(LeadAction.CONVERT)),
                    button("Некачественный", cb(LeadAction.JUNK)),
                ]
            )
        else:
            rows.append(
                [
                    button("Конвертировать", cb(LeadAction.CONVERT)),
                    button("Некачественный", cb(LeadAction.JUNK)),
                ]
            )
            rows.append(
                [
                    button("Чек-лист", cb(LeadAction.CHECKLIST)),
                    button("Перенести звонок", cb(LeadAction.CALL_MENU)),
                ]
            )
        rows.append([button("Изменить", cb(LeadAction.EDIT))])
        strip = _strip_buttons(ctx, cb)
        if strip:
            rows.append(strip)
    if (
        not lead.status.is_final
        and lead.status is not LeadStatus.NEW
        and ctx.can(Action.REASSIGN_LEAD)
    ):
        rows.append([button("Сменить ответственного", cb(LeadAction.REASSIGN))])
    rows.append([button("История", cb(LeadAction.HISTORY))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _strip_buttons(ctx: CardContext, cb: Callable[..., LeadCb]) -> list[InlineKeyboardButton]:
    """R2.10: any later open stage; earlier ones for a supervisor."""
    status = ctx.lead.status
    dedicated = {LeadStatus.IN_PROCESS} if status is LeadStatus.ASSIGNED else set()
    targets = [s for s in OPEN_STAGES if s in FORWARD[status] and s not in dedicated]
    buttons = [button(f"→ {SHORT_LABELS[s]}", cb(LeadAction.MOVE, s)) for s in targets]
    if ctx.can(Action.MOVE_LEAD_BACK):
        buttons += [
            button(f"← {SHORT_LABELS[s]}", cb(LeadAction.MOVE, s))
            for s in OPEN_STAGES
            if s in BACKWARD[status]
        ]
    return buttons


def back_row(lead: Lead) -> list[InlineKeyboardButton]:
    return [button("« Назад", LeadCb(action=LeadAction.CARD, id=lead.id or 0, status=lead.status))]


def picker(
    lead: Lead, members: list[Member], page: int, *, action: LeadAction
) -> InlineKeyboardMarkup:
    """The managers as buttons, paged (R2.11); 🚫 marks one who blocked the bot. `action`
    is ASSIGN or REASSIGN: it turns the pages, and makes the pick ASSIGN_TO or REASSIGN_TO."""
    pages = max(1, -(-len(members) // PICKER_PAGE))
    page = min(max(0, page), pages - 1)
    chunk = members[page * PICKER_PAGE : (page + 1) * PICKER_PAGE]
    pick = LeadAction.ASSIGN_TO if action is LeadAction.ASSIGN else LeadAction.REASSIGN_TO
    rows = [
        [
            button(
                ("🚫 " if m.blocked_at else "") + m.full_name[:60],
                LeadCb(
                    action=pick,
                    id=lead.id or 0,
                    status=lead.status,
                    value=m.id or 0,
                    target=str(lead.responsible_id or ""),
                ),
            )
        ]
        for m in chunk
    ]
    nav = []
    if page > 0:
        nav.append(
            button("◀", LeadCb(action=action, id=lead.id or 0, status=lead.status, value=page - 1))
        )
    if page < pages - 1:
        nav.append(
            button("▶", LeadCb(action=action, id=lead.id or 0, status=lead.status, value=page + 1))
        )
    if nav:
        rows.append(nav)
    rows.append(back_row(lead))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def call_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    s = lead.status
    lid = lead.id or 0
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button("Через час", LeadCb(action=LeadAction.CALL_IN_HOUR, id=lid, status=s)),
                button("Завтра 10:00", LeadCb(action=LeadAction.CALL_TOMORROW, id=lid, status=s)),
            ],
            [button("Ввести дату и время", LeadCb(action=LeadAction.CALL_AT, id=lid, status=s))],
            back_row(lead),
        ]
    )


def junk_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    s = lead.status
    lid = lead.id or 0
    reasons = [
        button(
            r.label.capitalize(), LeadCb(action=LeadAction.JUNK_REASON, id=lid, status=s, target=r)
        )
        for r in JunkReason
    ]
    return InlineKeyboardMarkup(inline_keyboard=[reasons[:2], reasons[2:], back_row(lead)])


def edit_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    s = lead.status
    lid = lead.id or 0
    buttons = [
        button(f.label, LeadCb(action=LeadAction.EDIT_FIELD, id=lid, status=s, target=f))
        for f in EDITABLE_FIELDS
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(back_row(lead))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def convert_keyboard(lead: Lead, matches: list[CompanyMatch]) -> InlineKeyboardMarkup:
    s = lead.status
    lid = lead.id or 0
    rows = [
        [
            button(
                "Сделка + контакт + компания",
                LeadCb(action=LeadAction.CONVERT_NEW, id=lid, status=s),
            )
        ]
    ]
    for match in matches[:3]:
        rows.append(
            [
                button(
                    f"Сделка на существующую: {match.company.name}"[:60],
                    LeadCb(
                        action=LeadAction.CONVERT_ONTO,
                        id=lid,
                        status=s,
                        value=match.company.id or 0,
                    ),
                )
            ]
        )
    rows.append(back_row(lead))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_keyboard(lead: Lead, company_id: int) -> InlineKeyboardMarkup:
    s = lead.status
    lid = lead.id or 0
    confirm = LeadCb(action=LeadAction.CONVERT_CONFIRM, id=lid, status=s, value=company_id)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button("✅ Подтвердить", confirm)],
            back_row(lead),
        ]
    )


EVENT_TITLES = {
    "created": "создан",
    "assigned": "назначен ответственный",
    "reassigned": "сменён ответственный",
    "status": "статус",
    "field": "изменено поле",
    "next_contact": "следующий контакт",
    "called": "позвонил клиенту",
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


def leads_page_text(title: str, page: Page) -> str:
    if not page.total:
        return f"<b>{escape(title)}</b>\nЛидов нет."
    return (
        f"<b>{escape(title)}</b> — {page.total}, стр. {page.page + 1}/{page.pages}\n"
        "Нажмите лид, чтобы открыть карточку."
    )


def leads_page_keyboard(page: Page, list_cb: LeadListCb, *, filters: bool) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                f"#{lead.id} {SHORT_LABELS[lead.status]} · {lead.title}"[:60],
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

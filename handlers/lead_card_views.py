"""The lead card (R2.9-R2.16) and its menus, as pure functions of what the card shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.checklist import answer_text
from domain.deadlines import Deadlines
from domain.lead_fields import LeadField
from domain.model import DEFAULT_DEAL_STAGES, JunkReason, Lead, Member, SkipReason
from domain.names import Verb
from domain.permissions import Action
from domain.services.cards import CardContext
from domain.services.conversion import CompanyMatch, Duplicates
from domain.statuses import BACKWARD, FORWARD, OPEN_STAGES, LeadStatus
from handlers.callbacks import LeadAction, LeadCb
from handlers.deal_views import deal_button, deal_title
from handlers.texts import (
    CARD_LIMIT,
    age,
    button,
    clipped,
    counted,
    duration,
    local,
    moment,
    visible_length,
)

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
    LeadField.TITLE,
)  # not the client's own text (COMMENT): notes go beside it (#14 §5)


def stage_strip(status: LeadStatus, skipped: frozenset[LeadStatus] = frozenset()) -> str:
    """The open stages: passed ✓, `skipped` struck through (#14 §5), current, to come."""
    if status.is_final:
        return f"🏁 <b>{status.label}</b>"
    current = OPEN_STAGES.index(status)
    marks = []
    for index, stage in enumerate(OPEN_STAGES):
        if index < current and stage in skipped:
            marks.append(f"<s>{SHORT_LABELS[stage]}</s>")
        elif index < current:
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


def duplicate_lines(duplicates: Duplicates) -> list[str]:
    """The clients and open leads a lead repeats, as its card and a draft warn of them."""
    lines = []
    for match in duplicates.companies:
        deals = counted(match.deals, "сделка", "сделки", "сделок")
        lines.append(f"⚠️ повторный клиент: {escape(match.company.name)}, {deals}")
    lines += [f"⚠️ возможный дубль лида #{lead_id}" for lead_id in duplicates.leads]
    return lines


def card_text(ctx: CardContext, now: datetime, zone: ZoneInfo) -> str:
    lead = ctx.lead
    head = f"<b>#{lead.id} · {escape(lead.title)}</b>"
    if not ctx.can_view:
        who = ctx.responsible.full_name if ctx.responsible else "другой сотрудник"
        return f"{head}\nЛид передан: {escape(who)}. Карточка вам больше недоступна."
    lines = [head, stage_strip(lead.status, ctx.skipped)]
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
    lines.append(_responsible_line(ctx))
    lines += auto_assigned(lead)
    lines += clock_lines(lead, ctx.deadlines, now, zone)
    if lead.status is LeadStatus.CONVERTED and ctx.deal:
        lines.append(deal_line(ctx))
    if lead.status is LeadStatus.JUNK and lead.junk_reason:
        lines.append(f"Причина: {escape(lead.junk_reason)}")
    lines += duplicate_lines(ctx.duplicates)
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
    if offers_rename(ctx):
        lines.append("✏️ Название создано автоматически — переименуйте лид.")
    lines += note_lines(ctx, zone)
    return _fitted(lines, lead.comment)


ASSIGNED_BY = Verb("назначил {name}", "назначила {name}", "назначение: {name}")


def _responsible_line(ctx: CardContext) -> str:
    if not ctx.responsible:
        return "Ответственный: <i>не назначен</i>"
    by = ""
    if ctx.assigned_by and ctx.assigned_by.id != ctx.responsible.id:
        by = f" ({ASSIGNED_BY.of(escape(ctx.assigned_by.full_name))})"
    return f"Ответственный: {escape(ctx.responsible.full_name)}{by}"


def _due_line(
    icon: str, what: str, due: datetime, now: datetime, zone: ZoneInfo, *, at: str = "до"
) -> str:
    """«⏰ Связаться до 17:40 (ещё 12 мин)», past it «⚠️ Связаться до 17:40 — просрочено на
    5 мин»: true until the card is drawn again, as it is at each change and each firing."""
    when = f"{what} {moment(due, now, zone, at)}"
    if due > now:
        return f"{icon} {when} (ещё {duration(due - now, up=True)})"
    late = now - due
    return f"⚠️ {when} — просрочено" + (
        f" на {duration(late)}" if late.total_seconds() >= 60 else ""
    )


def clock_lines(lead: Lead, due: Deadlines, now: datetime, zone: ZoneInfo) -> list[str]:
    """What is due on the lead and by when, as its timers fire (R2.15, R2.14, R2.5, R2.2)."""
    if lead.status.is_final:
        return []
    lines = []
    if due.contact:
        lines.append(_due_line("⏰", "Связаться", due.contact, now, zone))
    if due.assign:
        lines.append(_due_line("⏰", "Назначить ответственного", due.assign, now, zone))
    if due.call:
        lines.append(_due_line("📞", "Звонок", due.call, now, zone, at="в"))
    if due.processing:
        lines.append(_due_line("⏳", "Обработать лид", due.processing, now, zone))
    return lines


def offers_rename(ctx: CardContext) -> bool:
    """R2.4: an automatic title asks to be renamed: the hint and its button come together,
    to whoever may rename it."""
    lead = ctx.lead
    return lead.title_is_auto and not lead.status.is_final and ctx.can(Action.WORK_LEAD)


def auto_assigned(lead: Lead) -> list[str]:
    """Who chose the responsible when the bot did (#14 §6), in a line of its own."""
    if lead.assigned_how is None:
        return []
    return [f"Назначен автоматически: {lead.assigned_how.reason}"]


def note_lines(ctx: CardContext, zone: ZoneInfo) -> list[str]:
    """#14 §5: the newest notes, each with its time and author; all are in the history."""
    return [
        f"📝 {local(note.at, zone)} {escape(note.author)}: {escape(clipped(note.text, 300))}"
        for note in ctx.notes
    ]


CUT_NOTE = "… (карточка сокращена)"


COMMENT_LABEL = "Комментарий: "


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


def card_keyboard(ctx: CardContext) -> InlineKeyboardMarkup:
    lead = ctx.lead
    assert lead.id is not None

    def cb(action: LeadAction, target: str = "") -> LeadCb:
        return LeadCb(action=action, id=lead.id or 0, status=lead.status, target=target)

    if not ctx.can_view:
        return InlineKeyboardMarkup(inline_keyboard=[])
    rows = [
        _step_row(ctx, cb),
        _work_row(ctx, cb),
        _close_row(ctx, cb),
        _edit_row(ctx, cb),
        _strip_buttons(ctx, cb) if _works(ctx) and lead.status is not LeadStatus.NEW else [],
        _reassign_row(ctx, cb),
        *deal_rows(ctx),  # a converted lead's one action: on to its deal
        _note_row(ctx, cb),  # #14 §5: on any lead the member works on, closed ones too
        [button("История", cb(LeadAction.HISTORY))],
        *undo_rows(ctx),  # last: the other buttons keep their places
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


# One layout for every status (#14 §4): each action has its row and its place in it; a
# status that does not offer it leaves it out, the others keep their order.
Buttons = list[InlineKeyboardButton]


def _works(ctx: CardContext) -> bool:
    return not ctx.lead.status.is_final and ctx.can(Action.WORK_LEAD)


def _step_row(ctx: CardContext, cb: Callable[..., LeadCb]) -> Buttons:
    """The step the status waits for: a responsible, then the first contact."""
    status = ctx.lead.status
    if status is LeadStatus.NEW and ctx.can(Action.ASSIGN_LEAD):
        return [button("Назначить", cb(LeadAction.ASSIGN))]
    if status is LeadStatus.ASSIGNED and _works(ctx):
        return [button("В работу", cb(LeadAction.MOVE, LeadStatus.IN_PROCESS))]
    return []


def _work_row(ctx: CardContext, cb: Callable[..., LeadCb]) -> Buttons:
    if ctx.lead.status is LeadStatus.NEW or not _works(ctx):
        return []
    return [
        button("Чек-лист", cb(LeadAction.CHECKLIST)),
        button("Перенести звонок", cb(LeadAction.CALL_MENU)),
    ]


def _close_row(ctx: CardContext, cb: Callable[..., LeadCb]) -> Buttons:
    if not _works(ctx):
        return []
    junk = button("Некачественный", cb(LeadAction.JUNK))
    if ctx.lead.status is LeadStatus.NEW:
        return [junk]
    return [button("Конвертировать", cb(LeadAction.CONVERT)), junk]


def _edit_row(ctx: CardContext, cb: Callable[..., LeadCb]) -> Buttons:
    if not _works(ctx):
        return []
    row = [button("Изменить", cb(LeadAction.EDIT))]
    if offers_rename(ctx):
        row.append(button("Переименовать", cb(LeadAction.RENAME)))
    return row


def _reassign_row(ctx: CardContext, cb: Callable[..., LeadCb]) -> Buttons:
    status = ctx.lead.status
    if status.is_final or status is LeadStatus.NEW or not ctx.can(Action.REASSIGN_LEAD):
        return []
    return [button("Сменить ответственного", cb(LeadAction.REASSIGN))]


def _note_row(ctx: CardContext, cb: Callable[..., LeadCb]) -> Buttons:
    if not ctx.can(Action.WORK_LEAD):
        return []
    return [button("Добавить заметку", cb(LeadAction.NOTE))]


def _strip_buttons(ctx: CardContext, cb: Callable[..., LeadCb]) -> list[InlineKeyboardButton]:
    """R2.10: any later open stage; earlier ones for a supervisor."""
    status = ctx.lead.status
    dedicated = {LeadStatus.IN_PROCESS} if status is LeadStatus.ASSIGNED else set()
    targets = [s for s in OPEN_STAGES if s in FORWARD[status] and s not in dedicated]
    buttons = [button(f"→ {SHORT_LABELS[s]}", _forward(status, s, cb)) for s in targets]
    if ctx.can(Action.MOVE_LEAD_BACK):
        buttons += [
            button(f"← {SHORT_LABELS[s]}", cb(LeadAction.MOVE, s))
            for s in OPEN_STAGES
            if s in BACKWARD[status]
        ]
    return buttons


def deal_line(ctx: CardContext) -> str:
    """#14 §5: the deal the lead became, by its name, with its client and stage."""
    assert ctx.deal is not None
    company = f"{escape(ctx.deal_company.name)}, " if ctx.deal_company else ""
    stage = STAGE_LABELS.get(ctx.deal.stage, ctx.deal.stage)
    return f"{deal_title(ctx.deal)} ({company}стадия «{stage}»)"


def deal_rows(ctx: CardContext) -> list[list[InlineKeyboardButton]]:
    """#14 §5: a converted lead's card leads on to its deal."""
    if ctx.lead.status is not LeadStatus.CONVERTED or ctx.deal is None:
        return []
    return [deal_button(ctx.deal)]


def undo_rows(ctx: CardContext) -> list[list[InlineKeyboardButton]]:
    """#14 §5: «Отменить» for the member who just moved the lead, while he may."""
    lead = ctx.lead
    if ctx.undo is None:
        return []
    data = LeadCb(action=LeadAction.UNDO, id=lead.id or 0, status=lead.status)
    return [[button(f"↩️ Отменить: {SHORT_LABELS[lead.status]}", data)]]


def junk_confirm_keyboard(lead: Lead, reason: JunkReason) -> InlineKeyboardMarkup:
    """#14 §5: junk only on a second press, with the reason shown."""
    yes = LeadCb(action=LeadAction.JUNK_CONFIRM, id=lead.id or 0, status=lead.status, target=reason)
    no = LeadCb(action=LeadAction.CARD, id=lead.id or 0, status=lead.status)
    return InlineKeyboardMarkup(inline_keyboard=[[button("Да", yes), button("Нет", no)]])


def junk_question(reason: JunkReason) -> str:
    return f"Отметить некачественным: {reason.label}?"


def _forward(status: LeadStatus, target: LeadStatus, cb: Callable[..., LeadCb]) -> LeadCb:
    """A strip button's press: «Обработан» straight from «Назначен» asks why the
    checklist was skipped first (#14 §5)."""
    if status is LeadStatus.ASSIGNED and target is LeadStatus.PROCESSED:
        return cb(LeadAction.SKIP_MENU)
    return cb(LeadAction.MOVE, target)


def skip_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    """#14 §5: why «Обработан» without the checklist."""
    s = lead.status
    lid = lead.id or 0
    reasons = [
        button(
            r.label.capitalize(), LeadCb(action=LeadAction.SKIP_REASON, id=lid, status=s, target=r)
        )
        for r in SkipReason
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*([r] for r in reasons), back_row(lead)])


SKIP_QUESTION = "Почему без чек-листа?"


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

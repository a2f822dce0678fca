"""The escalation card (R2.2, R2.14, R2.15) and the call reminder (R2.5), as pure functions."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.model import Escalation, Lead, Member, Rule
from domain.services.escalations import (
    PENALISED,
    REMINDED,
    REMINDED_OFFICE,
    CardFacts,
    breach_gone,
    lead_numbers,
)
from domain.sla import minutes_text
from handlers.callbacks import (
    CallAction,
    CallCb,
    EscalationAction,
    EscalationCb,
    LeadAction,
    LeadCb,
)
from handlers.texts import local


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def escalation_text(
    escalation: Escalation,
    lead: Lead | None,
    responsible: Member | None,
    now: datetime,
    zone: ZoneInfo,
    facts: CardFacts | None = None,
) -> str:
    rule = escalation.rule
    lines = [f"🚨 <b>{rule.label[0].upper()}{rule.label[1:]}</b>"]
    if rule is Rule.POOL:
        lines.append(f"Без ответственного дольше срока: {lead_numbers(escalation.lead_ids)}")
    elif lead is not None:
        lines.append(f"Лид #{lead.id} «{escape(lead.title)}» · {lead.status.label}")
        who = escape(responsible.full_name) if responsible else "<i>не назначен</i>"
        lines.append(f"Ответственный: {who}")
    overdue = minutes_text(max(now - escalation.due_at, escalation.detected_at - escalation.due_at))
    lines.append(f"Срок истёк {local(escalation.due_at, zone)}, просрочка {overdue}")
    if facts is not None:
        lines += remedy_lines(escalation, facts, zone)
    if escalation.resolution:
        at = local(escalation.resolved_at, zone) if escalation.resolved_at else ""
        lines.append(f"✅ {escape(escalation.resolution)} · {at}")
    return "\n".join(lines)


def remedy_lines(escalation: Escalation, facts: CardFacts, zone: ZoneInfo) -> list[str]:
    """#14 §5: the reminder and the penalty recorded, each with who and when."""
    lines = []
    if escalation.reminded_at is not None:
        reminded = REMINDED_OFFICE if escalation.rule is Rule.POOL else REMINDED
        lines.append(
            f"🔔 {escape(reminded.of(facts.reminded_by or ''))} · "
            f"{local(escalation.reminded_at, zone)}"
        )
    if escalation.penalized_at is not None:
        lines.append(
            f"⚖️ {escape(PENALISED.of(facts.penalized_by or ''))} · "
            f"{local(escalation.penalized_at, zone)}"
        )
    return lines


def escalation_keyboard(
    escalation: Escalation, lead: Lead | None, facts: CardFacts
) -> InlineKeyboardMarkup:
    """Every remedy stays until it is used or the breach is resolved (#14 §5): remind
    first, penalise later; none that would reach nobody."""
    assert escalation.id is not None
    rows: list[list[InlineKeyboardButton]] = []
    open_ = escalation.resolved_at is None
    may_remind = open_ and escalation.reminded_at is None and facts.reminder_reaches
    if escalation.rule is Rule.POOL:
        if may_remind:
            rows.append(
                [
                    _button(
                        "Напомнить офис-менеджерам",
                        EscalationCb(action=EscalationAction.REMIND, id=escalation.id),
                    )
                ]
            )
        rows += [
            [_button(f"Открыть #{lead_id}", LeadCb(action=LeadAction.OPEN, id=lead_id))]
            for lead_id in escalation.lead_ids[:8]
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows)
    row = []
    if may_remind and lead is not None and breach_gone(escalation, lead) is None:
        row.append(
            _button("Напомнить", EscalationCb(action=EscalationAction.REMIND, id=escalation.id))
        )
    # A lead nobody held at its breach: no one to penalise.
    if escalation.responsible_id is not None and escalation.penalized_at is None:
        row.append(
            _button("Взыскание", EscalationCb(action=EscalationAction.PENALTY, id=escalation.id))
        )
    if row:
        rows.append(row)
    if open_ and lead is not None and not lead.status.is_final and facts.managers:
        label = "Назначить" if lead.responsible_id is None else "Сменить ответственного"
        rows.append(
            [_button(label, EscalationCb(action=EscalationAction.REASSIGN, id=escalation.id))]
        )
    if escalation.lead_id is not None:
        rows.append(
            [_button("Карточка лида", LeadCb(action=LeadAction.OPEN, id=escalation.lead_id))]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def managers_picker(
    escalation: Escalation, managers: list[Member], page: int, per_page: int = 6
) -> InlineKeyboardMarkup:
    assert escalation.id is not None
    pages = max(1, -(-len(managers) // per_page))
    page = min(max(0, page), pages - 1)
    rows = [
        [
            _button(
                m.full_name[:60],
                EscalationCb(action=EscalationAction.HAND_OVER, id=escalation.id, value=m.id or 0),
            )
        ]
        for m in managers[page * per_page : (page + 1) * per_page]
    ]
    nav = []
    if page > 0:
        nav.append(
            _button(
                "◀",
                EscalationCb(action=EscalationAction.REASSIGN, id=escalation.id, value=page - 1),
            )
        )
    if page < pages - 1:
        nav.append(
            _button(
                "▶",
                EscalationCb(action=EscalationAction.REASSIGN, id=escalation.id, value=page + 1),
            )
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _epoch(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def call_text(lead: Lead, zone: ZoneInfo) -> str:
    who = " ".join(p for p in (lead.contact_name, lead.contact_last_name) if p)
    lines = [f"📞 <b>Пора позвонить</b>: лид #{lead.id} «{escape(lead.title)}»"]
    if who or lead.company_name:
        lines.append(escape(", ".join(p for p in (who, lead.company_name or "") if p)))
    if lead.phone:
        lines.append(f"Телефон: {lead.phone}")
    if lead.next_contact_at:
        lines.append(f"Договорились на {local(lead.next_contact_at, zone)}")
    return "\n".join(lines)


def call_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    assert lead.id is not None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    "Позвонил",
                    CallCb(action=CallAction.CALLED, id=lead.id, at=_epoch(lead.next_contact_at)),
                ),
                _button(
                    "Перенести", LeadCb(action=LeadAction.CALL_MENU, id=lead.id, status=lead.status)
                ),
            ],
            [_button("Карточка", LeadCb(action=LeadAction.OPEN, id=lead.id))],
        ]
    )

"""A deal as its lead's card and the conversion show it (#14 §5), pure functions; the deals
issue gives the deal a card of its own."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton

from domain.model import DEFAULT_DEAL_STAGES, Company, Deal
from domain.services.conversion import DealView
from handlers.callbacks import DealAction, DealCb
from handlers.texts import button, local

STAGE_LABELS = {stage.code: stage.label for stage in DEFAULT_DEAL_STAGES}


def deal_title(deal: Deal) -> str:
    return f"Сделка #{deal.id}: {escape(deal.title)}"


def deal_button(deal: Deal) -> list[InlineKeyboardButton]:
    return [button(f"Сделка #{deal.id}", DealCb(action=DealAction.OPEN, id=deal.id or 0))]


def deal_text(view: DealView, zone: ZoneInfo) -> str:
    deal = view.deal
    lines = [f"<b>{deal_title(deal)}</b>"]
    lines.append(f"Стадия: {STAGE_LABELS.get(deal.stage, deal.stage)}")
    if view.company is not None:
        lines.append(f"Компания: {escape(view.company.name)}")
    if view.responsible is not None:
        lines.append(f"Ответственный: {escape(view.responsible.full_name)}")
    lines.append(f"Создана: {local(deal.created_at, zone)}")
    return "\n".join(lines)


def created_text(deal: Deal, company: Company | None) -> str:
    """What a conversion made, for the message its confirmation was asked on."""
    if company is None:
        return f"Создана {deal_title(deal)}."
    name = escape(company.name)
    if company.created_at == deal.created_at:
        return f"Создано: {deal_title(deal)}, контакт и компания «{name}»."
    return f"Создано: {deal_title(deal)} и контакт на компанию «{name}»."

"""Find a client when he calls (#14 §1): text typed with no conversation going on, /find,
and the inline query `@bot ромашка` from any chat."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.types import (
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)

from domain.model import Lead, Member
from domain.ports import UnitOfWork
from domain.search import QueryKind
from domain.services import search
from handlers.callbacks import LeadAction, LeadCb
from handlers.filters import HasText, IsMember
from handlers.lead_card_views import SHORT_LABELS
from handlers.texts import button

WHAT_TO_TYPE = (
    "Чтобы найти клиента, напишите его телефон (можно последние 4 цифры), e-mail "
    "или часть названия компании или имени — или /find и то же самое."
)
KIND_WORDS = {
    QueryKind.PHONE: "по телефону",
    QueryKind.EMAIL: "по e-mail",
    QueryKind.NAME: "по названию и имени",
}


def _who(lead: Lead) -> str:
    person = " ".join(p for p in (lead.contact_name, lead.contact_last_name) if p)
    return " · ".join(p for p in (lead.company_name, person) if p) or lead.title


def _label(lead: Lead) -> str:
    return f"#{lead.id} {SHORT_LABELS[lead.status]} · {_who(lead)}"[:60]


def found_keyboard(leads: list[Lead]) -> InlineKeyboardMarkup:
    """A button per lead, opening its card the way the lists do."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_label(lead), LeadCb(action=LeadAction.OPEN, id=lead.id or 0))]
            for lead in leads
        ]
    )


async def answer_search(message: Message, member: Member, uow: UnitOfWork, text: str) -> None:
    found = await search.find(uow, member, text)
    await uow.rollback()  # a read: the connection goes back before Telegram is called
    shown = escape(text.strip()[:60])
    if found.query is None:
        await message.answer(f"По «{shown}» искать нечего: слишком коротко.\n{WHAT_TO_TYPE}")
        return
    if not found.leads:
        await message.answer(f"Ничего не нашёл по «{shown}».\n{WHAT_TO_TYPE}")
        return
    lines = [f"Нашёл {KIND_WORDS[found.query.kind]} «{shown}»: нажмите, чтобы открыть карточку."]
    if found.more:
        lines.append(f"Показаны первые {search.LIMIT}: уточните запрос.")
    await message.answer("\n".join(lines), reply_markup=found_keyboard(found.leads))


async def typed(message: Message, member: Member, uow: UnitOfWork) -> None:
    """Text with no conversation going on: what the manager looks for."""
    await answer_search(message, member, uow, message.text or "")


async def find_command(
    message: Message, command: CommandObject, member: Member, uow: UnitOfWork
) -> None:
    if not command.args:
        await message.answer(f"Что найти? Например: /find ромашка\n{WHAT_TO_TYPE}")
        return
    await answer_search(message, member, uow, command.args)


def _article(lead: Lead) -> InlineQueryResultArticle:
    lines = [f"Лид #{lead.id}: {escape(lead.title)}", f"Статус: {lead.status.label}"]
    who = _who(lead)
    if who != lead.title:
        lines.append(escape(who))
    lines += [escape(value) for value in (lead.phone, lead.email) if value]
    return InlineQueryResultArticle(
        id=f"lead-{lead.id}",
        title=_label(lead),
        description=" · ".join(v for v in (lead.phone, lead.email) if v) or lead.title[:100],
        input_message_content=InputTextMessageContent(message_text="\n".join(lines)),
    )


async def inline(query: InlineQuery, member: Member, uow: UnitOfWork) -> None:
    """`@bot ромашка` from any chat: the leads he may see, as articles to post."""
    found = await search.find(uow, member, query.query)
    await uow.rollback()
    await query.answer([_article(lead) for lead in found.leads], cache_time=0, is_personal=True)


def router() -> Router:
    router = Router(name="search")
    router.message.filter(IsMember())
    router.message.register(find_command, Command("find"))
    router.message.register(typed, StateFilter(None), HasText())
    router.inline_query.register(inline, IsMember())
    return router

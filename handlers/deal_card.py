"""A deal opened from its lead's card (#14 §5): a plain view until the deals issue gives
the deal a card of its own."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.settings import Settings
from domain.model import Member
from domain.ports import UnitOfWork
from domain.services import conversion
from handlers.callbacks import DealAction, DealCb
from handlers.deal_views import deal_text
from handlers.filters import IsMember
from handlers.replies import message_of


async def open_deal(
    query: CallbackQuery,
    callback_data: DealCb,
    member: Member,
    uow: UnitOfWork,
    settings: Settings,
) -> None:
    view = await conversion.deal_view(uow, member, callback_data.id)
    await message_of(query).answer(deal_text(view, settings.zone))
    await query.answer()


def router() -> Router:
    router = Router(name="deal_card")
    router.callback_query.filter(IsMember())
    router.callback_query.register(open_deal, DealCb.filter(F.action == DealAction.OPEN))
    return router

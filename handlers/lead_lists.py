"""The Leads section: the menu, My leads, the department's lists, the stage board (R2.1, R2.10)."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from domain.errors import StaleState
from domain.model import Member
from domain.ports import UnitOfWork
from domain.services import lead_lists
from domain.statuses import LeadStatus
from handlers import lead_views, views
from handlers.filters import IsMember, TextIs
from handlers.lead_callbacks import LeadListCb
from handlers.lead_new import start_form
from handlers.replies import edit_text, message_of


async def leads_menu(message: Message, member: Member) -> None:
    await message.answer(
        "<b>Лиды</b>", reply_markup=lead_views.leads_menu(lead_lists.sees_department(member))
    )


def _status(code: str) -> LeadStatus | None:
    try:
        return LeadStatus(code) if code else None
    except ValueError:
        raise StaleState("Эта кнопка устарела.") from None


async def list_button(
    query: CallbackQuery,
    callback_data: LeadListCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    cb = callback_data
    status = _status(cb.s)
    text: str
    markup: InlineKeyboardMarkup
    if cb.k == "add":
        await start_form(message_of(query), state)
        await query.answer()
        return
    if cb.k == "my":
        page = await lead_lists.my_leads(uow, member, status, cb.p)
        title = "Мои лиды" + (f": {status.label}" if status else "")
        text, markup = (
            lead_views.leads_page_text(title, page),
            lead_views.leads_page_keyboard(page, cb, filters=True),
        )
    elif cb.k in ("dep", "new", "mgr"):
        page = await lead_lists.department_leads(
            uow,
            member,
            status=status,
            responsible_id=cb.m or None,
            unassigned=cb.k == "new",
            page=cb.p,
        )
        title = {"dep": "Лиды отдела", "new": "Неразобранные лиды", "mgr": "Лиды менеджера"}[cb.k]
        if cb.k == "mgr" and cb.m:
            manager = await uow.members.get(cb.m)
            title = f"Лиды: {manager.full_name}" if manager else title
        if status:
            title += f": {status.label}"
        text, markup = (
            lead_views.leads_page_text(title, page),
            lead_views.leads_page_keyboard(page, cb, filters=cb.k != "new"),
        )
    elif cb.k == "mgrs":
        rows = await lead_lists.by_manager(uow, member)
        text, markup = "<b>Открытые лиды по менеджерам</b>", lead_views.managers_keyboard(rows)
    elif cb.k == "board":
        counts = await lead_lists.board(uow, member)
        kind = "dep" if lead_lists.sees_department(member) else "my"
        text, markup = lead_views.board_text(counts), lead_views.board_keyboard(counts, kind)
    else:
        raise StaleState("Эта кнопка устарела.")
    await edit_text(query, text, reply_markup=markup)
    await query.answer()


def router() -> Router:
    router = Router(name="lead_lists")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(leads_menu, TextIs(views.MENU_LEADS))
    router.callback_query.register(list_button, LeadListCb.filter())
    return router

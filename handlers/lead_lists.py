"""The Leads section: the menu, My leads, the department's lists, the stage board (R2.1, R2.10)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.settings import Settings
from domain.model import Member
from domain.ports import Clock, UnitOfWork
from domain.services import lead_lists
from handlers import lead_list_views, views
from handlers.callbacks import LeadListAction, LeadListCb
from handlers.filters import IsMember, TextIs
from handlers.lead_new import start_form
from handlers.replies import edit_text, message_of


async def leads_menu(message: Message, member: Member) -> None:
    await message.answer(
        "<b>Лиды</b>", reply_markup=lead_list_views.leads_menu(lead_lists.sees_department(member))
    )


async def new_lead(query: CallbackQuery, state: FSMContext) -> None:
    await start_form(message_of(query), state)
    await query.answer()


async def my_leads(
    query: CallbackQuery,
    callback_data: LeadListCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    cb = callback_data
    now = clock.now()
    page = await lead_lists.my_leads(uow, member, cb.status, cb.page, now, settings.zone)
    title = "Мои лиды" + (f": {cb.status.label}" if cb.status is not None else "")
    await _show(
        query,
        lead_list_views.leads_page_text(title, page),
        lead_list_views.leads_page_keyboard(page, cb, now, settings.zone, filters=True),
    )


TITLES = {
    LeadListAction.DEPARTMENT: "Лиды отдела",
    LeadListAction.UNASSIGNED: "Неразобранные лиды",
    LeadListAction.MANAGER: "Лиды менеджера",
}


async def department_leads(
    query: CallbackQuery,
    callback_data: LeadListCb,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
) -> None:
    """The department's leads: all, the unassigned ones, or one manager's."""
    cb = callback_data
    now = clock.now()
    unassigned = cb.action is LeadListAction.UNASSIGNED
    page = await lead_lists.department_leads(
        uow,
        member,
        status=cb.status,
        responsible_id=cb.manager or None,
        unassigned=unassigned,
        page=cb.page,
        now=now,
        zone=settings.zone,
    )
    title = TITLES[cb.action]
    if cb.action is LeadListAction.MANAGER and cb.manager:
        manager = await uow.members.get(cb.manager)
        title = f"Лиды: {manager.full_name}" if manager else title
    if cb.status is not None:
        title += f": {cb.status.label}"
    await _show(
        query,
        lead_list_views.leads_page_text(title, page),
        lead_list_views.leads_page_keyboard(page, cb, now, settings.zone, filters=not unassigned),
    )


async def by_manager(query: CallbackQuery, member: Member, uow: UnitOfWork) -> None:
    rows = await lead_lists.by_manager(uow, member)
    await _show(
        query, "<b>Открытые лиды по менеджерам</b>", lead_list_views.managers_keyboard(rows)
    )


async def board(query: CallbackQuery, member: Member, uow: UnitOfWork) -> None:
    counts = await lead_lists.board(uow, member)
    kind = LeadListAction.DEPARTMENT if lead_lists.sees_department(member) else LeadListAction.MY
    await _show(
        query, lead_list_views.board_text(counts), lead_list_views.board_keyboard(counts, kind)
    )


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    await edit_text(query, text, reply_markup=markup)
    await query.answer()


def router() -> Router:
    router = Router(name="lead_lists")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(leads_menu, TextIs(views.MENU_LEADS))
    on_press = router.callback_query.register
    on_press(my_leads, LeadListCb.filter(F.action == LeadListAction.MY))
    on_press(department_leads, LeadListCb.filter(F.action.in_(set(TITLES))))
    on_press(by_manager, LeadListCb.filter(F.action == LeadListAction.MANAGERS))
    on_press(board, LeadListCb.filter(F.action == LeadListAction.BOARD))
    on_press(new_lead, LeadListCb.filter(F.action == LeadListAction.NEW_LEAD))
    return router

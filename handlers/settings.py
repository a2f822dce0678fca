"""/settings: a department's rule durations (R2.2, R2.14, R2.15), whether its checklist is
required (R2.6, #14 §5) and how its new leads find a manager (#14 §6), for its supervisor
and the admins."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from domain.assignment import AssignMode
from domain.errors import NotAllowed
from domain.model import Member
from domain.ports import Clock, UnitOfWork
from domain.services import auto_assign, department_settings
from domain.services.auto_assign import DepartmentRouting
from domain.sla import WorkSchedule, minutes_text
from handlers.answers import answering
from handlers.callbacks import (
    AssignModeAction,
    AssignModeCb,
    RuleAction,
    RuleCb,
    SettingCb,
    SettingKey,
)
from handlers.filters import HasText, IsMember
from handlers.replies import edit_text, message_of
from handlers.states import EscalationInput

DAY_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")

MODE_HINTS = {
    AssignMode.MANUAL: "офис-менеджер или руководитель нажимает «Назначить»",
    AssignMode.ROUND_ROBIN: "менеджерам по кругу",
    AssignMode.LEAST_LOADED: "тому, у кого меньше всех открытых лидов",
}


def _durations_keyboard(checklist_required: bool) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=label, callback_data=SettingCb(key=SettingKey(key)).pack())]
        for key, (_, label) in department_settings.SETTINGS.items()
    ]
    rows.append([checklist_rule_button(checklist_required)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def checklist_rule_button(required: bool) -> InlineKeyboardButton:
    """#14 §5: the department's checklist rule switched the other way."""
    if required:
        text, action = "Чек-лист: сделать необязательным", RuleAction.CHECKLIST_OFF
    else:
        text, action = "Чек-лист: сделать обязательным", RuleAction.CHECKLIST_ON
    return InlineKeyboardButton(text=text, callback_data=RuleCb(action=action).pack())


def checklist_rule_line(required: bool) -> str:
    if required:
        return "Чек-лист: обязателен, «Обработан» только после него"
    return "Чек-лист: не обязателен, без него менеджер указывает причину"


async def _durations_text(uow: UnitOfWork, member: Member) -> tuple[str, bool]:
    """The department's durations and checklist rule; NotAllowed for an admin of none."""
    policy = await department_settings.current(uow, member)
    required = await department_settings.checklist_required(uow, member)
    text = (
        "<b>Сроки отдела</b> (по приказу; новое значение пересчитывает идущие отсчёты)\n"
        f"Связаться с клиентом: {minutes_text(policy.contact)}\n"
        f"Обработать лид: {minutes_text(policy.processing)}\n"
        f"Лид без ответственного: {minutes_text(policy.unassigned)}\n"
        f"{checklist_rule_line(required)}\n"
        "Что изменить?"
    )
    return text, required


def days_text(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_SHORT[ordered[0]]}–{DAY_SHORT[ordered[-1]]}"
    return ", ".join(DAY_SHORT[day] for day in ordered)


def hours_text(hours: WorkSchedule) -> str:
    if hours.always:
        return "круглосуточно"
    return f"{hours.start:%H:%M}–{hours.end:%H:%M}, {days_text(hours.days)}"


def routing_text(view: DepartmentRouting) -> str:
    mode = view.routing.mode
    lines = [
        f"<b>Новые лиды отдела «{escape(view.department.name)}»</b>",
        f"Сейчас: {mode.label.lower()} — {MODE_HINTS[mode]}.",
    ]
    if mode is not AssignMode.MANUAL:
        lines.append(
            "Бот пропускает отключённых, заблокировавших бота и тех, у кого нерабочее время; "
            "если взять некому, лид ждёт «Назначить». Рабочее время у всех одно, по компании: "
            f"{hours_text(view.hours)}."
        )
    lines.append("Как назначать?")
    return "\n".join(lines)


def routing_keyboard(view: DepartmentRouting) -> InlineKeyboardMarkup:
    assert view.department.id is not None
    rows = []
    for mode in AssignMode:
        mark = "✓ " if mode is view.routing.mode else ""
        data = AssignModeCb(
            action=AssignModeAction.SET, department_id=view.department.id, mode=mode
        )
        rows.append([InlineKeyboardButton(text=f"{mark}{mode.label}", callback_data=data.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def show_settings(message: Message, member: Member, uow: UnitOfWork) -> None:
    routings = await auto_assign.routings(uow, member)  # the rights first: a manager is refused
    try:
        text, required = await _durations_text(uow, member)
    except NotAllowed as refused:  # an admin of no department: the durations are a department's
        await message.answer(str(refused))
    else:
        await message.answer(text, reply_markup=_durations_keyboard(required))
    for view in routings:
        await message.answer(routing_text(view), reply_markup=routing_keyboard(view))


async def mode_button(
    query: CallbackQuery, callback_data: AssignModeCb, member: Member, uow: UnitOfWork
) -> None:
    cb = callback_data
    view = await auto_assign.set_mode(uow, member, cb.department_id, cb.mode)
    await edit_text(query, routing_text(view), routing_keyboard(view))
    await query.answer(f"Новые лиды: {view.routing.mode.label.lower()}")


async def rule_button(
    query: CallbackQuery, callback_data: RuleCb, member: Member, uow: UnitOfWork
) -> None:
    """The checklist made required or not (#14 §5); the settings message shows the change."""
    required = callback_data.action is RuleAction.CHECKLIST_ON
    await department_settings.require_checklist(uow, member, required)
    text, required = await _durations_text(uow, member)
    await edit_text(query, text, _durations_keyboard(required))
    await query.answer("Сохранено.")


async def settings_button(
    query: CallbackQuery,
    callback_data: SettingCb,
    member: Member,
    uow: UnitOfWork,
    state: FSMContext,
) -> None:
    """A duration to change: its new value is asked for."""
    key = callback_data.key.value
    await department_settings.current(uow, member)  # the rights, before asking anything
    await state.set_state(EscalationInput.setting)
    await state.set_data({"key": key})
    await message_of(query).answer(
        f"{department_settings.SETTINGS[key][1]}: сколько минут? Например 15 или 0,5."
    )
    await query.answer()


async def setting_value(
    message: Message, member: Member, uow: UnitOfWork, state: FSMContext, clock: Clock
) -> None:
    key = (await state.get_data())["key"]
    async with answering(state, uow):
        policy = await department_settings.change(uow, member, key, message.text or "", clock.now())
    await state.clear()
    value = {
        "contact": policy.contact,
        "processing": policy.processing,
        "unassigned": policy.unassigned,
    }[key]
    await message.answer(
        f"Сохранено: {department_settings.SETTINGS[key][1]} — {minutes_text(value)}."
    )


def router() -> Router:
    router = Router(name="settings")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.callback_query.register(settings_button, SettingCb.filter())
    router.callback_query.register(rule_button, RuleCb.filter())
    router.callback_query.register(
        mode_button, AssignModeCb.filter(F.action == AssignModeAction.SET)
    )
    router.message.register(setting_value, StateFilter(EscalationInput.setting), HasText())
    router.message.register(show_settings, Command("settings"))
    return router

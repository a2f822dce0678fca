"""Texts and keyboards as small pure functions of domain objects. User text is escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from domain.model import Department, Member, Profile, Role
from domain.permissions import INVITABLE_ROLES
from handlers.callbacks import (
    NEW_DEPARTMENT,
    NO_DEPARTMENT,
    InviteDepartmentCb,
    InviteRoleCb,
    ProfileAction,
    ProfileCb,
    TeamAction,
    TeamCb,
)

MENU_LEADS = "Лиды"
MENU_DEALS = "Сделки"
MENU_TASKS = "Задачи"
MENU_INVITE = "Пригласить"
MENU_TEAM = "Команда"
MENU_PROFILE = "Профиль"
MENU_HELP = "Помощь"
SHARE_PHONE = "📱 Отправить мой номер"
MENU_LABELS = frozenset(
    {MENU_LEADS, MENU_DEALS, MENU_TASKS, MENU_INVITE, MENU_TEAM, MENU_PROFILE, MENU_HELP}
)

NOT_READY = {
    MENU_DEALS: "Раздел «Сделки» скоро появится: сейчас его готовят к работе.",
    MENU_TASKS: "Раздел «Задачи» скоро появится: сейчас его готовят к работе.",
}

BOT_COMMANDS = (
    ("start", "Главное меню"),
    ("help", "Что умеет бот"),
    ("invite", "Пригласить сотрудника"),
    ("team", "Мой отдел"),
    ("profile", "Изменить профиль"),
    ("find", "Найти клиента: телефон, e-mail, название"),
    ("checklist", "Чек-лист лида: /checklist 12"),
    ("penalties", "Взыскания за месяц (руководителю)"),
    ("settings", "Сроки отдела и назначение лидов (руководителю)"),
    ("cancel", "Отменить текущее действие"),
)


def may_invite_anyone(member: Member) -> bool:
    return bool(INVITABLE_ROLES[member.role])


def manages_team(member: Member) -> bool:
    return member.role in (Role.SUPERVISOR, Role.ADMIN)


def main_menu(member: Member) -> ReplyKeyboardMarkup:
    """R1.4: Leads, Deals and Tasks come first."""
    rows = [
        [
            KeyboardButton(text=MENU_LEADS),
            KeyboardButton(text=MENU_DEALS),
            KeyboardButton(text=MENU_TASKS),
        ]
    ]
    staff = []
    if may_invite_anyone(member):
        staff.append(KeyboardButton(text=MENU_INVITE))
    if manages_team(member):
        staff.append(KeyboardButton(text=MENU_TEAM))
    if staff:
        rows.append(staff)
    rows.append([KeyboardButton(text=MENU_PROFILE), KeyboardButton(text=MENU_HELP)])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def welcome(member: Member) -> str:
    return f"Здравствуйте, {escape(member.full_name)}! Вы — {member.role.label}. Выберите раздел."


def welcome_first_department(member: Member) -> str:
    """The admin's /start while there is no department: that is his first step."""
    return (
        f"Здравствуйте, {escape(member.full_name)}! Вы — {member.role.label}.\n"
        "Отделов пока нет. Создайте первый: бот спросит название и даст ссылку-приглашение "
        "для руководителя отдела."
    )


def first_department() -> InlineKeyboardMarkup:
    """«Создать отдел»: the admin's /invite walk from its «➕ Новый отдел» step, for the
    department's supervisor. The main menu comes with the department."""
    data = InviteDepartmentCb(role=Role.SUPERVISOR, department_id=NEW_DEPARTMENT).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Создать отдел", callback_data=data)]]
    )


def no_admin_yet(telegram_id: int) -> str:
    """A /start while nobody is the admin: how the owner becomes one."""
    return (
        "У бота ещё нет администратора. Если бот ваш, назначьте себя:\n"
        f"1. Ваш Telegram id: <code>{telegram_id}</code>\n"
        f"2. Впишите в файл .env строку <code>ADMIN_IDS={telegram_id}</code>\n"
        "3. Перезапустите бота и снова отправьте /start."
    )


def help_text(member: Member) -> str:
    lines = [
        "<b>Что умеет бот</b>",
        "",
        "«Лиды» — мои лиды, новый лид, канбан; карточка лида с кнопками стадий.",
        "Перешлите сообщение клиента или его контакт — бот предложит создать лид.",
        "Поиск: напишите телефон (хотя бы 4 последние цифры), e-mail или часть названия "
        "компании или имени клиента; то же — /find ромашка или @бот ромашка из любого чата.",
        "Сделки и Задачи — разделы в разработке.",
    ]
    if may_invite_anyone(member):
        roles = ", ".join(role.label for role in INVITABLE_ROLES[member.role])
        lines.append(f"/invite — пригласить сотрудника ({roles})")
    if manages_team(member):
        lines.append("/team — сотрудники отдела, отключение доступа")
        lines.append("/penalties — взыскания за месяц; /penalties 1 — за прошлый")
        lines.append("/settings — сроки отдела; как новые лиды находят менеджера")
    lines += [
        "/profile — изменить ФИО, телефон, e-mail, должность",
        "/cancel — прервать текущее действие",
        "/start — главное меню",
    ]
    return "\n".join(lines)


def phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=SHARE_PHONE, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def suggestion_keyboard(text: str) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    if not text.strip():
        return ReplyKeyboardRemove()
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=text.strip()[:64])]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def profile_summary(profile: Profile) -> str:
    return (
        "<b>Проверьте профиль</b>\n"
        f"ФИО: {escape(profile.full_name)}\n"
        f"Телефон: {escape(profile.phone)}\n"
        f"E-mail: {escape(profile.email)}\n"
        f"Должность: {escape(profile.position)}"
    )


def profile_confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="✅ Всё верно", callback_data=ProfileCb(action=ProfileAction.SAVE).pack()
                ),
                InlineKeyboardButton(
                    text="✏️ Заново", callback_data=ProfileCb(action=ProfileAction.REDO).pack()
                ),
            ]
        ]
    )


def invite_roles_keyboard(member: Member) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=role.label.capitalize(), callback_data=InviteRoleCb(role=role).pack()
                )
            ]
            for role in INVITABLE_ROLES[member.role]
        ]
    )


def invite_departments_keyboard(role: Role, departments: list[Department]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=department.name,
                callback_data=InviteDepartmentCb(
                    role=role, department_id=department.id or 0
                ).pack(),
            )
        ]
        for department in departments
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text="➕ Новый отдел",
                callback_data=InviteDepartmentCb(role=role, department_id=NEW_DEPARTMENT).pack(),
            )
        ]
    )
    if role is Role.ADMIN:
        rows.append(
            [
                InlineKeyboardButton(
                    text="Без отдела",
                    callback_data=InviteDepartmentCb(role=role, department_id=NO_DEPARTMENT).pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def invitation_text(
    link: str, role: Role, department: Department | None, expires_at: datetime, zone: ZoneInfo
) -> str:
    where = f" в отдел «{escape(department.name)}»" if department else ""
    return (
        f"Приглашение: {role.label}{where}.\n"
        f"Ссылка одноразовая, действует до {local_time(expires_at, zone)}:\n"
        f"{link}\n\n"
        "Перешлите её сотруднику: он откроет бота и заполнит профиль."
    )


def team_text(actor: Member, members: list[Member]) -> str:
    if not members:
        return "В отделе пока никого нет. Пригласите сотрудников: /invite"
    lines = ["<b>Сотрудники</b>"]
    for member in members:
        state = "" if member.active else " — <i>доступ отключён</i>"
        me = " (вы)" if member.id == actor.id else ""
        lines.append(f"• {escape(member.full_name)}{me} — {member.role.label}{state}")
    return "\n".join(lines)


def _switch_on_row(member: Member, confirm: int | None) -> list[InlineKeyboardButton]:
    """Access back for a member switched off, in two presses as switching off is."""
    assert member.id is not None
    if member.id != confirm:
        data = TeamCb(action=TeamAction.ASK_ON, member_id=member.id).pack()
        return [
            InlineKeyboardButton(text=f"✅ Включить: {member.full_name}"[:64], callback_data=data)
        ]
    return [
        InlineKeyboardButton(
            text=f"Да, включить: {member.full_name}"[:64],
            callback_data=TeamCb(action=TeamAction.ON, member_id=member.id).pack(),
        ),
        InlineKeyboardButton(
            text="Отмена", callback_data=TeamCb(action=TeamAction.KEEP, member_id=member.id).pack()
        ),
    ]


def team_keyboard(
    actor: Member, members: list[Member], confirm: int | None = None
) -> InlineKeyboardMarkup:
    rows = []
    for member in members:
        if member.id == actor.id or member.id is None:
            continue
        if member.role is Role.ADMIN and actor.role is not Role.ADMIN:
            continue
        if not member.active:
            rows.append(_switch_on_row(member, confirm))
        elif member.id == confirm:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=f"Да, отключить: {member.full_name}"[:64],
                        callback_data=TeamCb(action=TeamAction.OFF, member_id=member.id).pack(),
                    ),
                    InlineKeyboardButton(
                        text="Отмена",
                        callback_data=TeamCb(action=TeamAction.KEEP, member_id=member.id).pack(),
                    ),
                ]
            )
        else:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=f"🚫 Отключить: {member.full_name}"[:64],
                        callback_data=TeamCb(action=TeamAction.ASK_OFF, member_id=member.id).pack(),
                    )
                ]
            )
    return InlineKeyboardMarkup(inline_keyboard=rows)

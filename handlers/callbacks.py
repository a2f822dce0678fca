"""Callback data: one class per thing, short prefixes, ids and codes only (64-byte limit)."""

from aiogram.filters.callback_data import CallbackData


class InviteRoleCb(CallbackData, prefix="ir"):
    role: str


class InviteDepartmentCb(CallbackData, prefix="id"):
    role: str
    department_id: int  # NEW_DEPARTMENT asks for a name, NO_DEPARTMENT is for admins


NEW_DEPARTMENT = -1
NO_DEPARTMENT = 0


class TeamCb(CallbackData, prefix="tm"):
    action: str  # "ask" to confirm, "off" to deactivate, "keep" to cancel
    member_id: int


class ProfileCb(CallbackData, prefix="pf"):
    action: str  # "save" or "redo"

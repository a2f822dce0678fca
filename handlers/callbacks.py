"""Callback data: one class per thing, short prefixes, ids and codes only (64-byte limit)."""

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# A row id, a page or an index, within what the tables hold (PostgreSQL's integer). Data
# outside it was never sent by the bot: it fails the button's filter, and the press is
# answered as a stale button instead of reaching the database.
INT_MAX = 2**31 - 1
Num = Annotated[int, Field(ge=0, le=INT_MAX)]


class InviteRoleCb(CallbackData, prefix="ir"):
    role: str


class InviteDepartmentCb(CallbackData, prefix="id"):
    role: str
    department_id: Annotated[int, Field(ge=-1, le=INT_MAX)]  # NEW_, NO_DEPARTMENT below


NEW_DEPARTMENT = -1
NO_DEPARTMENT = 0


class TeamCb(CallbackData, prefix="tm"):
    action: str  # "ask"/"ask_on" to confirm, then "off"/"on"; "keep" to cancel
    member_id: Num


class ProfileCb(CallbackData, prefix="pf"):
    action: str  # "save" or "redo"

"""Callback data of the lead card: ids and short codes only (64-byte limit)."""

from aiogram.filters.callback_data import CallbackData


class LeadCb(CallbackData, prefix="ld"):
    a: str  # action code, see handlers/leads.py
    id: int  # lead id
    s: str = ""  # the status the card showed: a press on a stale card is refused
    t: str = ""  # target: a status, a field, a junk reason
    v: int = 0  # a number: page, member id, company id


class LeadListCb(CallbackData, prefix="ll"):
    k: str  # list kind: "my", "dep", "new", "mgr", "board"
    s: str = ""  # status filter
    m: int = 0  # manager id
    p: int = 0  # page


class DraftCb(CallbackData, prefix="dr"):
    a: str  # "ok" create, "no" drop
    id: int


class FormCb(CallbackData, prefix="fm"):
    a: str  # "skip", "save", "cancel"

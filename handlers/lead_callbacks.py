"""Callback data of the lead card: ids and short codes only (64-byte limit)."""

from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import Num


class LeadCb(CallbackData, prefix="ld"):
    a: str  # action code, see handlers/leads.py
    id: Num  # lead id
    s: str = ""  # the status the card showed: a press on a stale card is refused
    t: str = ""  # target: a status, a field, a junk reason
    v: Num = 0  # a number: page, member id, company id


class LeadListCb(CallbackData, prefix="ll"):
    k: str  # list kind: "my", "dep", "new", "mgr", "board"
    s: str = ""  # status filter
    m: Num = 0  # manager id
    p: Num = 0  # page


class DraftCb(CallbackData, prefix="dr"):
    a: str  # "ok" create, "no" drop
    id: Num


class FormCb(CallbackData, prefix="fm"):
    a: str  # "skip", "save", "cancel"

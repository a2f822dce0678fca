"""The small pieces every view uses: times, ages, counted words, clipped texts, a button."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton

from handlers.callbacks import LeadCb, LeadListCb

CARD_LIMIT = 4096


def button(text: str, cb: LeadCb | LeadListCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def moment(when: datetime, now: datetime, zone: ZoneInfo, at: str = "до") -> str:
    """«до 17:40» today, «завтра до 09:10», «14.12 до 09:10» on another day (company time)."""
    local_when, today = when.astimezone(zone), now.astimezone(zone).date()
    clock = f"{at} {local_when:%H:%M}"
    if local_when.date() == today:
        return clock
    if (local_when.date() - today).days == 1:
        return f"завтра {clock}"
    return f"{local_when:%d.%m} {clock}"


def duration(delta: timedelta, *, up: bool = False) -> str:
    """«12 мин», «2 ч 5 мин», «3 дн 4 ч»; what is left is rounded up (`up`), so a card never
    says less time remains than does."""
    seconds = max(0.0, delta.total_seconds())
    minutes = math.ceil(seconds / 60) if up else int(seconds // 60)
    if minutes < 1:
        return "меньше минуты"
    if minutes < 60:
        return f"{minutes} мин"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} ч {rest} мин" if rest else f"{hours} ч"
    days, hours = divmod(hours, 24)
    return f"{days} дн {hours} ч" if hours else f"{days} дн"


def age(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} мин назад"
    if minutes < 48 * 60:
        return f"{minutes // 60} ч назад"
    return f"{minutes // (24 * 60)} дн назад"


_TAG = re.compile(r"<[^>]+>")


def visible_length(html: str) -> int:
    """Telegram's 4096 counts the text as shown (tags dropped, an entity one character), in
    UTF-16 units: an emoji counts twice."""
    return len(unescape(_TAG.sub("", html)).encode("utf-16-le")) // 2


def clipped(text: str, room: int) -> str:
    """`text` in at most `room` UTF-16 units, with an ellipsis when cut."""
    if len(text.encode("utf-16-le")) // 2 <= room:
        return text
    kept = text.encode("utf-16-le")[: 2 * (room - 1)].decode("utf-16-le", "ignore")
    return kept + "…"


def counted(count: int, one: str, few: str, many: str) -> str:
    """«1 сделка», «2 сделки», «5 сделок»: the noun agreeing with the number."""
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} {one}"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} {few}"
    return f"{count} {many}"

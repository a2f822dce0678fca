"""Async filters: sync magic filters run in a thread per evaluation (tech-notes.md)."""

from __future__ import annotations

import re

from aiogram.filters import Filter
from aiogram.types import Message


class TextIs(Filter):
    """The message text is one of the given labels (reply-keyboard buttons)."""

    def __init__(self, *labels: str) -> None:
        self.labels = frozenset(labels)

    async def __call__(self, message: Message) -> bool:
        return message.text in self.labels


# A bot command as Telegram marks one: "/", 1-32 letters, digits or "_", then the end, a space
# or "@botname". "/ 5 шт" or "/пять" is text a user typed as an answer.
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@\w+)?(?:\s|$)")


class HasText(Filter):
    """A typed answer: text that is neither a command nor a main-menu button."""

    async def __call__(self, message: Message) -> bool:
        from handlers.views import MENU_LABELS

        text = message.text
        return bool(text) and not _COMMAND.match(text) and text not in MENU_LABELS


class HasContact(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.contact is not None


class IsMember(Filter):
    """The sender is a member of the team (the access gate already refused inactive ones)."""

    async def __call__(self, event: object, member: object = None) -> bool:
        return member is not None

"""A typed answer whose question no longer stands: the question is closed, and said so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram.fsm.context import FSMContext

from domain.errors import DomainError, InvalidInput

QUESTION_CLOSED = "Ответ не сохранён: вопрос уже неактуален."


class QuestionClosed(DomainError):
    """The answer was refused for what it answers, not for its value."""


@asynccontextmanager
async def answering(state: FSMContext) -> AsyncIterator[None]:
    """Around the use of a typed answer. Refused for anything but its value (the lead moved
    on, went to another manager, is gone), the question is closed, so the next message is not
    taken for it again. A bad value keeps the question, to be answered again."""
    try:
        yield
    except InvalidInput:
        raise
    except DomainError as error:
        await state.clear()
        raise QuestionClosed(f"{error.message}\n{QUESTION_CLOSED}") from error

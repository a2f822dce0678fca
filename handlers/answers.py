"""A typed answer whose question no longer stands: the question is closed, and said so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram.fsm.context import FSMContext

from domain.errors import DomainError, InvalidInput, WrittenMeanwhile
from domain.ports import UnitOfWork

QUESTION_CLOSED = "Ответ не сохранён: вопрос уже неактуален."
RESEND = "Лид только что изменился, и ответ не сохранён: отправьте его ещё раз."


class QuestionClosed(DomainError):
    """The answer was refused for what it answers, not for its value."""


@asynccontextmanager
async def answering(state: FSMContext, uow: UnitOfWork) -> AsyncIterator[None]:
    """Around the use of a typed answer. Refused for what it answers (the lead moved on,
    went to another manager, is gone), the question is closed, so the next message is not
    taken for it again. A bad value, or a save that met another one, keeps the question:
    the answer may be sent again."""
    try:
        yield
    except InvalidInput:
        raise
    except WrittenMeanwhile as error:
        raise WrittenMeanwhile(RESEND) from error
    except DomainError as error:
        # The FSM is stored apart: what the use case wrote must not hold SQLite's lock.
        await uow.rollback()
        await state.clear()
        raise QuestionClosed(f"{error.message}\n{QUESTION_CLOSED}") from error

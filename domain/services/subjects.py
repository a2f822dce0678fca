"""Loading a subject (a lead, an escalation; deals and tasks next) by its kind and id: the one
table the timer sweep and the outbox sender go through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from domain.model import Subject, SubjectKind
from domain.ports import UnitOfWork

LOADERS: dict[SubjectKind, Callable[[UnitOfWork, int], Awaitable[Any]]] = {
    SubjectKind.LEAD: lambda uow, subject_id: uow.leads.get(subject_id),
    SubjectKind.ESCALATION: lambda uow, subject_id: uow.escalations.get(subject_id),
}


async def load(uow: UnitOfWork, subject: Subject) -> Any:
    """The subject as it is now; None when it is gone."""
    return await LOADERS[subject.kind](uow, subject.id)

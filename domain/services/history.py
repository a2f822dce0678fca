"""The history of a subject (R2.8): the events a behaviour of the model returns, written in
the transaction of the change that made them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from domain.model import Event, LeadEvent, Subject, SubjectKind
from domain.ports import UnitOfWork


async def _lead_event(uow: UnitOfWork, lead_id: int, event: Event) -> None:
    await uow.lead_events.add(
        LeadEvent(
            lead_id=lead_id,
            at=event.at,
            actor_id=event.actor_id,
            kind=event.kind,
            field_name=event.field_name,
            old_value=event.old_value,
            new_value=event.new_value,
        )
    )


# Where each kind of subject keeps its history: a deal's and a task's go here too.
WRITERS: dict[SubjectKind, Callable[[UnitOfWork, int, Event], Awaitable[None]]] = {
    SubjectKind.LEAD: _lead_event,
}


async def record(uow: UnitOfWork, subject: Subject, events: Iterable[Event]) -> None:
    """Write `events` into `subject`'s history, in their order."""
    write = WRITERS[subject.kind]
    for event in events:
        await write(uow, subject.id, event)

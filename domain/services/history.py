"""The history of a subject (R2.8): the events a behaviour of the model returns, written in
the transaction of the change that made them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from domain.model import Event, Lead, LeadEvent
from domain.ports import UnitOfWork


async def _lead_event(uow: UnitOfWork, lead: Lead, event: Event) -> None:
    assert lead.id is not None
    await uow.lead_events.add(
        LeadEvent(
            lead_id=lead.id,
            at=event.at,
            actor_id=event.actor_id,
            kind=event.kind,
            field_name=event.field_name,
            old_value=event.old_value,
            new_value=event.new_value,
        )
    )


# Where each kind of subject keeps its history: a deal's and a task's go here too.
WRITERS: dict[type, Callable[[UnitOfWork, Any, Event], Awaitable[None]]] = {
    Lead: _lead_event,
}


async def record(uow: UnitOfWork, subject: object, events: Iterable[Event]) -> None:
    """Write `events` into `subject`'s history, in their order."""
    write = WRITERS[type(subject)]
    for event in events:
        await write(uow, subject, event)

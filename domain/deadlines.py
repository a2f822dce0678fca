"""What is due on a lead and by when: the deadlines its timers fire at (R2.15, R2.14, R2.2) and
the call agreed with the client (R2.5). Read from the timers, never computed anew, so a card
or a list shows the very moment the sweep acts at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Deadlines:
    contact: datetime | None = None  # R2.15: contact the client by (his card reached him)
    assign: datetime | None = None  # R2.14: assign a responsible by
    processing: datetime | None = None  # R2.2: the processing deadline of an open lead
    call: datetime | None = None  # R2.5: the call agreed with the client

    @property
    def first(self) -> datetime | None:
        """The nearest moment anything is due: a list's order."""
        due = [d for d in (self.contact, self.assign, self.processing, self.call) if d]
        return min(due) if due else None

    def overdue(self, now: datetime) -> bool:
        first = self.first
        return first is not None and first <= now

    def call_today(self, now: datetime, zone: ZoneInfo) -> bool:
        return (
            self.call is not None
            and self.call.astimezone(zone).date() == now.astimezone(zone).date()
        )


def day_of(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Today in the company's time zone, as [start, end) moments."""
    start = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    end = datetime.combine(start.date() + timedelta(days=1), time(0), zone)
    return start, end

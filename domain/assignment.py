"""How a new lead finds its manager (#14 §6): by hand (R2.11, the default), in turn, or to the
least loaded; the choice as a pure function of who there is, now.

Nobody is chosen who is switched off, who blocked the bot (his card would never reach him,
and his R2.15 clock would run out unseen), or who is outside his working hours. There are no
hours of one's own yet: everyone works the company's (`WORK_HOURS`, `WORK_DAYS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.sla import WorkSchedule


class AssignMode(StrEnum):
    MANUAL = "manual"  # the pool's «Назначить» (R2.11)
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"

    @property
    def label(self) -> str:
        """The mode as /settings names it."""
        return MODE_LABELS[self]

    @property
    def reason(self) -> str:
        """Why the bot chose him, as the card says it after «Назначен автоматически: »."""
        return MODE_REASONS[self]


MODE_LABELS = {
    AssignMode.MANUAL: "Вручную",
    AssignMode.ROUND_ROBIN: "По очереди",
    AssignMode.LEAST_LOADED: "Наименее загруженному",
}
MODE_REASONS = {
    AssignMode.MANUAL: "вручную",
    AssignMode.ROUND_ROBIN: "по очереди",
    AssignMode.LEAST_LOADED: "меньше всех открытых лидов",
}


class Skip(StrEnum):
    """Why a manager gets no lead now."""

    SWITCHED_OFF = "switched_off"
    BLOCKED = "blocked"
    OFF_HOURS = "off_hours"


@dataclass(frozen=True)
class Routing:
    """A department's mode, and who got its last lead assigned by the bot (whose turn it
    was)."""

    mode: AssignMode = AssignMode.MANUAL
    last_member_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A manager of the department as the choice sees him."""

    member_id: int
    active: bool
    blocked: bool  # he blocked the bot: nothing reaches him
    open_leads: int
    hours: WorkSchedule


@dataclass(frozen=True)
class Choice:
    """The manager chosen (None: nobody qualifies, the lead waits in the pool), and why the
    others were passed over."""

    mode: AssignMode
    member_id: int | None
    skipped: dict[int, Skip]


def at_work(hours: WorkSchedule, moment: datetime) -> bool:
    """Whether `moment` falls inside the working hours."""
    if hours.always:
        return True
    local = moment.astimezone(hours.zone)
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


def skip_reason(candidate: Candidate, now: datetime) -> Skip | None:
    if not candidate.active:
        return Skip.SWITCHED_OFF
    if candidate.blocked:
        return Skip.BLOCKED
    if not at_work(candidate.hours, now):
        return Skip.OFF_HOURS
    return None


def in_turn(ids: Iterable[int], last: int | None) -> list[int]:
    """The ids in the order their turns come after `last`: the ring of ids in ascending
    order, starting after `last` (a manager who was passed over or who joined since keeps
    his place in the ring)."""
    ring = sorted(ids)
    if last is None:
        return ring
    after = [i for i in ring if i > last]
    return after + [i for i in ring if i <= last]


def choose(
    mode: AssignMode,
    candidates: Sequence[Candidate],
    last: int | None,
    now: datetime,
) -> Choice:
    """The manager the lead goes to. ROUND_ROBIN: the next in turn after `last` (the one who
    got the department's last lead). LEAST_LOADED: the fewest open leads; among equals, the
    next in turn, so that equals share the leads fairly too. MANUAL: nobody (a person
    assigns)."""
    skipped: dict[int, Skip] = {}
    eligible: dict[int, Candidate] = {}
    for candidate in candidates:
        reason = skip_reason(candidate, now)
        if reason is None:
            eligible[candidate.member_id] = candidate
        else:
            skipped[candidate.member_id] = reason
    if mode is AssignMode.MANUAL or not eligible:
        return Choice(mode, None, skipped)
    order = in_turn(eligible, last)
    if mode is AssignMode.LEAST_LOADED:
        fewest = min(c.open_leads for c in eligible.values())
        order = [i for i in order if eligible[i].open_leads == fewest]
    return Choice(mode, order[0], skipped)

"""The lead status machine as data (R2.9, R2.11, R2.16)."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import DomainError


class StatusKind(StrEnum):
    OPEN = "open"
    SUCCESS = "success"
    FAILURE = "failure"


class LeadStatus(StrEnum):
    NEW = "NEW"
    ASSIGNED = "ASSIGNED"
    IN_PROCESS = "IN_PROCESS"
    PROCESSED = "PROCESSED"
    CONVERTED = "CONVERTED"
    JUNK = "JUNK"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def kind(self) -> StatusKind:
        return STATUS_KINDS[self]

    @property
    def is_final(self) -> bool:
        return self.kind is not StatusKind.OPEN


STATUS_LABELS = {
    LeadStatus.NEW: "Не обработан",
    LeadStatus.ASSIGNED: "Назначен ответственный",
    LeadStatus.IN_PROCESS: "В работе",
    LeadStatus.PROCESSED: "Обработан",
    LeadStatus.CONVERTED: "Качественный лид",
    LeadStatus.JUNK: "Некачественный лид",
}

STATUS_KINDS = {
    LeadStatus.NEW: StatusKind.OPEN,
    LeadStatus.ASSIGNED: StatusKind.OPEN,
    LeadStatus.IN_PROCESS: StatusKind.OPEN,
    LeadStatus.PROCESSED: StatusKind.OPEN,
    LeadStatus.CONVERTED: StatusKind.SUCCESS,
    LeadStatus.JUNK: StatusKind.FAILURE,
}

# The open stages in their order: the stage strip of a lead card.
OPEN_STAGES: tuple[LeadStatus, ...] = (
    LeadStatus.NEW,
    LeadStatus.ASSIGNED,
    LeadStatus.IN_PROCESS,
    LeadStatus.PROCESSED,
)

# Forward moves anyone working the lead may make; skipping a stage is allowed (R2.9).
# NEW leaves only by assignment (R2.11); a lead converts from any stage after it (R2.12).
FORWARD: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({LeadStatus.ASSIGNED, LeadStatus.JUNK}),
    LeadStatus.ASSIGNED: frozenset(
        {LeadStatus.IN_PROCESS, LeadStatus.PROCESSED, LeadStatus.CONVERTED, LeadStatus.JUNK}
    ),
    LeadStatus.IN_PROCESS: frozenset({LeadStatus.PROCESSED, LeadStatus.CONVERTED, LeadStatus.JUNK}),
    LeadStatus.PROCESSED: frozenset({LeadStatus.CONVERTED, LeadStatus.JUNK}),
    LeadStatus.CONVERTED: frozenset(),
    LeadStatus.JUNK: frozenset(),
}

# Moves back to an earlier open stage: a supervisor's correction only.
BACKWARD: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset(),
    LeadStatus.ASSIGNED: frozenset(),
    LeadStatus.IN_PROCESS: frozenset({LeadStatus.ASSIGNED}),
    LeadStatus.PROCESSED: frozenset({LeadStatus.ASSIGNED, LeadStatus.IN_PROCESS}),
    LeadStatus.CONVERTED: frozenset(),
    LeadStatus.JUNK: frozenset(),
}


class TransitionRefused(DomainError):
    """A status move the machine does not allow."""


def check_move(
    current: LeadStatus,
    target: LeadStatus,
    *,
    may_move_back: bool,
    reason: str | None = None,
) -> None:
    """Raise TransitionRefused, with a readable message, unless current -> target is allowed."""
    if current is target:
        raise TransitionRefused(f"Лид уже в статусе «{target.label}».")
    if current.is_final:
        raise TransitionRefused(
            f"Лид уже закрыт («{current.label}»): его статус больше не меняется."
        )
    if target in FORWARD[current]:
        if target is LeadStatus.JUNK and not (reason and reason.strip()):
            raise TransitionRefused("Укажите причину, по которой лид некачественный.")
        return
    if target in BACKWARD[current]:
        if may_move_back:
            return
        raise TransitionRefused("Вернуть лид на прошлую стадию может только руководитель отдела.")
    raise TransitionRefused(f"Из статуса «{current.label}» нельзя перейти в «{target.label}».")

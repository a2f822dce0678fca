"""The rules' durations set by the company order, changed by a supervisor at run time."""

from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidInput, NotAllowed
from domain.model import Member
from domain.permissions import Action, require
from domain.ports import UnitOfWork
from domain.services import timers
from domain.sla import MIN_MINUTES, SlaPolicy

SETTINGS = {
    "contact": ("contact_sla_minutes", "Связаться с клиентом"),  # R2.15
    "processing": ("processing_deadline_minutes", "Обработать лид"),  # R2.2
    "unassigned": ("unassigned_limit_minutes", "Лид без ответственного"),  # R2.14
}
MAX_MINUTES = 60 * 24 * 30


def parse_minutes(raw: str) -> float:
    try:
        minutes = float(raw.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput("minutes", "Напишите число минут, например 15 или 0,5.") from None
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput("minutes", f"Число минут: не меньше 0,02 и не больше {MAX_MINUTES}.")
    return minutes


def _department_of(actor: Member) -> int:
    """The settings are a department's: an admin outside any has none to change."""
    require(actor, Action.CHANGE_SETTINGS, department_id=actor.department_id)
    if actor.department_id is None:
        raise NotAllowed("Сроки задаются для отдела: их меняет руководитель отдела.")
    return actor.department_id


async def current(uow: UnitOfWork, actor: Member) -> SlaPolicy:
    return await uow.sla.policy(_department_of(actor))


async def change(uow: UnitOfWork, actor: Member, key: str, raw: str, now: datetime) -> SlaPolicy:
    department_id = _department_of(actor)
    if key not in SETTINGS:
        raise InvalidInput("setting", "Такой настройки нет.")
    await uow.sla.set_minutes(department_id, SETTINGS[key][0], parse_minutes(raw))
    await timers.replan_department(uow, department_id, now)
    await uow.commit()
    return await uow.sla.policy(department_id)


async def checklist_required(uow: UnitOfWork, actor: Member) -> bool:
    return await uow.sla.checklist_required(_department_of(actor))


async def require_checklist(uow: UnitOfWork, actor: Member, required: bool) -> bool:
    """#14 §5: whether the department's leads reach «Обработан» only by the checklist
    (R2.6); by default they need not."""
    department_id = _department_of(actor)
    await uow.sla.set_checklist_required(department_id, required)
    await uow.commit()
    return required

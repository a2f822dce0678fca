"""The rules' durations set by the company order, changed by a supervisor at run time."""

from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidInput
from domain.model import Member
from domain.permissions import Action, require
from domain.ports import UnitOfWork
from domain.services import timers
from domain.sla import SlaPolicy

SETTINGS = {
    "contact": ("contact_sla_minutes", "Связаться с клиентом (R2.15)"),
    "processing": ("processing_deadline_minutes", "Обработать лид (R2.2)"),
    "unassigned": ("unassigned_limit_minutes", "Лид без ответственного (R2.14)"),
}
MAX_MINUTES = 60 * 24 * 30


def parse_minutes(raw: str) -> float:
    try:
        minutes = float(raw.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput("minutes", "Напишите число минут, например 15 или 0,5.") from None
    if not 0 < minutes <= MAX_MINUTES:
        raise InvalidInput("minutes", f"Число минут: больше 0 и не больше {MAX_MINUTES}.")
    return minutes


async def current(uow: UnitOfWork, actor: Member) -> SlaPolicy:
    require(actor, Action.CHANGE_SETTINGS, department_id=actor.department_id)
    assert actor.department_id is not None
    return await uow.sla.policy(actor.department_id)


async def change(uow: UnitOfWork, actor: Member, key: str, raw: str, now: datetime) -> SlaPolicy:
    require(actor, Action.CHANGE_SETTINGS, department_id=actor.department_id)
    if key not in SETTINGS or actor.department_id is None:
        raise InvalidInput("setting", "Такой настройки нет.")
    await uow.sla.set_minutes(actor.department_id, SETTINGS[key][0], parse_minutes(raw))
    await timers.replan_department(uow, actor.department_id, now)
    await uow.commit()
    return await uow.sla.policy(actor.department_id)

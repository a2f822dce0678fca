"""A member's own profile (R1.2), one field at a time (#14 §5)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from domain import normalize
from domain.errors import InvalidInput
from domain.model import Member
from domain.ports import UnitOfWork
from domain.services.onboarding import parse_full_name, parse_position


class ProfileField(StrEnum):
    FULL_NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    POSITION = "pos"

    @property
    def label(self) -> str:
        return PROFILE_LABELS[self]

    @property
    def attribute(self) -> str:
        return PROFILE_ATTRIBUTES[self]


PROFILE_LABELS = {
    ProfileField.FULL_NAME: "ФИО",
    ProfileField.PHONE: "Телефон",
    ProfileField.EMAIL: "E-mail",
    ProfileField.POSITION: "Должность",
}
PROFILE_ATTRIBUTES = {
    ProfileField.FULL_NAME: "full_name",
    ProfileField.PHONE: "phone",
    ProfileField.EMAIL: "email",
    ProfileField.POSITION: "position",
}
PARSERS: dict[ProfileField, Callable[[str], str]] = {
    ProfileField.FULL_NAME: parse_full_name,
    ProfileField.PHONE: normalize.phone,
    ProfileField.EMAIL: normalize.email,
    ProfileField.POSITION: parse_position,
}


async def change(uow: UnitOfWork, member: Member, field: ProfileField, raw: str) -> Member:
    """One field of the member's own profile, checked as at joining (R1.2)."""
    value = PARSERS[field](raw)
    if getattr(member, field.attribute) == value:
        raise InvalidInput(field.value, f"{field.label}: значение не изменилось.")
    setattr(member, field.attribute, value)
    await uow.members.save(member)
    await uow.commit()
    return member

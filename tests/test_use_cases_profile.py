"""A member's own profile, one field at a time (R1.2, #14 §5), on the fake unit of work."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.services import profile
from domain.services.profile import ProfileField
from tests.use_case_world import World, make_world


@pytest.fixture
async def w() -> World:
    return await make_world()


async def test_one_field_changes_checked_as_at_joining(w: World) -> None:
    async with w.db() as uow:
        await profile.change(uow, w.anna, ProfileField.PHONE, "8 (912) 555-11-22")
    async with w.db() as uow:
        stored = await uow.members.get(w.anna.id or 0)
    assert stored is not None
    assert (stored.phone, stored.full_name) == ("+79125551122", "Аннова Анна")
    before = w.snapshot()
    for field, raw in (
        (ProfileField.EMAIL, "anna@"),
        (ProfileField.FULL_NAME, "   "),
        (ProfileField.PHONE, "+7 912 555 11 22"),  # the same number: nothing to change
    ):
        async with w.db() as uow:
            with pytest.raises(InvalidInput):
                await profile.change(uow, stored, field, raw)
    assert w.snapshot() == before

"""One live card per subject per member, edited in place: who holds one, and what is owed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.model import Notification, NotificationKind, Subject
from domain.ports import UnitOfWork


async def push(
    uow: UnitOfWork, subject: Subject, now: datetime, fresh_for: Iterable[int] = ()
) -> None:
    """Refresh the subject's card for every holder; send a new card to `fresh_for`. The card a
    press was made on is left to the press's answer (`uow.pressed_card`), unless a card of
    the subject is still on its way to him: two writers of one message could then land in the
    wrong order."""
    fresh = set(fresh_for)
    for member_id in fresh:
        await uow.outbox.add(
            Notification(member_id, NotificationKind.CARD, now, subject, fresh=True)
        )
    pressed = uow.pressed_card
    for member_id, message_id in (await uow.cards.holders(subject)).items():
        if member_id in fresh:
            continue
        if (
            pressed is not None
            and (pressed.member_id, pressed.message_id) == (member_id, message_id)
            and not await uow.outbox.owes_card(member_id, subject)
        ):
            pressed.owed = True
            continue
        await uow.outbox.add(Notification(member_id, NotificationKind.CARD, now, subject))

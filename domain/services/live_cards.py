"""One live card per subject per member, edited in place: who holds one, and what is owed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.model import Notification, NotificationKind, Press, Subject
from domain.ports import UnitOfWork


async def push(
    uow: UnitOfWork,
    subject: Subject,
    now: datetime,
    fresh_for: Iterable[int] = (),
    press: Press | None = None,
) -> None:
    """Refresh the subject's card for every holder; send a new card to `fresh_for`. The card
    `press` was made on is left to the press's answer, unless a card of the subject is still
    on its way to him: two writers of one message could then land in the wrong order.

    A member whose first card of the subject is still on its way holds none yet, but that
    card may have been drawn before this change: he is owed a refresh too."""
    fresh = set(fresh_for)
    for member_id in fresh:
        await uow.outbox.add(
            Notification(member_id, NotificationKind.CARD, now, subject, fresh=True)
        )
    holders = await uow.cards.holders(subject)
    coming = await uow.outbox.cards_coming(subject) - fresh
    for member_id in sorted(coming - holders.keys()):
        await uow.outbox.add(Notification(member_id, NotificationKind.CARD, now, subject))
    for member_id, message_id in holders.items():
        if member_id in fresh:
            continue
        if (
            press is not None
            and (press.member_id, press.message_id) == (member_id, message_id)
            and member_id not in coming
        ):
            continue
        await uow.outbox.add(Notification(member_id, NotificationKind.CARD, now, subject))


async def left_to_press(uow: UnitOfWork, subject: Subject, press: Press) -> bool:
    """After a press's change is committed: whether its answer must redraw the card pressed,
    because `push` left it to the answer (it is his live card, nothing of the subject is on
    its way to him). A card owed meanwhile by another change is the outbox's to draw."""
    return await uow.cards.is_live(subject, press.member_id, press.message_id, unless_owed=True)

"""Each subject's search terms (#14 §1), written in the same statement batch as the subject."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import SearchTermRow

_INSERT = insert(SearchTermRow.__table__)


async def write_terms(
    session: AsyncSession, kind: str, subject_id: int, terms: Iterable[str], *, fresh: bool
) -> None:
    """The subject's terms are `terms` from now on (`fresh`: it had none yet)."""
    if not fresh:
        await session.execute(
            delete(SearchTermRow).where(
                SearchTermRow.subject_kind == kind, SearchTermRow.subject_id == subject_id
            )
        )
    rows = [{"subject_kind": kind, "subject_id": subject_id, "term": t} for t in sorted(terms)]
    if rows:
        await session.execute(_INSERT, rows)

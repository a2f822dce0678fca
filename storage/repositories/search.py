"""The search (#14 §1): subjects looked up by the prefixes of their terms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select, case, intersect, or_, select

from domain.model import Lead
from domain.search import SearchQuery, SearchScope, prefix_end
from domain.statuses import OPEN_STAGES
from storage.base import SqlRepository
from storage.repositories.leads import lead_of
from storage.tables import DealRow, LeadRow, SearchTermRow

_OPEN = tuple(s.value for s in OPEN_STAGES)


def _matching(kind: str, prefixes: tuple[str, ...]) -> Select[Any] | CompoundSelect:
    """The ids of the subjects of `kind` with a term beginning with each of the prefixes."""
    selects = [
        select(SearchTermRow.subject_id).where(
            SearchTermRow.term >= prefix,
            SearchTermRow.term < prefix_end(prefix),
            SearchTermRow.subject_kind == kind,
        )
        for prefix in prefixes
    ]
    return selects[0] if len(selects) == 1 else intersect(*selects)


class SqlSearchRepository(SqlRepository):
    async def leads(self, query: SearchQuery, scope: SearchScope, limit: int) -> list[Lead]:
        clients = select(DealRow.id).where(
            or_(
                DealRow.company_id.in_(_matching("company", query.prefixes)),
                DealRow.contact_id.in_(_matching("contact", query.prefixes)),
            )
        )
        statement = select(LeadRow).where(
            or_(
                LeadRow.id.in_(_matching("lead", query.prefixes)),
                LeadRow.deal_id.in_(clients),
            )
        )
        if scope.department_id is not None:
            statement = statement.where(LeadRow.department_id == scope.department_id)
        if scope.responsible_id is not None:
            statement = statement.where(LeadRow.responsible_id == scope.responsible_id)
        open_first = case((LeadRow.status.in_(_OPEN), 0), else_=1)
        rows = await self._session.scalars(
            statement.order_by(open_first, LeadRow.id.desc()).limit(limit)
        )
        return [lead_of(row) for row in rows]

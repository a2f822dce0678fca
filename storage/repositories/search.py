"""The search (#14 §1): subjects looked up by the prefixes of their terms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, intersect, or_, select, union

from domain.model import Lead
from domain.search import SearchQuery, SearchScope, prefix_end
from domain.statuses import OPEN_STAGES
from storage.base import SqlRepository
from storage.repositories.leads import lead_of
from storage.tables import DealRow, LeadRow, SearchTermRow

_OPEN = tuple(s.value for s in OPEN_STAGES)


def _matching(kind: str, prefixes: tuple[str, ...]) -> Select[Any]:
    """The ids of the subjects of `kind` with a term beginning with each of the prefixes."""
    selects = [
        select(SearchTermRow.subject_id).where(
            SearchTermRow.term >= prefix,
            SearchTermRow.term < prefix_end(prefix),
            SearchTermRow.subject_kind == kind,
        )
        for prefix in prefixes
    ]
    if len(selects) == 1:
        return selects[0]
    both = intersect(*selects).subquery()  # SQLite takes no bracketed compound in a compound
    return select(both.c.subject_id)


class SqlSearchRepository(SqlRepository):
    async def leads(self, query: SearchQuery, scope: SearchScope, limit: int) -> list[Lead]:
        clients = select(DealRow.id).where(
            or_(
                DealRow.company_id.in_(_matching("company", query.prefixes)),
                DealRow.contact_id.in_(_matching("contact", query.prefixes)),
            )
        )
        # One set of ids, looked up by the primary key: an OR of the two would have the
        # database walk the department's leads and test each.
        found = union(
            _matching("lead", query.prefixes),
            select(LeadRow.id).where(LeadRow.deal_id.in_(clients)),
        )
        statement = select(LeadRow).where(LeadRow.id.in_(found))
        if scope.department_id is not None:
            statement = statement.where(LeadRow.department_id == scope.department_id)
        if scope.responsible_id is not None:
            statement = statement.where(LeadRow.responsible_id == scope.responsible_id)
        open_first = case((LeadRow.status.in_(_OPEN), 0), else_=1)
        rows = await self._session.scalars(
            statement.order_by(open_first, LeadRow.id.desc()).limit(limit)
        )
        return [lead_of(row) for row in rows]

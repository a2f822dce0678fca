"""The search (#14 §1): subjects looked up by the prefixes of their terms.

A page of leads is open ones first, then closed ones, the newest on top in each. How it is
read depends on how many subjects the rarest prefix of the query finds (counted first, at
most `FEW` + 1, from the term index alone):

- few (a phone, an e-mail, a rare name): their ids are read, then those leads by primary
  key, and sorted: `FEW` at most;
- many (a common word: a tenth of all leads): the open leads in scope (few: a firm closes
  most of its leads) are each tested by their own terms and sorted, then, if the page is not
  full, the closed ones are walked newest first until it is. More than `FEW` matches make
  the walk short, where sorting every match of a common word read thousands of leads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.orm import aliased

from domain.model import Lead
from domain.search import SearchQuery, SearchScope, prefix_end
from domain.statuses import OPEN_STAGES
from storage.base import SqlRepository
from storage.repositories.leads import lead_of
from storage.tables import DealRow, LeadRow, SearchTermRow

_OPEN = tuple(s.value for s in OPEN_STAGES)
_PAGE_ORDER = (case((LeadRow.status.in_(_OPEN), 0), else_=1), LeadRow.id.desc())
FEW = 1000  # more subjects than this for the rarest prefix: walk the leads instead


def _has_term(kind: str, subject_id: Any, prefix: str) -> ColumnElement[bool]:
    """The subject has a term beginning with `prefix`: one seek in the primary key."""
    term = aliased(SearchTermRow)
    return exists().where(
        term.subject_kind == kind,
        term.subject_id == subject_id,
        term.term >= prefix,
        term.term < prefix_end(prefix),
    )


def _matching(kind: str, prefixes: tuple[str, ...]) -> Select[Any]:
    """The ids of the subjects of `kind` with a term beginning with each of the prefixes,
    read from the range of the first (the rarest) and tested for the others."""
    term = aliased(SearchTermRow)
    first, *others = prefixes
    # `|| ''`: the kind is tested on each term of the range, so that SQLite without
    # statistics reads the range of the term index, not every term of the kind.
    return (
        select(term.subject_id)
        .where(term.term >= first, term.term < prefix_end(first))
        .where(term.subject_kind + "" == kind)
        .where(*(_has_term(kind, term.subject_id, p) for p in others))
    )


def _clients(prefixes: tuple[str, ...]) -> Select[Any]:
    """The deals of the companies and contacts found: their leads are found too."""
    return select(DealRow.id).where(
        or_(
            DealRow.company_id.in_(_matching("company", prefixes)),
            DealRow.contact_id.in_(_matching("contact", prefixes)),
        )
    )


def _in_scope(statement: Select[Any], scope: SearchScope, *, by_index: bool) -> Select[Any]:
    """`by_index` False: the scope is tested on each lead found, never looked up in an index
    (`+ 0`): without statistics SQLite would rather walk the department's index than take
    the few ids found."""
    department, responsible = LeadRow.department_id, LeadRow.responsible_id
    if not by_index:
        department, responsible = department + 0, responsible + 0
    if scope.department_id is not None:
        statement = statement.where(department == scope.department_id)
    if scope.responsible_id is not None:
        statement = statement.where(responsible == scope.responsible_id)
    return statement


class SqlSearchRepository(SqlRepository):
    async def leads(self, query: SearchQuery, scope: SearchScope, limit: int) -> list[Lead]:
        counted = {p: await self._count(p) for p in query.prefixes}
        prefixes = tuple(sorted(query.prefixes, key=counted.__getitem__))
        if counted[prefixes[0]] == 0:
            return []  # no subject of any kind has a term beginning with the rarest prefix
        if counted[prefixes[0]] <= FEW:
            return await self._few(prefixes, scope, limit)
        return await self._walk(prefixes, scope, limit)

    async def _count(self, prefix: str) -> int:
        """How many terms begin with `prefix`, counted up to `FEW` + 1."""
        some = (
            select(SearchTermRow.subject_id)
            .where(SearchTermRow.term >= prefix, SearchTermRow.term < prefix_end(prefix))
            .limit(FEW + 1)
            .subquery()
        )
        return int(await self._session.scalar(select(func.count()).select_from(some)) or 0)

    async def _few(self, prefixes: tuple[str, ...], scope: SearchScope, limit: int) -> list[Lead]:
        # The ids first, then the leads by their primary key: handed the statement whole, the
        # planners misjudge how many ids the union gives (PostgreSQL hashed every lead of the
        # department for one phone number).
        found = union(
            _matching("lead", prefixes),
            select(LeadRow.id).where(LeadRow.deal_id.in_(_clients(prefixes))),
        )
        ids = list(await self._session.scalars(found))
        if not ids:
            return []
        statement = _in_scope(select(LeadRow).where(LeadRow.id.in_(ids)), scope, by_index=False)
        rows = await self._session.scalars(statement.order_by(*_PAGE_ORDER).limit(limit))
        return [lead_of(row) for row in rows]

    async def _walk(self, prefixes: tuple[str, ...], scope: SearchScope, limit: int) -> list[Lead]:
        """The page of the leads found by their own terms, walked, merged with the page of
        those found by their deal's company or contact. Apart, so that each lead walked is
        tested with one seek per prefix: under an OR with the deals, PostgreSQL hashes every
        term of each prefix instead."""
        matches = and_(*(_has_term("lead", LeadRow.id, p) for p in prefixes))
        # Open leads are few (a firm closes most of its leads): all of them in scope are
        # tested, by the (scope, status) index, and the matches sorted; `id + 0` keeps the
        # database from walking every lead in scope by id to spare that small sort.
        newest = (LeadRow.id + 0).desc()
        found: list[Lead] = []
        for status, order in (
            (LeadRow.status.in_(_OPEN), newest),
            (LeadRow.status.not_in(_OPEN), LeadRow.id.desc()),
        ):
            statement = _in_scope(select(LeadRow).where(status, matches), scope, by_index=True)
            rows = await self._session.scalars(statement.order_by(order).limit(limit - len(found)))
            found += [lead_of(row) for row in rows]
            if len(found) == limit:
                break
        merged = {lead.id: lead for lead in found}
        deals = list(await self._session.scalars(_clients(prefixes)))
        if deals:  # their leads by the deal index, never a walk of the department
            by_client = select(LeadRow).where(LeadRow.deal_id.in_(deals))
            statement = _in_scope(by_client, scope, by_index=False).order_by(*_PAGE_ORDER)
            rows = await self._session.scalars(statement.limit(limit))
            merged |= {row.id: lead_of(row) for row in rows}
        page = sorted(merged.values(), key=lambda lead: (lead.status.is_final, -(lead.id or 0)))
        return page[:limit]

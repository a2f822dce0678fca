"""Find a client when he calls (#14 §1): leads by phone, e-mail or a part of a name, within
what the member may see."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import Lead, Member, Role
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.search import SearchQuery, SearchScope, parse_query
from domain.services.lead_lists import sees_department

LIMIT = 10


@dataclass(frozen=True)
class Found:
    query: SearchQuery | None  # None: nothing to look for in what was typed
    leads: list[Lead]
    more: bool  # there are more than `LIMIT`


def scope_of(actor: Member) -> SearchScope:
    """The Roles table: an admin sees every department, a supervisor and an office manager
    theirs, a manager the leads he is responsible for."""
    if actor.role is Role.ADMIN:
        return SearchScope(None)
    if sees_department(actor):
        return SearchScope(actor.department_id)
    return SearchScope(actor.department_id, actor.id)


async def find(uow: UnitOfWork, actor: Member, text: str) -> Found:
    query = parse_query(text)
    if query is None:
        return Found(None, [], False)
    leads = await uow.search.leads(query, scope_of(actor), LIMIT + 1)
    leads = [lead for lead in leads if may(actor, Action.VIEW_LEAD, lead=lead)]
    return Found(query, leads[:LIMIT], len(leads) > LIMIT)

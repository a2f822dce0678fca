"""The search's SQL (#14 §1) on SQLite and PostgreSQL: a common word, found by walking the
leads in scope, and a rare one, found from its terms, give the page the rules ask for: open
leads first, the newest on top, within the member's scope, a company's leads with them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from domain import search as terms
from domain.search import SearchScope, parse_query
from domain.statuses import OPEN_STAGES
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.repositories import search as sql_search
from storage.tables import (
    CompanyRow,
    DealRow,
    DepartmentRow,
    LeadRow,
    MemberRow,
    PipelineRow,
    SearchTermRow,
)
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
LEADS = sql_search.FEW + 300  # more than FEW leads share the word «Ромашка»
OPEN = {s.value for s in OPEN_STAGES}
# department 1: supervisor 1, managers 2 and 3; department 2: manager 4
RESPONSIBLE = {1: (2, 3), 2: (4,)}


def lead_row(number: int) -> dict[str, object]:
    department = 2 if number % 5 == 0 else 1
    held = RESPONSIBLE[department]
    return {
        "id": number,
        "title": f"Заказ {number}",
        "title_is_auto": False,
        "source": "WEB",
        # few open ones, scattered: every 37th and every 41st
        "status": "NEW" if number % 37 == 0 else "PROCESSED" if number % 41 == 0 else "JUNK",
        "department_id": department,
        # the leads of the deal of «Ромашка Лютик» are found by the company's words only
        "company_name": "Цветок" if number % 200 == 7 else f"ООО Ромашка {number}",
        "contact_name": "Иван" if number % 3 == 0 else "Олег",
        "contact_last_name": "Петров",
        "phone": f"+7912{number:07d}",
        "email": f"client{number}@example.ru",
        "responsible_id": held[number % len(held)],
        "created_at": NOW,
        "checklist_answers": {},
        "version": 0,
        "deal_id": 1 if number % 200 == 7 else None,
    }


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(database_url)
    await upgrade_engine(engine)
    factory = SqlUnitOfWorkFactory(create_session_factory(engine))
    rows = [lead_row(n) for n in range(1, LEADS + 1)]
    async with factory() as uow:
        session = uow.session
        await session.execute(
            insert(DepartmentRow), [{"id": 1, "name": "А"}, {"id": 2, "name": "Б"}]
        )
        await session.execute(
            insert(MemberRow),
            [
                {
                    "id": n,
                    "telegram_id": 100 + n,
                    "full_name": f"Сотрудник {n}",
                    "role": "SUPERVISOR" if n == 1 else "MANAGER",
                    "department_id": 2 if n == 4 else 1,
                    "active": True,
                    "created_at": NOW,
                }
                for n in range(1, 5)
            ],
        )
        await session.execute(
            insert(PipelineRow), [{"id": 1, "department_id": 1, "name": "П", "stages": []}]
        )
        await session.execute(
            insert(CompanyRow),
            [{"id": 1, "name": "Ромашка Лютик", "name_key": "ромашка лютик", "created_at": NOW}],
        )
        await session.execute(
            insert(DealRow),
            [
                {
                    "id": 1,
                    "title": "Сделка",
                    "department_id": 1,
                    "pipeline_id": 1,
                    "stage": "NEW",
                    "company_id": 1,
                    "checklist_answers": {},
                    "created_at": NOW,
                }
            ],
        )
        await session.execute(insert(LeadRow.__table__), rows)
        found = [
            {"subject_kind": "lead", "subject_id": row["id"], "term": term}
            for row in rows
            for term in terms.lead_terms(
                row["company_name"],  # type: ignore[arg-type]
                row["contact_name"],  # type: ignore[arg-type]
                row["contact_last_name"],  # type: ignore[arg-type]
                row["phone"],  # type: ignore[arg-type]
                row["email"],  # type: ignore[arg-type]
            )
        ]
        found += [
            {"subject_kind": "company", "subject_id": 1, "term": term}
            for term in terms.terms(names=("Ромашка Лютик",))
        ]
        await session.execute(insert(SearchTermRow.__table__), found)
        await uow.commit()
    yield factory
    await engine.dispose()


def expected(scope: SearchScope, matches: object, limit: int) -> list[int]:
    """The page by the rules, computed from the rows as written."""
    rows = [lead_row(n) for n in range(1, LEADS + 1)]
    rows = [
        r
        for r in rows
        if matches(r)  # type: ignore[operator]
        and (scope.department_id is None or r["department_id"] == scope.department_id)
        and (scope.responsible_id is None or r["responsible_id"] == scope.responsible_id)
    ]
    rows.sort(key=lambda r: (r["status"] not in OPEN, -r["id"]))  # type: ignore[operator]
    return [r["id"] for r in rows[:limit]]  # type: ignore[misc]


SCOPES = {
    "admin": SearchScope(None),
    "supervisor": SearchScope(1),
    "manager": SearchScope(1, 3),
}
QUERIES = {
    # a common word: more than FEW terms, the leads in scope are walked
    "ромашка": lambda r: True,  # the deal's leads by their company
    "ромаш иван": lambda r: r["contact_name"] == "Иван" and r["deal_id"] is None,
    # rare: found from their terms
    "Петров 0000370": lambda r: False,  # words of no lead: no page
    "0000370": lambda r: r["id"] == 370,  # the last digits of a phone
    "лютик": lambda r: r["deal_id"] == 1,  # the leads of the company's deal
}


@pytest.mark.parametrize("who", SCOPES)
@pytest.mark.parametrize("typed", QUERIES)
async def test_a_page_of_leads_is_open_ones_first_then_the_newest_within_scope(
    factory: SqlUnitOfWorkFactory, typed: str, who: str
) -> None:
    query = parse_query(typed)
    assert query is not None
    matches = QUERIES[typed]
    for limit in (11, 40):
        async with factory() as uow:
            found = await uow.search.leads(query, SCOPES[who], limit)
        assert [lead.id for lead in found] == expected(SCOPES[who], matches, limit)

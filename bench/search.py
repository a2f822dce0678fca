"""Benchmark of the search (#14 §1), run by hand: `.venv/bin/python -m bench.search`
(`bench.search sqlite` or `bench.search postgresql` for one database).

Fills a database with 100,000 leads (each with its search terms, as the repository writes
them) of one department held by 20 managers, then runs each kind of query 50 times through
the use case, as a supervisor (the whole department) and as a manager (his own leads), and
prints p50 and p95 per kind. PostgreSQL: `TEST_POSTGRES_URL` (a database is made and dropped).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from domain import search as terms
from domain.model import Member, Role
from domain.services import search
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.tables import DepartmentRow, LeadRow, MemberRow, SearchTermRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support import postgres_database, sqlite_url

LEADS = 100_000
MANAGERS = 20
RUNS = int(os.environ.get("RUNS", 50))
BATCH = 5_000
NOW = datetime.now(UTC)
COMPANIES = [
    "Ромашка",
    "Вектор",
    "Альфа",
    "Глобус",
    "Техно",
    "Снаб",
    "Строй",
    "Торг",
    "Лидер",
    "Прогресс",
    "Север",
    "Юг",
    "Восток",
    "Запад",
    "Мегаполис",
    "Сфера",
    "Квант",
    "Орион",
    "Атлант",
    "Гранит",
    "Эталон",
    "Стандарт",
    "Импульс",
    "Ресурс",
    "Партнёр",
    "Ёлочка",
]
FIRST = [
    "Иван",
    "Пётр",
    "Сергей",
    "Олег",
    "Анна",
    "Мария",
    "Ольга",
    "Елена",
    "Дмитрий",
    "Алексей",
    "Наталья",
    "Юлия",
]
LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
]
FORMS = ("ООО", "АО", "ИП", "ПАО", "")
# A firm with 100,000 leads has closed most of them: 5% are still open (5,000, 250 a manager).
OPEN_SHARE = 0.05
OPEN = ("NEW", "ASSIGNED", "IN_PROCESS", "PROCESSED")
CLOSED = ("CONVERTED", "JUNK")
QUERIES = {
    "phone, whole (8 912 …)": lambda lead: "8 " + lead["phone"][2:],
    "phone, last 4 digits": lambda lead: lead["phone"][-4:],
    "e-mail": lambda lead: lead["email"].upper(),
    "company word": lambda lead: lead["company_name"].split()[0].lower(),
    "company word prefix (4)": lambda lead: lead["company_name"][:4],
    "name and last name": lambda lead: f"{lead['contact_name']} {lead['contact_last_name']}",
    "nothing found": lambda lead: "Несуществующая",
}


def fake_lead(number: int, rng: random.Random) -> dict[str, object]:
    company = f"{rng.choice(COMPANIES)} {rng.choice(COMPANIES)}{number % 97}"
    form = rng.choice(FORMS)
    return {
        "title": f"Заказ {number}",
        "title_is_auto": False,
        "source": "WEB",
        "status": rng.choice(OPEN if rng.random() < OPEN_SHARE else CLOSED),
        "department_id": 1,
        "company_name": f"{company} {form}".strip(),
        "contact_name": rng.choice(FIRST),
        "contact_last_name": rng.choice(LAST),
        "phone": f"+79{rng.randrange(10**9):09d}",
        "email": f"client{number}@example{number % 50}.ru",
        "comment": "Нужно 200 коробок к концу месяца, доставка по адресу заказчика. " * 3,
        "responsible_id": 2 + number % MANAGERS,
        "created_at": NOW,
        "checklist_answers": {},
        "version": 0,
    }


async def fill(factory: SqlUnitOfWorkFactory, rng: random.Random) -> list[dict[str, object]]:
    leads = [fake_lead(n, rng) for n in range(LEADS)]
    async with factory() as uow:
        session = uow.session
        await session.execute(insert(DepartmentRow), [{"id": 1, "name": "Продажи"}])
        await session.execute(
            insert(MemberRow),
            [
                {
                    "id": 1 + n,
                    "telegram_id": 10_000 + n,
                    "full_name": f"Сотрудник {n}",
                    "role": Role.SUPERVISOR.value if n == 0 else Role.MANAGER.value,
                    "department_id": 1,
                    "active": True,
                    "created_at": NOW,
                }
                for n in range(MANAGERS + 1)
            ],
        )
        for start in range(0, LEADS, BATCH):
            chunk = leads[start : start + BATCH]
            rows = [{"id": start + i + 1, **lead} for i, lead in enumerate(chunk)]
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
            await session.execute(insert(SearchTermRow.__table__), found)
        await uow.commit()
    return leads


async def measure(url: str, name: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:  # the ids the inserts gave by hand
                await connection.execute(text("SELECT setval('leads_id_seq', :n)"), {"n": LEADS})
                await connection.commit()
        factory = SqlUnitOfWorkFactory(create_session_factory(engine))
        rng = random.Random(14)
        started = time.perf_counter()
        leads = await fill(factory, rng)
        if engine.dialect.name == "postgresql":
            # What autovacuum does in production after a bulk load: statistics for the
            # planner and the visibility map that lets the term index answer alone. SQLite
            # gets no statistics: the bot never runs ANALYZE, the plans must hold without.
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE"))
        print(f"\n{name}: {LEADS:,} leads filled in {time.perf_counter() - started:.0f} s")
        async with factory() as uow:
            supervisor = await uow.members.get(1)
        assert supervisor is not None
        print(f"{'query':<28}{'who':<12}{'p50 ms':>8}{'p95 ms':>8}{'found':>7}")
        for kind, typed in QUERIES.items():
            for who in ("supervisor", "manager"):
                await run(factory, kind, typed, who, supervisor, leads, rng)
    finally:
        await engine.dispose()


async def run(
    factory: SqlUnitOfWorkFactory,
    kind: str,
    typed: object,
    who: str,
    supervisor: Member,
    leads: list[dict[str, object]],
    rng: random.Random,
) -> None:
    times, hits = [], []
    for _ in range(RUNS):
        lead = rng.choice(leads)
        actor = supervisor
        if who == "manager":
            async with factory() as uow:
                held = await uow.members.get(int(lead["responsible_id"]))  # type: ignore[arg-type]
            assert held is not None
            actor = held
        query = typed(lead)  # type: ignore[operator]
        async with factory() as uow:
            started = time.perf_counter()
            found = await search.find(uow, actor, query)
            times.append((time.perf_counter() - started) * 1000)
        hits.append(len(found.leads))
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{kind:<28}{who:<12}{statistics.median(times):>8.1f}{p95:>8.1f}"
        f"{statistics.mean(hits):>7.1f}"
    )


async def main(which: list[str]) -> None:
    if not which or "sqlite" in which:
        with tempfile.TemporaryDirectory() as folder:
            await measure(sqlite_url(Path(folder), "search.sqlite3"), "SQLite")
    if not which or "postgresql" in which:
        async with postgres_database() as url:
            await measure(url, "PostgreSQL")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))

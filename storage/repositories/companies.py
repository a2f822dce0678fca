"""Companies and contacts: the clients a lead is converted onto (R2.13)."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    func,
    or_,
    select,
)

from domain import normalize, search
from domain.errors import InvalidInput
from domain.model import (
    Company,
    Contact,
)
from storage.base import SqlRepository
from storage.repositories.terms import write_terms
from storage.tables import (
    CompanyRow,
    ContactRow,
    DealRow,
)


def company_key(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return normalize.company_key(name)
    except InvalidInput:
        return None


def _company(row: CompanyRow) -> Company:
    return Company(
        id=row.id,
        name=row.name,
        department_id=row.department_id,
        address=row.address,
        website=row.website,
        created_at=row.created_at,
    )


def _clients_of(department_id: int) -> ColumnElement[bool]:
    return or_(CompanyRow.department_id == department_id, CompanyRow.department_id.is_(None))


class SqlCompanyRepository(SqlRepository):
    async def add(self, company: Company) -> Company:
        row = CompanyRow(
            name=company.name,
            name_key=normalize.company_key(company.name),
            department_id=company.department_id,
            address=company.address,
            website=company.website,
            created_at=company.created_at,
        )
        await self._insert(row)
        company.id = row.id
        await write_terms(
            self._session, "company", row.id, search.terms(names=(company.name,)), fresh=True
        )
        return company

    async def get(self, company_id: int) -> Company | None:
        row = await self._session.get(CompanyRow, company_id)
        return _company(row) if row else None

    async def matching(self, department_id: int, name_key: str) -> list[Company]:
        rows = await self._session.scalars(
            select(CompanyRow)
            .where(CompanyRow.name_key == name_key, _clients_of(department_id))
            .order_by(CompanyRow.id)
        )
        return [_company(row) for row in rows]

    async def with_contacts(
        self, department_id: int, phone: str | None, email: str | None
    ) -> list[Company]:
        alike = [c == v for c, v in ((ContactRow.phone, phone), (ContactRow.email, email)) if v]
        if not alike:
            return []
        rows = await self._session.scalars(
            select(CompanyRow)
            .join(ContactRow, ContactRow.company_id == CompanyRow.id)
            .where(or_(*alike), _clients_of(department_id))
            .distinct()
            .order_by(CompanyRow.id)
            .limit(5)
        )
        return [_company(row) for row in rows]

    async def deal_count(self, company_id: int) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(DealRow).where(DealRow.company_id == company_id)
        )
        return int(count or 0)


class SqlContactRepository(SqlRepository):
    async def add(self, contact: Contact) -> Contact:
        row = ContactRow(
            full_name=contact.full_name,
            company_id=contact.company_id,
            phone=contact.phone,
            email=contact.email,
            position=contact.position,
            created_at=contact.created_at,
        )
        await self._insert(row)
        contact.id = row.id
        terms = search.terms(
            names=(contact.full_name,), phones=(contact.phone,), emails=(contact.email,)
        )
        await write_terms(self._session, "contact", row.id, terms, fresh=True)
        return contact

    async def in_company(
        self, company_id: int, phone: str | None, email: str | None
    ) -> list[Contact]:
        alike = [c == v for c, v in ((ContactRow.phone, phone), (ContactRow.email, email)) if v]
        if not alike:
            return []
        rows = await self._session.scalars(
            select(ContactRow)
            .where(ContactRow.company_id == company_id, or_(*alike))
            .order_by(ContactRow.id)
            .limit(20)
        )
        return [
            Contact(
                id=row.id,
                full_name=row.full_name,
                company_id=row.company_id,
                phone=row.phone,
                email=row.email,
                position=row.position,
                created_at=row.created_at,
            )
            for row in rows
        ]

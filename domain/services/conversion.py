"""Conversion (R2.13, R3.1): a lead becomes Deal + Contact + Company, keeping what it knew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import normalize
from domain.errors import InvalidInput, NotAllowed, NotFound
from domain.model import Company, Contact, Deal, Lead, Member, Pipeline, Press
from domain.permissions import Action, may
from domain.ports import UnitOfWork
from domain.services import timers
from domain.services.leads import lead_to_work, publish, write_lead
from domain.statuses import LeadStatus

DEFAULT_PIPELINE_NAME = "Продажи"


@dataclass(frozen=True)
class CompanyMatch:
    company: Company
    deals: int


@dataclass(frozen=True)
class Duplicates:
    """What a new lead may repeat: open leads and existing clients (R2.13)."""

    leads: list[int]
    companies: list[CompanyMatch]

    def __bool__(self) -> bool:
        return bool(self.leads or self.companies)


def _company_key(lead: Lead) -> str | None:
    if not lead.company_name:
        return None
    try:
        return normalize.company_key(lead.company_name)
    except InvalidInput:
        return None


async def duplicates_of(uow: UnitOfWork, lead: Lead) -> Duplicates:
    """Matches by phone, e-mail and normalised company name, within the lead's department:
    what its people may open and convert onto."""
    key = _company_key(lead)
    department = lead.department_id
    leads = await uow.leads.open_matches(
        department_id=department,
        exclude_id=lead.id,
        phone=lead.phone,
        email=lead.email,
        company_key=key,
    )
    companies: dict[int, Company] = {}
    if key:
        companies.update((c.id, c) for c in await uow.companies.matching(department, key) if c.id)
    if lead.phone or lead.email:
        for company in await uow.companies.with_contacts(department, lead.phone, lead.email):
            if company.id:
                companies.setdefault(company.id, company)
    matches = [
        CompanyMatch(company, await uow.companies.deal_count(company_id))
        for company_id, company in sorted(companies.items())
    ]
    return Duplicates([m.id for m in leads if m.id is not None], matches)


def contact_name(lead: Lead) -> str:
    """R2.5: the contact's name; if unknown, the company or the order."""
    name = " ".join(p for p in (lead.contact_name, lead.contact_last_name) if p)
    return name or lead.company_name or lead.title


async def default_pipeline(uow: UnitOfWork, department_id: int) -> Pipeline:
    pipeline = await uow.pipelines.default_for(department_id)
    if pipeline is None:
        pipeline = await uow.pipelines.add(Pipeline(department_id, DEFAULT_PIPELINE_NAME))
    return pipeline


async def convert_lead(
    uow: UnitOfWork,
    actor: Member,
    lead_id: int,
    company_id: int | None,
    expected: LeadStatus | None,
    now: datetime,
    press: Press | None = None,
) -> Deal:
    """One transaction: company (new or existing), contact, deal; the lead is CONVERTED."""
    lead = await lead_to_work(uow, actor, lead_id, expected)
    lead.check_convert()
    company = await _company(uow, lead, company_id, now)
    assert company.id is not None
    contact = await _contact(uow, lead, company, existing=company_id is not None, now=now)
    pipeline = await default_pipeline(uow, lead.department_id)
    assert pipeline.id is not None
    deal = await uow.deals.add(
        Deal(
            title=lead.title,
            department_id=lead.department_id,
            pipeline_id=pipeline.id,
            stage=pipeline.stages[0],
            created_at=now,
            responsible_id=lead.responsible_id,
            company_id=company.id,
            contact_id=contact.id,
            checklist_answers=dict(lead.checklist_answers),
        )
    )
    was = lead.status
    events = lead.convert(deal, company, actor, now)
    await write_lead(uow, lead, events, was=was)
    await timers.closed(uow, lead, now)
    await publish(uow, lead, now, press)
    return deal


async def _company(uow: UnitOfWork, lead: Lead, company_id: int | None, now: datetime) -> Company:
    if company_id is not None:
        company = await uow.companies.get(company_id)
        if company is None or company.department_id not in (None, lead.department_id):
            raise NotFound("Такой компании нет.")
        return company
    if not lead.company_name:
        raise InvalidInput("company", "Укажите компанию клиента: «Изменить» → «Компания».")
    return await uow.companies.add(
        Company(
            name=normalize.company_name(lead.company_name),
            department_id=lead.department_id,
            address=lead.address,
            website=lead.website,
            created_at=now,
        )
    )


def _name_words(name: str) -> set[str]:
    return set(name.casefold().replace("ё", "е").split())


def _same_person(known: Contact, lead: Lead) -> bool:
    """A contact of the company with the lead's phone or e-mail is its person unless the
    names tell them apart: an office line or a shared mailbox answers for several people."""
    name = _name_words(" ".join(p for p in (lead.contact_name, lead.contact_last_name) if p))
    if not name:
        return True
    known_name = _name_words(known.full_name)
    return name <= known_name or known_name <= name


async def _contact(
    uow: UnitOfWork, lead: Lead, company: Company, *, existing: bool, now: datetime
) -> Contact:
    assert company.id is not None
    if existing:
        for known in await uow.contacts.in_company(company.id, lead.phone, lead.email):
            if _same_person(known, lead):
                return known
    return await uow.contacts.add(
        Contact(
            full_name=contact_name(lead),
            company_id=company.id,
            phone=lead.phone,
            email=lead.email,
            position=lead.position,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class DealView:
    """A deal as its lead's card opens it (#14 §5); the deals issue gives it a card."""

    deal: Deal
    company: Company | None
    responsible: Member | None


async def deal_view(uow: UnitOfWork, actor: Member, deal_id: int) -> DealView:
    deal = await uow.deals.get(deal_id)
    if deal is None:
        raise NotFound(f"Сделка #{deal_id} не найдена.")
    if deal.responsible_id != actor.id and not may(
        actor, Action.VIEW_LEAD, department_id=deal.department_id
    ):
        raise NotAllowed("Эта сделка вам недоступна.")
    company = await uow.companies.get(deal.company_id) if deal.company_id else None
    responsible = await uow.members.get(deal.responsible_id) if deal.responsible_id else None
    return DealView(deal, company, responsible)

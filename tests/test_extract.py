"""What a person picks out of a client's message, and how a search folds what is typed
(#14 §1): pure functions, no database."""

from __future__ import annotations

import pytest

from domain import extract, search
from domain.search import QueryKind, SearchQuery


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("Звоните 8 (912) 555-11-22", ["+79125551122"]),
        ("+7 912 555 11 22 или 8-912-555-11-33", ["+79125551122", "+79125551133"]),
        ("тел.: 89125551122, ещё раз 8 912 555 11 22", ["+79125551122"]),
        ("Нужно 200 коробок к 25.12", []),
    ],
)
def test_phones_in_any_spelling(text: str, phones: list[str]) -> None:
    assert extract.phones(text) == phones


def test_emails_lower_their_domain_and_skip_junk() -> None:
    assert extract.emails("пишите Ivan.P@Romashka.RU. или на @ivan") == ["Ivan.P@romashka.ru"]


@pytest.mark.parametrize(
    ("text", "companies"),
    [
        ("Я из ООО «Ромашка», нужны коробки", ["Ромашка ООО"]),
        ('АО "Вектор" и «Альфа» ПАО', ["Вектор АО", "Альфа ПАО"]),
        ("Общество с ограниченной ответственностью «Ёлка»", ["Ёлка ООО"]),
        ("ИП Иванов И.И. просит счёт", ["Иванов И.И. ИП"]),
        ("ООО Ромашка, Москва", ["Ромашка ООО"]),
        ("ооо, нужно 20 палет", []),
    ],
)
def test_companies_with_their_legal_form(text: str, companies: list[str]) -> None:
    assert extract.companies(text) == companies


def test_sites_but_not_the_domain_of_an_email() -> None:
    text = "Сайт romashka.ru, каталог https://www.vector.pro/catalog; почта ivan@mail.ru"
    assert extract.sites(text) == ["romashka.ru", "https://www.vector.pro/catalog"]


def test_fold_drops_case_quotes_legal_forms_and_the_dots_of_yo() -> None:
    assert search.fold("ООО «Ёлка-Плюс»") == "елка плюс"
    assert search.fold("Ромашка ОАО") == search.fold("оао 'РОМАШКА'") == "ромашка"
    assert search.fold("Общество с ограниченной ответственностью Ромашка") == "ромашка"


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("8 912 555-11-22", SearchQuery(QueryKind.PHONE, ("p22115552197",))),
        ("+7 (912) 555 11 22", SearchQuery(QueryKind.PHONE, ("p22115552197",))),
        ("1122", SearchQuery(QueryKind.PHONE, ("p2211",))),
        ("Ivan@Romashka.ru", SearchQuery(QueryKind.EMAIL, ("eivan@romashka.ru",))),
        ("«Ромашка» ООО Пётр", SearchQuery(QueryKind.NAME, ("tромашка", "tпетр"))),
        ("123", None),
        ("я", None),
        ("  ", None),
    ],
)
def test_what_is_typed_becomes_prefixes(typed: str, query: SearchQuery | None) -> None:
    assert search.parse_query(typed) == query


def test_a_lead_is_found_by_its_terms() -> None:
    terms = search.lead_terms("Ромашка ОАО", "Пётр", "Иванов", "+79125551122", "Ivan@x.ru")
    assert terms == {"tромашка", "tпетр", "tиванов", "p22115552197", "eivan@x.ru"}
    for typed in ("петр", "8 912 555-11-22", "1122", "IVAN@x", "ромашка иванов"):
        query = search.parse_query(typed)
        assert query is not None
        assert all(any(t.startswith(p) for t in terms) for p in query.prefixes), typed


def test_a_prefix_range_ends_past_every_word_it_begins() -> None:
    end = search.prefix_end("tромаш")
    assert "tромаш" <= "tромашка" < end and not ("tромаш" <= "tромат" < end)

"""What a person would pick out of a client's message (#14 §1): phones in any spelling,
e-mails, a company with its legal form, a web site."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

from domain import normalize
from domain.errors import InvalidInput
from domain.lead_fields import LeadField, clean_field

_FORMS = "|".join(sorted(normalize.LEGAL_FORMS, key=len, reverse=True))
_LONG = "|".join(normalize.LONG_LEGAL_FORMS)
_OPEN = "«\"“„'"
_CLOSE = "»\"”“'"
_NAME = rf"[^{_OPEN}{_CLOSE}\n]{{1,100}}"
# ООО «Ромашка», АО "Вектор", Общество с ограниченной ответственностью «Ромашка»
_FORM_THEN_QUOTED = re.compile(
    rf"(?<!\w)({_FORMS}|{_LONG})\s*[{_OPEN}]\s*({_NAME}?)\s*[{_CLOSE}]", re.IGNORECASE
)
# «Ромашка» ООО
_QUOTED_THEN_FORM = re.compile(rf"[{_OPEN}]\s*({_NAME}?)\s*[{_CLOSE}]\s*,?\s*({_FORMS})(?!\w)")
# ООО Ромашка, ИП Иванов И.И. (an unquoted name: capitalised words, the form in capitals)
_CAPITAL = r"[A-ZА-ЯЁ][\w\-]*"
_FORM_THEN_WORD = re.compile(
    rf"(?<!\w)(ИП)\s+({_CAPITAL}(?:\s+[A-ZА-ЯЁ]\.\s?[A-ZА-ЯЁ]\.|(?:\s+{_CAPITAL}){{0,2}}))"
)
_OTHER_FORM_THEN_WORD = re.compile(rf"(?<!\w)({_FORMS})\s+({_CAPITAL})")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_SITE = re.compile(
    r"(?<![\w@.\-])((?:https?://)?(?:www\.)?[a-zа-я0-9\-]+(?:\.[a-zа-я0-9\-]+)*"
    r"\.(?:ru|рф|su|com|net|org|biz|info|pro|online|store|shop|site|io|by|kz|ua)"
    r"(?:/[^\s,;«»\"]*)?)(?![\w@\-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Found:
    """What a message holds, each value clean (as a lead's field takes it)."""

    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)


def phones(text: str, region: str = "RU") -> list[str]:
    """Every valid phone number, E.164, in the order written, once each."""
    found: dict[str, None] = {}
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        found[phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)] = None
    return list(found)


def emails(text: str) -> list[str]:
    found: dict[str, None] = {}
    for raw in _EMAIL.findall(text):
        try:
            found[normalize.email(raw.strip("."))] = None
        except InvalidInput:
            continue
    return list(found)


def companies(text: str) -> list[str]:
    """Companies named with their legal form, normalised (`ООО «Ромашка»` -> `Ромашка ООО`)."""
    candidates: list[tuple[int, str]] = []
    for match in _FORM_THEN_QUOTED.finditer(text):
        candidates.append((match.start(), f"{match[1]} «{match[2]}»"))
    for match in _QUOTED_THEN_FORM.finditer(text):
        candidates.append((match.start(), f"{match[2]} «{match[1]}»"))
    taken = [
        m.span() for m in (*_FORM_THEN_QUOTED.finditer(text), *_QUOTED_THEN_FORM.finditer(text))
    ]
    for pattern in (_FORM_THEN_WORD, _OTHER_FORM_THEN_WORD):
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            candidates.append((match.start(), f"{match[1]} {match[2]}"))
    found: dict[str, None] = {}
    for _, raw in sorted(candidates):
        try:
            found[normalize.company_name(raw)] = None
        except InvalidInput:
            continue
    return list(found)


def sites(text: str) -> list[str]:
    """Web sites: `https://…`, `www.…` or a bare domain; not the domain of an e-mail."""
    text = _EMAIL.sub(" ", text)
    found: dict[str, None] = {}
    for raw in _SITE.findall(text):
        try:
            found[clean_field(LeadField.WEBSITE, raw.rstrip(".").lower())] = None
        except InvalidInput:
            continue
    return list(found)


def everything(text: str) -> Found:
    return Found(phones(text), emails(text), companies(text), sites(text))

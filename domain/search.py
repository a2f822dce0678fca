"""What a search looks for (#14 §1): the terms a lead, company or contact is found by, and
what a manager typed turned into the prefixes to look up.

A term is a kind letter and a folded value: `t` a word of a name (lower case, ё as е, no
quotes or legal forms), `p` the phone's digits reversed (a prefix of them is a suffix of the
number: the last 4+ digits find it), `e` the e-mail in lower case. Every prefix of a query
must begin some term of a match.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain import normalize
from domain.errors import InvalidInput

WORD = "t"
PHONE = "p"
EMAIL = "e"

MIN_WORD = 2  # a shorter word in a query finds too much to be of use
MIN_PHONE_DIGITS = 4
TERM_MAX = 254

_SHORT_FORMS = frozenset(form.casefold() for form in normalize.LEGAL_FORMS)
_WORDS = re.compile(r"\w+")
_PHONE_QUERY = re.compile(r"^\+?[\d\s()\-.]+$")


def fold(text: str) -> str:
    """`ООО «Ёлка-Плюс»` -> `елка плюс`: lower case, ё as е, only words, no legal form."""
    text = text.casefold().replace("ё", "е")
    for long in normalize.LONG_LEGAL_FORMS:
        text = text.replace(long.replace("ё", "е"), " ")
    words = [w for w in _WORDS.findall(text.replace("_", " ")) if w not in _SHORT_FORMS]
    return " ".join(words)


def words(*texts: str | None) -> set[str]:
    return {word for text in texts if text for word in fold(text).split()}


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def phone_term(phone: str) -> str:
    return PHONE + digits(phone)[::-1]


def terms(
    *,
    names: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
) -> set[str]:
    """The terms of a subject: the words of its names, its phones and e-mails."""
    found = {WORD + word for word in words(*names)}
    found |= {phone_term(p) for p in phones if p and digits(p)}
    found |= {EMAIL + e.casefold() for e in emails if e}
    return {term[:TERM_MAX] for term in found}


def lead_terms(
    company: str | None,
    name: str | None,
    last_name: str | None,
    phone: str | None,
    email: str | None,
) -> set[str]:
    return terms(names=(company, name, last_name), phones=(phone,), emails=(email,))


@dataclass(frozen=True)
class SearchScope:
    """Whose leads a search may show: a department's (None: every one, an admin's), and of
    them only those one manager holds (None: all of them)."""

    department_id: int | None
    responsible_id: int | None = None


class QueryKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True)
class SearchQuery:
    kind: QueryKind
    prefixes: tuple[str, ...]  # every one begins some term of a match


def parse_query(text: str) -> SearchQuery | None:
    """What was typed as a search; None when there is nothing to look for (too short)."""
    text = text.strip()
    if not text:
        return None
    if "@" in text and " " not in text:
        return SearchQuery(QueryKind.EMAIL, (EMAIL + text.casefold()[: TERM_MAX - 1],))
    if _PHONE_QUERY.match(text):
        number = digits(text)
        if len(number) < MIN_PHONE_DIGITS:
            return None
        # 8 912…, +7 912…, 912…: the whole number; else a part of one: its last digits.
        with contextlib.suppress(InvalidInput):
            number = digits(normalize.phone(text))
        return SearchQuery(QueryKind.PHONE, (PHONE + number[::-1][: TERM_MAX - 1],))
    found = [w for w in dict.fromkeys(fold(text).split()) if len(w) >= MIN_WORD]
    if not found:
        return None
    return SearchQuery(QueryKind.NAME, tuple(WORD + w[: TERM_MAX - 1] for w in found[:4]))


def prefix_end(prefix: str) -> str:
    """The least string after every string that begins with `prefix` (in code point
    order): `prefix <= term < prefix_end(prefix)` is a prefix match an index can answer."""
    last = prefix[-1]
    return prefix[:-1] + chr(ord(last) + 1)

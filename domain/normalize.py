"""Normalisers for what people type: company names (R2.7), phones, e-mails."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidInput

# Short legal forms with their long spellings, longest first within the table's use.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "ООО": ("общество с ограниченной ответственностью",),
    "ОАО": ("открытое акционерное общество",),
    "ЗАО": ("закрытое акционерное общество",),
    "ПАО": ("публичное акционерное общество",),
    "НАО": ("непубличное акционерное общество",),
    "АО": ("акционерное общество",),
    "ИП": ("индивидуальный предприниматель",),
    "НКО": ("некоммерческая организация",),
    "АНО": ("автономная некоммерческая организация",),
    "ФГУП": ("федеральное государственное унитарное предприятие",),
    "ГУП": ("государственное унитарное предприятие",),
    "МУП": ("муниципальное унитарное предприятие",),
    "ФГБУ": ("федеральное государственное бюджетное учреждение",),
    "ГБУ": ("государственное бюджетное учреждение",),
    "МБУ": ("муниципальное бюджетное учреждение",),
    "ГАУ": ("государственное автономное учреждение",),
    "МАУ": ("муниципальное автономное учреждение",),
}

_LONG_FORMS = sorted(
    ((long, short) for short, longs in LEGAL_FORMS.items() for long in longs),
    key=lambda pair: -len(pair[0]),
)
_QUOTES = re.compile(r"[«»\"„“”‟'‘’‚`]")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_BRACKETED_FORM = re.compile(r"\(\s*(" + "|".join(LEGAL_FORMS) + r")\s*\)", re.IGNORECASE)
_EDGE_PUNCTUATION = " ,;-–—"

COMPANY_MAX = 200


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip(_EDGE_PUNCTUATION)


def _split_legal_form(name: str) -> tuple[str, str | None]:
    lowered = name.casefold()
    for long, short in _LONG_FORMS:
        if lowered.startswith(long + " "):
            return name[len(long) :], short
        if lowered.endswith(" " + long):
            return name[: -len(long)], short
    words = name.split(" ")
    if len(words) > 1:
        if words[0].upper() in LEGAL_FORMS:
            return " ".join(words[1:]), words[0].upper()
        if words[-1].upper() in LEGAL_FORMS:
            return " ".join(words[:-1]), words[-1].upper()
    return name, None


def _is_legal_form(text: str) -> bool:
    return text.upper() in LEGAL_FORMS or any(text.casefold() == long for long, _ in _LONG_FORMS)


def company_name(raw: str) -> str:
    """`ОАО «ВТБ24»` -> `ВТБ24 ОАО`: no quotes, the legal form after the name (R2.7)."""
    raw = visible(raw, "company", "Компания")
    name = _fold(_BRACKETED_FORM.sub(r" \1 ", _QUOTES.sub(" ", raw)))
    body, form = _split_legal_form(name)
    body = _fold(body)
    if not body or _is_legal_form(body):
        raise InvalidInput("company", "Название компании пустое: напишите, как она называется.")
    result = f"{body} {form}" if form else body
    if len(result) > COMPANY_MAX:
        raise InvalidInput("company", f"Название компании длиннее {COMPANY_MAX} символов.")
    return result


def company_key(name: str) -> str:
    """A key for matching companies spelled differently: normalised and case-folded."""
    return company_name(name).casefold().replace("ё", "е")


_PHONE_CHARS = re.compile(r"^[\d\s()+\-.]+$")


def phone(raw: str, region: str = "RU") -> str:
    """A phone in E.164 (`+79121234567`); anything that is not a valid number is an error."""
    text = visible(raw, "phone", "Телефон").strip()
    if not text or not _PHONE_CHARS.match(text) or sum(c.isdigit() for c in text) < 7:
        raise InvalidInput("phone", "Это не похоже на номер телефона. Пример: +7 912 123-45-67.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            "phone", "Такого номера не бывает: проверьте цифры. Пример: +7 912 123-45-67."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


EMAIL_MAX = 254


def email(raw: str) -> str:
    """A syntactically valid e-mail, domain lower-cased; no network look-up."""
    text = visible(raw, "email", "E-mail").strip()
    if len(text) > EMAIL_MAX:
        raise InvalidInput("email", "Адрес e-mail слишком длинный.")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(
            "email", "Это не похоже на адрес e-mail. Пример: ivan@example.ru."
        ) from None
    return result.normalized


# Nothing a person means to type: control characters (NUL, escape, bell...), and the
# invisible ones that could make an empty name look filled or reorder a card's text (zero
# widths, byte-order mark, bidirectional overrides). The joiners emoji and some scripts are
# written with (U+200C, U+200D) stay.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\u115f\u1160\u180e\u2800\u3164\uffa0]"  # blanks that are letters or symbols
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(raw: str, field: str, label: str) -> str:
    """What was typed, without the characters nobody types on purpose. A lone surrogate
    (possible in JSON, never in real text) is refused: no database can store it."""
    if _SURROGATE.search(raw):
        raise InvalidInput(field, f"{label}: недопустимые символы.")
    return _INVISIBLE.sub("", raw)


def plain_text(raw: str, field: str, label: str, max_length: int, *, lines: bool = False) -> str:
    """Free text: spaces folded, not empty, not longer than `max_length`. With `lines` (a
    comment, a summary of a talk) its line breaks stay, blank lines at most one in a row."""
    text = visible(raw, field, label)
    if lines:
        kept = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
        text = _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()
    else:
        text = _SPACES.sub(" ", text).strip()
    if not text:
        raise InvalidInput(field, f"{label}: пустое значение, напишите текстом.")
    if len(text) > max_length:
        raise InvalidInput(field, f"{label}: не длиннее {max_length} символов.")
    return text

"""Normalisers for what people type: company names (R2.7), phones, e-mails."""

from __future__ import annotations

import re
import unicodedata

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
# The written-out forms, longest first: one is matched before a shorter one it contains.
LONG_LEGAL_FORMS = tuple(long for long, _ in _LONG_FORMS)
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
    return _ATTACHED.sub("", company_name(name)).casefold().replace("ё", "е")


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


# Nothing a person means to type (#12): control characters (Unicode Cc: NUL, escape, bell...;
# tab and line breaks are whitespace, folded or kept as lines by `plain_text`), format
# characters (Cf: zero widths, the byte-order mark, bidirectional marks and overrides, tags,
# invisible operators...) and the rest of Unicode's default-ignorable code points, which render
# as nothing, with the blanks that are letters or symbols (Hangul fillers, the braille blank).
# They could make an empty name look filled or reorder a card's text. Python has no
# Default_Ignorable_Code_Point property: the table takes Cc and Cf by category in planes 0 and 1,
# plane 14 (tags...) whole, and lists the rest. No Cc or Cf lies anywhere else.
_JOINERS = "\u200c\u200d"  # zero width non-joiner and joiner
_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"  # variation selectors
_LINE_CONTROLS = "\t\n\r"
_NOT_CONTROL_OR_FORMAT = [
    0x034F,  # combining grapheme joiner
    0x115F,  # Hangul choseong filler
    0x1160,  # Hangul jungseong filler
    0x17B4,  # Khmer inherent vowel aq
    0x17B5,  # Khmer inherent vowel aa
    *range(0x180B, 0x1810),  # Mongolian free variation selectors
    0x2065,  # unassigned, reserved as default-ignorable
    0x2800,  # braille pattern blank: not default-ignorable, but as blank as a space
    0x3164,  # Hangul filler
    0xFFA0,  # halfwidth Hangul filler
    *range(0xFFF0, 0xFFF9),  # unassigned, reserved as default-ignorable
    *(cp for cp in range(0xE0000, 0xE1000) if not 0xE0100 <= cp <= 0xE01EF),  # but selectors
]


def _dropped(char: str) -> bool:
    kind = unicodedata.category(char)
    return (kind == "Cc" and char not in _LINE_CONTROLS) or (kind == "Cf" and char not in _JOINERS)


_DROPPED = dict.fromkeys(
    [cp for cp in range(0x20000) if _dropped(chr(cp))] + _NOT_CONTROL_OR_FORMAT
)
# What means something only attached to a visible character, so is dropped anywhere else:
# variation selectors right after one (U+FE0F gives U+2764 its red-heart emoji style), the
# joiners between two (emoji like "man, U+200D, laptop" and some scripts are written so).
_LOOSE_SELECTORS = re.compile(f"(?:^|(?<=[\\s{_JOINERS}]))[{_SELECTORS}]+")
_LOOSE_JOINERS = re.compile(f"(?<![^\\s{_JOINERS}])[{_JOINERS}]|[{_JOINERS}](?![^\\s{_JOINERS}])")
_ATTACHED = re.compile(f"[{_JOINERS}{_SELECTORS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(raw: str, field: str, label: str) -> str:
    """What was typed, without the characters nobody types on purpose. A lone surrogate
    (possible in JSON, never in real text) is refused: no database can store it."""
    if _SURROGATE.search(raw):
        raise InvalidInput(field, f"{label}: недопустимые символы.")
    text = _LOOSE_SELECTORS.sub("", raw.translate(_DROPPED))
    return _LOOSE_JOINERS.sub("", text)


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

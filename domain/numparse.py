"""Numbers as managers type them: «200 штук», «1,5 млн», «150 000 ₽», «2.500.000 руб.»."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput

NUMBER_MAX = 10**12  # a trillion: past any volume or budget, and exact as a float

# A word after the number that multiplies it; «тыс.» and «млн» as written in a price list.
MULTIPLIERS: dict[str, int] = {
    **dict.fromkeys(("тыс", "тысяча", "тысячи", "тысяч", "к", "k"), 10**3),
    **dict.fromkeys(("млн", "миллион", "миллиона", "миллионов", "m"), 10**6),
    **dict.fromkeys(("млрд", "миллиард", "миллиарда", "миллиардов"), 10**9),
}
# «150 т.р.», «150 тр»: thousands of roubles; in a count «5 т» would be tonnes, so not there.
MONEY_MULTIPLIERS: dict[str, int] = {**MULTIPLIERS, "т": 10**3, "тр": 10**3}
COUNT_UNITS = frozenset(
    ("шт", "штук", "штука", "штуки", "ед", "единиц", "единицы", "единица", "pcs")
)
MONEY_UNITS = frozenset(("₽", "руб", "рубль", "рубля", "рублей", "р", "rub"))

COUNT_EXAMPLE = "Например: 200, 200 шт. или 1,5 тыс."
MONEY_EXAMPLE = "Например: 150 000 ₽, 150 тыс. или 1,5 млн."

# The digits with what people put between them: spaces (plain, no-break, thin), dots and
# commas, an exponent (`1e6`). The words after them are read one by one.
_NUMBER = re.compile(r"^(?P<digits>\d[\d\s.,'’]*?(?:e[+-]?\d+)?)\s*(?P<words>[^\d\s.,'’].*)?$")
_WORD = re.compile(r"₽|[^\s.₽]+")


def parse_number(raw: str, field: str, *, money: bool) -> int | float:
    """A count (`money=False`) or a sum in roubles, as stored: an int when whole. A word
    that is neither a multiplier nor the kind's unit, or a number that does not read, is
    refused with an example."""
    example = MONEY_EXAMPLE if money else COUNT_EXAMPLE
    text = " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").lower().split())
    if text.startswith(("-", "−", "–")):
        raise InvalidInput(field, "Число не может быть отрицательным.")
    match = _NUMBER.match(text)
    if match is None:
        raise InvalidInput(field, f"Не понял {'сумму' if money else 'число'}. {example}")
    words = _WORD.findall(match["words"] or "")
    multiplier = 1
    multipliers = MONEY_MULTIPLIERS if money else MULTIPLIERS
    if words and words[0] in multipliers:
        multiplier = multipliers[words.pop(0)]
    units = MONEY_UNITS if money else COUNT_UNITS | MONEY_UNITS  # «1 500 руб.» counts too
    if words and words[0] in units:
        words.pop(0)
    if words:
        raise InvalidInput(field, f"Не понял {'сумму' if money else 'число'}. {example}")
    value = _decimal(match["digits"], field, decimal_point=multiplier > 1) * multiplier
    if not value.is_finite() or value > NUMBER_MAX:
        raise InvalidInput(field, f"Число не больше {number_text(NUMBER_MAX)}.")
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(digits: str, field: str, *, decimal_point: bool) -> Decimal:
    """`10 000`, `1,5`, `2.500.000`; one dot before three digits (`1.500`) is a thousands
    dot or a decimal point: asked, not guessed, unless a multiplier follows (`1.500 млн`)."""
    number = re.sub(r"[\s'’]", "", digits)
    if re.fullmatch(r"\d{1,3}(\.\d{3}){2,}", number):
        number = number.replace(".", "")
    elif not decimal_point and re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", number):
        whole, part = number.split(".")
        raise InvalidInput(
            field,
            f"{number} — это {whole}{part} или {whole},{part}? Напишите без точки: "
            f"{whole}{part} или {whole},{part}.",
        )
    try:
        return Decimal(number.replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(field, "Не понял число. Например: 150 или 1,5.") from None


def number_text(value: int | float, *, money: bool = False) -> str:
    """A number as a person reads it: `1 500 000`, `1,5`; a sum with «₽»."""
    exact = Decimal(str(value))
    whole = int(exact)
    fraction = exact - whole
    text = f"{whole:,}".replace(",", " ")
    if fraction:
        digits = format(fraction.normalize(), "f").split(".")[1]
        text += "," + (digits.ljust(2, "0") if money else digits)  # kopecks: two digits
    return f"{text} ₽" if money else text

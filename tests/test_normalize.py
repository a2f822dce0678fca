"""Normalisers on real-world spellings (R2.7)."""

import pytest

from domain import normalize
from domain.errors import InvalidInput
from domain.lead_fields import LeadField, clean_field, clean_fields


@pytest.mark.parametrize(
    "raw",
    [
        "ОАО «ВТБ24»",
        '"ВТБ24" ОАО',
        "оао ВТБ24",
        "ОАО ВТБ24",
        "  ОАО   “ВТБ24”  ",
        "ОАО„ВТБ24“",
        "'ВТБ24', ОАО",
        "Открытое акционерное общество «ВТБ24»",
        "ВТБ24 открытое акционерное общество",
    ],
)
def test_company_name_puts_the_legal_form_after_the_name(raw: str) -> None:
    assert normalize.company_name(raw) == "ВТБ24 ОАО"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Общество с ограниченной ответственностью «Ромашка»", "Ромашка ООО"),
        ("ФГУП «Почта России»", "Почта России ФГУП"),
        ("Федеральное государственное унитарное предприятие «Почта России»", "Почта России ФГУП"),
        ("МУП «Водоканал»", "Водоканал МУП"),
        ("ГУП Мосгортранс", "Мосгортранс ГУП"),
        ("АНО «Центр»", "Центр АНО"),
        ("ГБУ «Жилищник района Арбат»", "Жилищник района Арбат ГБУ"),
        ("ООО «Ромашка»", "Ромашка ООО"),
        ("ооо Ромашка", "Ромашка ООО"),
        ("АО «Альфа-Банк»", "Альфа-Банк АО"),
        ("Акционерное общество Альфа", "Альфа АО"),
        ("ЗАО «Зенит»", "Зенит ЗАО"),
        ("Закрытое акционерное общество «Зенит»", "Зенит ЗАО"),
        ("ПАО Сбербанк", "Сбербанк ПАО"),
        ("Публичное акционерное общество «Сбербанк»", "Сбербанк ПАО"),
        ("НАО «Север»", "Север НАО"),
        ("Непубличное акционерное общество Север", "Север НАО"),
        ("ИП Иванов Иван Иванович", "Иванов Иван Иванович ИП"),
        ("Индивидуальный предприниматель Иванов И.И.", "Иванов И.И. ИП"),
        ("Банк ВТБ (ПАО)", "Банк ВТБ ПАО"),
        ("(ООО) Ромашка", "Ромашка ООО"),
        ("Альфа (Москва) ООО", "Альфа (Москва) ООО"),
        ("НКО «Добро»", "Добро НКО"),
        ("Некоммерческая организация «Добро»", "Добро НКО"),
        ("«Ромашка»", "Ромашка"),
        ("Ромашка", "Ромашка"),
        ("Дом   книги", "Дом книги"),
        ("ООО ПАО-Сервис", "ПАО-Сервис ООО"),
        ("АОр ООО", "АОр ООО"),
    ],
)
def test_company_name_forms(raw: str, expected: str) -> None:
    assert normalize.company_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "«»", "ООО", '"" ООО'])
def test_company_name_without_a_name_is_an_error(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize.company_name(raw)
    assert error.value.field == "company"


@pytest.mark.parametrize(
    ("name", "form"),
    [("Р" * 200, ""), ("Р" * 196, "ООО")],  # the limit counts the name as stored (R2.7)
)
def test_a_company_name_of_200_characters_is_accepted(name: str, form: str) -> None:
    raw = f"{form} «{name}»" if form else name
    stored = f"{name} {form}" if form else name
    assert len(stored) == normalize.COMPANY_MAX == 200
    assert normalize.company_name(raw) == stored
    assert clean_field(LeadField.COMPANY, raw) == stored


@pytest.mark.parametrize("raw", ["Р" * 201, "ООО «" + "Р" * 197 + "»", "Р" * 5000])
def test_a_company_name_over_200_characters_is_refused(raw: str) -> None:
    message = "Название компании длиннее 200 символов."
    with pytest.raises(InvalidInput) as error:
        clean_field(LeadField.COMPANY, raw)
    assert (error.value.field, error.value.message) == ("company", message)
    # The website's form gets the same answer, by field (R2.3).
    assert clean_fields({"company": raw, "name": "Иван"}) == (
        {LeadField.NAME: "Иван"},
        {"company": message},
    )


def test_company_key_matches_spellings() -> None:
    assert normalize.company_key("ООО «Ёлка»") == normalize.company_key('"елка" ооо')


@pytest.mark.parametrize(
    "raw",
    [
        "8 912 123-45-67",
        "+7 (912) 123 45 67",
        "9121234567",
        "89121234567",
        "+79121234567",
        "7 912 123 45 67",
        "8(912)123-45-67",
        " +7.912.123.45.67 ",
    ],
)
def test_phone_to_e164(raw: str) -> None:
    assert normalize.phone(raw) == "+79121234567"


def test_foreign_phone_keeps_its_country() -> None:
    assert normalize.phone("+1 202 555 0143") == "+12025550143"


@pytest.mark.parametrize(
    "raw", ["", "12345", "abc", "8 800 GOOG", "+7 000 000 00 00", "позвоните мне", "1" * 30]
)
def test_not_a_phone_is_an_error(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize.phone(raw)
    assert error.value.field == "phone"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ivan@example.ru", "ivan@example.ru"),
        ("  Ivan.Petrov@Example.RU ", "Ivan.Petrov@example.ru"),
        ("sales+crm@mail.example.com", "sales+crm@mail.example.com"),
        ("иван@пример.рф", "иван@пример.рф"),
    ],
)
def test_email(raw: str, expected: str) -> None:
    assert normalize.email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "ivan", "ivan@", "@example.ru", "ivan@example", "iv an@example.ru", "a@b@c.ru"]
)
def test_bad_email_is_an_error(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize.email(raw)
    assert error.value.field == "email"


def test_a_comment_keeps_its_lines_other_fields_are_one_line() -> None:
    typed = "  Нужно:\r\n - 100 коробок\u200b \n\n\n\n - до пятницы  \n"
    assert clean_field(LeadField.COMMENT, typed) == "Нужно:\n- 100 коробок\n\n- до пятницы"
    assert clean_field(LeadField.TITLE, "Ромашка:\n100 коробок") == "Ромашка: 100 коробок"
    with pytest.raises(InvalidInput):
        clean_field(LeadField.COMMENT, " \n \u200b\n ")


# What renders as nothing (#12): controls, format characters, the other default-ignorable code
# points and the blank letters. Each is dropped from every value.
INVISIBLE = [
    "\x00",  # NUL
    "\x1b",  # escape
    "\x7f",  # delete
    "\x85",  # next line, a C1 control
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\u061c",  # Arabic letter mark
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\u17b4",  # Khmer inherent vowel aq
    "\u17b5",  # Khmer inherent vowel aa
    "\u180b",  # Mongolian free variation selector one
    "\u180e",  # Mongolian vowel separator
    "\u200b",  # zero width space
    "\u200e",  # left-to-right mark
    "\u202e",  # right-to-left override
    "\u2060",  # word joiner
    "\u2064",  # invisible plus
    "\u2066",  # left-to-right isolate
    "\u206a",  # inhibit symmetric swapping
    "\u206f",  # nominal digit shapes
    "\u2800",  # braille pattern blank
    "\u3164",  # Hangul filler
    "\ufeff",  # byte-order mark
    "\uffa0",  # halfwidth Hangul filler
    "\ufff9",  # interlinear annotation anchor
    "\ufffb",  # interlinear annotation terminator
    "\U0001bca0",  # shorthand format letter overlap
    "\U0001bca3",  # shorthand format up step
    "\U0001d173",  # musical symbol begin beam
    "\U0001d17a",  # musical symbol end phrase
    "\U000e0001",  # language tag
    "\U000e0041",  # tag Latin capital letter A
    "\U000e007f",  # cancel tag
]
# Dropped alone, kept where they belong (see the tests below).
ATTACHED = ["\u200c", "\u200d", "\ufe0f", "\U000e0100"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda char: f"U+{ord(char):04X}")
def test_what_renders_as_nothing_is_dropped(char: str) -> None:
    assert normalize.visible(f"Ив{char}ан", "name", "Имя") == "Иван"
    assert clean_field(LeadField.COMMENT, f"строка{char}\nещё {char}одна") == "строка\nещё одна"
    assert normalize.company_name(f"ООО «Ромаш{char}ка»") == "Ромашка ООО"
    assert normalize.email(f"ivan{char}@example.ru") == "ivan@example.ru"
    assert normalize.phone(f"+7 912{char} 123-45-67") == "+79121234567"


@pytest.mark.parametrize("char", INVISIBLE + ATTACHED, ids=lambda char: f"U+{ord(char):04X}")
def test_a_value_of_nothing_visible_is_empty(char: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize.plain_text(f" {char}{char} ", "name", "Имя", 100)
    assert error.value.message == "Имя: пустое значение, напишите текстом."


@pytest.mark.parametrize(
    "raw",
    [
        "\U0001f468\u200d\U0001f4bb",  # emoji: man, zero width joiner, laptop
        "\u2764\ufe0f\u200d\U0001f525",  # emoji: heart, emoji style, joiner, fire
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a non-joiner
        "\u8fbb\U000e0100",  # an ideograph's variant
    ],
)
def test_joiners_stay_between_visible_characters_selectors_after_one(raw: str) -> None:
    assert normalize.visible(raw, "name", "Имя") == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u200dИван\u200c", "Иван"),
        ("Иван \u200d\ufe0f Петров", "Иван  Петров"),
        ("Ив\u200d\u200dан", "Иван"),
        ("\ufe0fИван", "Иван"),
    ],
)
def test_joiners_and_selectors_attached_to_nothing_are_dropped(raw: str, expected: str) -> None:
    assert normalize.visible(raw, "name", "Имя") == expected


def test_a_joiner_does_not_make_another_company() -> None:
    assert normalize.company_key("ООО «Рома\u200dшка»") == normalize.company_key("Ромашка ООО")


def test_tabs_and_line_breaks_are_whitespace() -> None:
    assert normalize.plain_text("Иван\tПетров\r\n", "name", "Имя", 100) == "Иван Петров"
    assert clean_field(LeadField.COMMENT, "раз\r\nдва\tтри") == "раз\nдва три"

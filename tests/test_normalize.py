"""Normalisers on real-world spellings (R2.7)."""

import pytest

from domain import normalize
from domain.errors import InvalidInput
from domain.lead_fields import LeadField, clean_field


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

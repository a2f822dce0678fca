"""The checklist as data: the shipped default, a file's problems named, answers validated."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.checklist import (
    ChecklistInvalid,
    Kind,
    answer_text,
    default_checklist,
    load_file,
    parse_answer,
    short_text,
    understood_text,
)
from domain.errors import InvalidInput

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")


def test_the_default_checklist_covers_a_b2b_call() -> None:
    checklist = default_checklist()
    keys = [q.key for q in checklist.questions]
    assert keys == [
        "needs",
        "volume",
        "budget",
        "timing",
        "decision_maker",
        "supplier",
        "company",
        "address",
        "website",
        "position",
        "email",
        "next_contact",
    ]
    fields = {q.key: q.field for q in checklist.questions if q.field}
    assert fields == {
        "company": "company",
        "address": "address",
        "website": "website",
        "position": "position",
        "email": "email",
        "next_contact": "next_contact",
    }


def test_a_bad_yaml_file_names_the_line() -> None:
    with pytest.raises(ChecklistInvalid) as error:
        load_file(b"name: X\nquestions:\n  - key: a\n   text: [oops\n", "c.yaml")
    assert error.value.problems[0].startswith("строка 4:")


def test_every_problem_is_listed_by_key() -> None:
    content = """
name: ""
extra: 1
questions:
  - key: Needs
    text: Что нужно?
    kind: text
  - key: budget
    text: Бюджет?
    kind: rubles
  - key: when
    text: Когда?
    kind: choice
    choices: [Скоро]
  - key: mail
    text: Почта?
    kind: text
    field: email
  - key: mail
    text: Ещё почта?
    kind: email
    colour: red
""".encode()
    with pytest.raises(ChecklistInvalid) as error:
        load_file(content, "c.yml")
    assert error.value.problems == [
        "name: нужно название чек-листа",
        "extra: неизвестный ключ",
        "questions[1].key: латиница в нижнем регистре, цифры и _, до 32 знаков",
        "questions[2] (budget).kind: «rubles» — неизвестный тип (можно: text, number, money, "
        "phone, email, url, date, datetime, yesno, choice, multi)",
        "questions[3] (when).choices: от 2 до 12 вариантов, каждый до 40 знаков",
        "questions[4] (mail).field: поле email заполняет вопрос типа email",
        "questions[5] (mail).colour: неизвестный ключ",
    ]


def test_choices_yaml_reads_as_numbers_are_asked_in_quotes() -> None:
    content = b"name: X\nquestions:\n  - {key: q, text: Q, kind: choice, choices: [10, yes]}\n"
    with pytest.raises(ChecklistInvalid) as error:
        load_file(content, "c.yaml")
    assert error.value.problems == [
        "questions[1] (q).choices: от 2 до 12 вариантов, каждый до 40 знаков; варианты — текст: "
        'числа и yes/no возьмите в кавычки, например ["10", "yes"]'
    ]


def test_json_files_too() -> None:
    checklist = load_file(
        '{"name": "Коротко", "questions": [{"key": "ok", "text": "Всё ясно?", '
        '"kind": "yesno", "required": true}]}'.encode(),
        "c.json",
    )
    assert checklist.questions[0].kind is Kind.YESNO
    with pytest.raises(ChecklistInvalid, match="строка 1: это не JSON"):
        load_file(b"{nope", "c.json")


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("volume", "10 000", 10000),
        ("volume", "1,5", 1.5),
        ("budget", "1e12", 10**12),
        ("budget", "150 000 руб.", 150000),
        ("company", 'ооо "сладкая жизнь"', "сладкая жизнь ООО"),
        ("email", "Ivan@Example.RU", "Ivan@example.ru"),
        ("email", "\u200bIvan@Example.RU\u202e", "Ivan@example.ru"),  # invisible ones dropped
        ("website", "romashka.ru", "romashka.ru"),
        ("next_contact", "05.12 11:00", "2026-12-05T08:00:00+00:00"),
        ("budget", "2.500.000 руб.", 2500000),  # dots between thousands
        ("budget", "0.125", 0.125),
        ("address", "Москва,\n ул. Кондитерская, 1", "Москва, ул. Кондитерская, 1"),
    ],
)
def test_answers_through_the_normalisers(key: str, raw: str, expected: object) -> None:
    checklist = default_checklist()
    question = checklist.questions[checklist.index_of(key)]
    assert parse_answer(question, raw, NOW, MSK) == expected


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("volume", "много"),
        ("budget", "-5"),
        ("volume", "nan"),
        ("volume", "inf"),
        ("budget", "1e999"),
        ("budget", "1e308"),
        ("email", "ivan@"),
        ("website", "not a site"),
        ("next_contact", "вчера"),
        ("timing", "Срочно"),
        ("needs", "   "),
        ("budget", "1.500 руб."),  # 1500 or 1,5: asked
        ("position", "П" * 129),  # the lead's field holds 128
    ],
)
def test_bad_answers_are_refused(key: str, raw: str) -> None:
    checklist = default_checklist()
    with pytest.raises(InvalidInput):
        parse_answer(checklist.questions[checklist.index_of(key)], raw, NOW, MSK)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("05.12.26", "2026-12-05"), ("05.12.2027", "2027-12-05"), ("5.1", "2027-01-05")],
)
def test_a_date_answer(raw: str, stored: str) -> None:
    question = load_file(b"name: X\nquestions:\n  - {key: d, text: Q, kind: date}\n", "c.yaml")
    assert parse_answer(question.questions[0], raw, NOW, MSK) == stored
    with pytest.raises(InvalidInput):
        parse_answer(question.questions[0], "05.12.2026.1", NOW, MSK)


# #14 §3: numbers as people type them; what was read is shown back as a person reads it.
@pytest.mark.parametrize(
    ("key", "raw", "stored", "shown"),
    [
        ("volume", "200 штук", 200, "200"),
        ("volume", "200 шт.", 200, "200"),
        ("volume", "2 тыс. шт", 2000, "2 000"),
        ("volume", "1,5 тыс", 1500, "1 500"),
        ("budget", "1,5 млн", 1500000, "1 500 000 ₽"),
        ("budget", "1.5 млн ₽", 1500000, "1 500 000 ₽"),
        ("budget", "150 000 ₽", 150000, "150 000 ₽"),
        ("budget", "150\u00a0000₽", 150000, "150 000 ₽"),
        ("budget", "150 т.р.", 150000, "150 000 ₽"),
        ("budget", "300 тыс. рублей", 300000, "300 000 ₽"),
        ("budget", "1 500,5 руб.", 1500.5, "1 500,50 ₽"),
        ("volume", "1,25", 1.25, "1,25"),
    ],
)
def test_numbers_as_people_type_them(key: str, raw: str, stored: object, shown: str) -> None:
    checklist = default_checklist()
    question = checklist.questions[checklist.index_of(key)]
    value = parse_answer(question, raw, NOW, MSK)
    assert value == stored
    assert answer_text(question, value, MSK) == shown


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("volume", "двести", "Не понял число. Например: 200, 200 шт. или 1,5 тыс."),
        ("volume", "5 т", "Не понял число. Например: 200, 200 шт. или 1,5 тыс."),  # tonnes?
        ("budget", "200 шт", "Не понял сумму. Например: 150 000 ₽, 150 тыс. или 1,5 млн."),
        (
            "budget",
            "полтора миллиона",
            "Не понял сумму. Например: 150 000 ₽, 150 тыс. или 1,5 млн.",
        ),
        ("budget", "-5", "Число не может быть отрицательным."),
    ],
)
def test_a_number_not_read_is_asked_with_an_example(key: str, raw: str, message: str) -> None:
    checklist = default_checklist()
    with pytest.raises(InvalidInput) as error:
        parse_answer(checklist.questions[checklist.index_of(key)], raw, NOW, MSK)
    assert error.value.message == message


def test_a_moment_is_shown_back_with_its_weekday() -> None:
    checklist = default_checklist()
    question = checklist.questions[checklist.index_of("next_contact")]
    value = parse_answer(question, "в пятницу 15:00", NOW, MSK)
    assert understood_text(question, value, MSK) == "пт, 04.12.2026 15:00"
    assert short_text(question) == "Когда следующий контакт?"

"""The needs-assessment checklist as data (R2.6, R2.7): questions, their kinds, validation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from domain import normalize
from domain.errors import DomainError, InvalidInput
from domain.lead_fields import LeadField, clean_field
from domain.numparse import number_text, parse_number
from domain.timeparse import day_without_year, parse_local_datetime

TEXT_MAX = 1000
MAX_QUESTIONS = 40
MAX_CHOICES = 12
CHOICE_MAX = 40  # a button label


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    DATE = "date"
    DATETIME = "datetime"
    YESNO = "yesno"
    CHOICE = "choice"
    MULTI = "multi"


# The lead fields a question may fill (R2.7), and the kinds each accepts.
FIELDS: dict[str, tuple[str, tuple[Kind, ...]]] = {
    "company": ("company_name", (Kind.TEXT,)),
    "address": ("address", (Kind.TEXT,)),
    "website": ("website", (Kind.URL, Kind.TEXT)),
    "contact_name": ("contact_name", (Kind.TEXT,)),
    "position": ("position", (Kind.TEXT,)),
    "email": ("email", (Kind.EMAIL,)),
    "phone": ("phone", (Kind.PHONE,)),
    "next_contact": ("next_contact_at", (Kind.DATETIME,)),
    "comment": ("comment", (Kind.TEXT,)),
}
BUTTON_KINDS = (Kind.YESNO, Kind.CHOICE, Kind.MULTI)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    field: str | None = None

    @property
    def choice_labels(self) -> tuple[str, ...]:
        return ("Да", "Нет") if self.kind is Kind.YESNO else self.choices


@dataclass(frozen=True)
class Checklist:
    name: str
    questions: tuple[Question, ...]
    department_id: int | None = None
    id: int | None = None

    def index_of(self, key: str) -> int:
        for index, question in enumerate(self.questions):
            if question.key == key:
                return index
        raise InvalidInput("question", "Такого вопроса в чек-листе нет.")

    def missing_required(self, answers: dict[str, Any]) -> list[Question]:
        return [q for q in self.questions if q.required and answers.get(q.key) in (None, [], "")]

    def next_open(self, answers: dict[str, Any], after: int = -1) -> int:
        """The first question past `after` not answered nor skipped yet; past the last one
        (the summary) when there is none."""
        return next(
            (i for i, q in enumerate(self.questions) if i > after and q.key not in answers),
            len(self.questions),
        )

    def answered(self, answers: dict[str, Any]) -> int:
        return sum(1 for q in self.questions if answers.get(q.key) not in (None, [], ""))

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "questions": [
                {
                    k: v
                    for k, v in (
                        ("key", q.key),
                        ("text", q.text),
                        ("kind", q.kind.value),
                        ("required", q.required),
                        ("choices", list(q.choices)),
                        ("field", q.field),
                    )
                    if v not in (None, [])
                }
                for q in self.questions
            ],
        }


class ChecklistInvalid(DomainError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Чек-лист не принят:\n" + "\n".join(f"• {p}" for p in problems[:30]))
        self.problems = problems


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def load_file(content: bytes, filename: str) -> Checklist:
    """A checklist file (YAML or JSON): every problem named by line or by key."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ChecklistInvalid(["файл не в кодировке UTF-8"]) from None
    try:
        is_json = filename.lower().endswith(".json")
        data = json.loads(text) if is_json else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise ChecklistInvalid([f"строка {error.lineno}: это не JSON ({error.msg})"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"строка {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "это не YAML"
        raise ChecklistInvalid([f"{where}{problem}"]) from None
    return parse(data)


def parse(data: object) -> Checklist:
    """Validate checklist data; raise ChecklistInvalid listing everything wrong."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ChecklistInvalid(["ожидается словарь с ключами name и questions"])
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: нужно название чек-листа")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append("questions: нужен непустой список вопросов")
        raise ChecklistInvalid(problems)
    if len(raw_questions) > MAX_QUESTIONS:
        problems.append(f"questions: не больше {MAX_QUESTIONS} вопросов")
    for key in sorted(set(data) - {"name", "questions"}):
        problems.append(f"{key}: неизвестный ключ")
    questions = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions):
        question = _question(raw, f"questions[{index + 1}]", problems)
        if question is None:
            continue
        if question.key in seen:
            problems.append(f"questions[{index + 1}].key: «{question.key}» уже есть выше")
        seen.add(question.key)
        questions.append(question)
    if problems:
        raise ChecklistInvalid(problems)
    assert isinstance(name, str)
    return Checklist(name.strip()[:100], tuple(questions))


def _question(raw: object, where: str, problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: ожидается словарь с key, text, kind")
        return None
    before = len(problems)
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.append(f"{where}.key: латиница в нижнем регистре, цифры и _, до 32 знаков")
        key = "?"
    where = f"{where} ({key})"
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        problems.append(f"{where}.text: нужен текст вопроса до 500 знаков")
    kind_raw = raw.get("kind")
    try:
        kind = Kind(kind_raw)
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        problems.append(f"{where}.kind: «{kind_raw}» — неизвестный тип (можно: {allowed})")
        kind = Kind.TEXT
    required = raw.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}.required: true или false")
    choices = raw.get("choices", [])
    if kind in (Kind.CHOICE, Kind.MULTI):
        if (
            not isinstance(choices, list)
            or not 2 <= len(choices) <= MAX_CHOICES
            or not all(isinstance(c, str) and 0 < len(c.strip()) <= CHOICE_MAX for c in choices)
        ):
            problems.append(
                f"{where}.choices: от 2 до {MAX_CHOICES} вариантов, каждый до {CHOICE_MAX} знаков"
                + _NOT_TEXT
                * (isinstance(choices, list) and any(not isinstance(c, str) for c in choices))
            )
            choices = []
        elif len({c.strip() for c in choices}) != len(choices):
            problems.append(f"{where}.choices: варианты повторяются")
    elif choices:
        problems.append(f"{where}.choices: варианты бывают только у choice и multi")
    lead_field = raw.get("field")
    if lead_field is not None:
        if lead_field not in FIELDS:
            problems.append(
                f"{where}.field: «{lead_field}» — такого поля лида нет (можно: {', '.join(FIELDS)})"
            )
        elif kind not in FIELDS[lead_field][1]:
            kinds = ", ".join(k.value for k in FIELDS[lead_field][1])
            problems.append(f"{where}.field: поле {lead_field} заполняет вопрос типа {kinds}")
    for extra in sorted(set(raw) - {"key", "text", "kind", "required", "choices", "field"}):
        problems.append(f"{where}.{extra}: неизвестный ключ")
    if len(problems) > before:
        return None
    return Question(
        key,
        text.strip(),
        kind,
        bool(required),  # type: ignore[union-attr]
        tuple(c.strip() for c in choices),
        lead_field,
    )


def parse_answer(question: Question, raw: str, now: datetime, zone: ZoneInfo) -> Any:
    """A typed answer, validated (through the normalisers) and as it is stored."""
    text = raw.strip()
    match question.kind:
        case Kind.TEXT:
            field = lead_field_of(question)
            if field is not None:  # the lead field's own rules: R2.7, its length
                return clean_field(field, text)
            return normalize.plain_text(text, question.key, "Ответ", TEXT_MAX)
        case Kind.NUMBER | Kind.MONEY:  # «200 шт.», «1,5 млн», «150 000 ₽» (#14 §3)
            return parse_number(text, question.key, money=question.kind is Kind.MONEY)
        case Kind.PHONE:
            return normalize.phone(text)
        case Kind.EMAIL:
            return normalize.email(text)
        case Kind.URL:
            return clean_field(LeadField.WEBSITE, text)
        case Kind.DATE:
            match = _DATE.match(text)
            try:
                if match is None:
                    raise ValueError(text)
                day, month = int(match["day"]), int(match["month"])
                if match["year"] is None:  # «15.01» typed in December: next January's
                    return day_without_year(day, month, now.astimezone(zone).date()).isoformat()
                year = int(match["year"])
                return date(year + (2000 if year < 100 else 0), month, day).isoformat()
            except ValueError:
                raise InvalidInput(question.key, "Дата: ДД.ММ или ДД.ММ.ГГГГ.") from None
        case Kind.DATETIME:
            return parse_local_datetime(text, now, zone).isoformat()
    raise InvalidInput(question.key, "На этот вопрос ответьте кнопкой.")


# YAML reads 10 or yes as a number or a truth value, not as the text of a choice.
_NOT_TEXT = '; варианты — текст: числа и yes/no возьмите в кавычки, например ["10", "yes"]'
_DATE = re.compile(r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})(?:\.(?P<year>\d{2}|\d{4}))?$")


def lead_field_of(question: Question) -> LeadField | None:
    """The lead field a question fills (`field:`), as typed on the card."""
    if question.field is None or question.field not in FIELDS:
        return None
    attribute = FIELDS[question.field][0]
    return next((f for f in LeadField if f.attribute == attribute), None)


def answer_text(question: Question, value: Any, zone: ZoneInfo) -> str:
    """An answer as a person reads it."""
    if value in (None, [], ""):
        return "—"
    if question.kind is Kind.MULTI:
        return ", ".join(value)
    if question.kind is Kind.DATETIME:
        return datetime.fromisoformat(value).astimezone(zone).strftime("%d.%m.%Y %H:%M")
    if question.kind is Kind.DATE:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    if question.kind in (Kind.NUMBER, Kind.MONEY) and isinstance(value, int | float):
        return number_text(value, money=question.kind is Kind.MONEY)
    return str(value)


WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def understood_text(question: Question, value: Any, zone: ZoneInfo) -> str:
    """An answer as the bot read it, shown back to the one who typed it: a moment with its
    weekday, so «в пятницу» is seen to be the Friday meant."""
    shown = answer_text(question, value, zone)
    if question.kind is Kind.DATETIME and value:
        day = datetime.fromisoformat(value).astimezone(zone).weekday()
        return f"{WEEKDAYS[day]}, {shown}"
    return shown


def short_text(question: Question) -> str:
    """The question without its hint: «Когда следующий контакт?» of «… Например, 05.12»."""
    text = question.text
    mark = text.find("?")
    return text[: mark + 1] if 0 < mark < len(text) - 1 else text


def default_checklist() -> Checklist:
    from importlib.resources import files

    content = files("domain").joinpath("data/default_checklist.yaml").read_bytes()
    return load_file(content, "default_checklist.yaml")

# ruff: noqa: E501, F401 - a table: a case a line, its texts as they are; its names used in them
"""What a member is answered and what is stored, for what is typed or sent (#13, item 8).

A table of calls of the domain's pure functions (normalisers, the checklist file and its
answers, dates and working time, the Roles table's refusals) and their exact outcome: the
value stored, or the error's field and the very message the member reads. An assertion on the
exact text catches a message that changed, not only one that vanished."""

from __future__ import annotations

from dataclasses import dataclass, is_dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import normalize
from domain.checklist import (
    Checklist,
    ChecklistInvalid,
    Kind,
    Question,
    answer_text,
    default_checklist,
    lead_field_of,
    load_file,
    parse,
    parse_answer,
)
from domain.errors import DomainError
from domain.lead_fields import (
    LeadField,
    auto_title,
    clean_field,
    clean_fields,
    parse_source,
    reachability_error,
)
from domain.model import Contact, Invitation, JunkReason, Lead, LeadSource, Member, Role, Rule
from domain.permissions import Action, may, require
from domain.services import onboarding
from domain.services.conversion import _same_person as same_person
from domain.services.conversion import contact_name
from domain.services.department_settings import parse_minutes
from domain.services.escalations import lead_numbers
from domain.sla import REMINDER_SHARE, WorkSchedule, minutes_text, parse_days, parse_hours, schedule
from domain.statuses import LeadStatus, check_move
from domain.timeparse import day_without_year, parse_local_datetime, tomorrow_at

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, 12:00 in Moscow
ZONE = ZoneInfo("Europe/Moscow")
WORK = WorkSchedule(ZONE)  # 09:00-18:00, Monday to Friday
BERLIN = WorkSchedule(ZoneInfo("Europe/Berlin"))  # its clocks go forward on 29.03.2026
SHORT = Checklist(
    "Короткий",
    (
        Question("a", "А?", Kind.TEXT, required=True),
        Question("b", "Б?", Kind.MULTI, required=True, choices=("x", "y")),
        Question("c", "В?", Kind.DATE, field=None),
    ),
)
INVITATION = Invitation("t", Role.MANAGER, 1, 1, NOW, NOW + timedelta(hours=1))
MANAGER = Member(1, "Анна", Role.MANAGER, 1, id=1)
BOSS = Member(2, "Шеф", Role.SUPERVISOR, 1, id=2)
ADMIN = Member(3, "Адам", Role.ADMIN, None, id=3)
LEAD = Lead("Окна", LeadSource.WEB, 1, NOW, responsible_id=1, id=7)


def Q(kind: Kind, **values: Any) -> Question:
    return Question("q", "Вопрос?", kind, **values)


def shown(value: Any) -> Any:
    """A value as compared: enums by name, times as ISO text with their offset, sets sorted."""
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, str) and len(value) > 100:  # a long text: its ends and its length
        return (value[:30], len(value), value[-30:])
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(shown(v) for v in value)
    if isinstance(value, tuple | list):
        return type(value)(shown(v) for v in value)
    if isinstance(value, dict):
        return {shown(k): shown(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return repr(value)
    return value


def outcome(expression: str) -> Any:
    """("ok", the value) or (the error, its field, the message; a bad file's problems)."""
    try:
        value = eval(expression, globals())
    except ChecklistInvalid as error:
        return ("ChecklistInvalid", error.message, error.problems)
    except DomainError as error:
        return (type(error).__name__, getattr(error, "field", None), error.message)
    except ValueError as error:
        return ("ValueError", str(error))
    return ("ok", shown(value))


CASES = [
    # R2.7: phones, e-mails, companies as stored; what a member is told when one is wrong
    ('normalize.phone("8 912 123-45-67")', ("ok", "+79121234567")),
    ('normalize.phone("+7 (912) 123-45-67")', ("ok", "+79121234567")),
    ('normalize.phone("912 123 45 67\\u200b")', ("ok", "+79121234567")),
    (
        'normalize.phone("12")',
        ("InvalidInput", "phone", "Это не похоже на номер телефона. Пример: +7 912 123-45-67."),
    ),
    (
        'normalize.phone("")',
        ("InvalidInput", "phone", "Это не похоже на номер телефона. Пример: +7 912 123-45-67."),
    ),
    (
        'normalize.phone("123456")',
        ("InvalidInput", "phone", "Это не похоже на номер телефона. Пример: +7 912 123-45-67."),
    ),
    (
        'normalize.phone("1234567")',
        (
            "InvalidInput",
            "phone",
            "Такого номера не бывает: проверьте цифры. Пример: +7 912 123-45-67.",
        ),
    ),
    (
        'normalize.phone("abc 912 123 45 67")',
        ("InvalidInput", "phone", "Это не похоже на номер телефона. Пример: +7 912 123-45-67."),
    ),
    (
        'normalize.phone("+7 000 000-00-00")',
        (
            "InvalidInput",
            "phone",
            "Такого номера не бывает: проверьте цифры. Пример: +7 912 123-45-67.",
        ),
    ),
    ('normalize.phone("+1 650 253 0000")', ("ok", "+16502530000")),
    ('normalize.email(" Ivan.Petrov@Example.RU ")', ("ok", "Ivan.Petrov@example.ru")),
    (
        'normalize.email("ivan@")',
        ("InvalidInput", "email", "Это не похоже на адрес e-mail. Пример: ivan@example.ru."),
    ),
    (
        'normalize.email("a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".ru")',
        ("ok", ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 254, "ddddddddddddddddddddddddddd.ru")),
    ),
    (
        'normalize.email("a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".ru")',
        ("InvalidInput", "email", "Адрес e-mail слишком длинный."),
    ),
    (
        'normalize.email("iv\\ud800an@example.ru")',
        ("InvalidInput", "email", "E-mail: недопустимые символы."),
    ),
    ('normalize.company_name("ООО «Ромашка»")', ("ok", "Ромашка ООО")),
    ('normalize.company_name("«Ромашка» ООО")', ("ok", "Ромашка ООО")),
    ('normalize.company_name("ОАО \\"ВТБ24\\"")', ("ok", "ВТБ24 ОАО")),
    (
        'normalize.company_name("ООО")',
        ("InvalidInput", "company", "Название компании пустое: напишите, как она называется."),
    ),
    (
        'normalize.company_name("«»")',
        ("InvalidInput", "company", "Название компании пустое: напишите, как она называется."),
    ),
    (
        'normalize.company_name("Р" * 196 + " ООО")',
        ("ok", ("РРРРРРРРРРРРРРРРРРРРРРРРРРРРРР", 200, "РРРРРРРРРРРРРРРРРРРРРРРРРР ООО")),
    ),
    (
        'normalize.company_name("Р" * 197 + " ООО")',
        ("InvalidInput", "company", "Название компании длиннее 200 символов."),
    ),
    ('normalize.company_key("ООО «Ёлка»")', ("ok", "елка ооо")),
    ('normalize.company_key("Ёлка ооо")', ("ok", "елка ооо")),
    (
        'normalize.visible("a\\u200bb\\ud800", "name", "Имя")',
        ("InvalidInput", "name", "Имя: недопустимые символы."),
    ),
    (
        '[hex(ord(c)) for c in "\\x00\\x1b\\t\\n\\r\\u200b\\u200c\\u200d\\u2066\\ufeffa\\u0301 " if normalize._dropped(c)]',
        ("ok", ["0x0", "0x1b", "0x200b", "0x2066", "0xfeff"]),
    ),
    (
        'normalize.visible("a\\x00b\\tc\\u2066d\\u200de\\u200d", "name", "Имя")',
        ("ok", "ab\tcd\u200de"),
    ),
    ('normalize.plain_text("  два   слова ", "name", "Имя", 9)', ("ok", "два слова")),
    ('normalize.plain_text("десять бу", "name", "Имя", 9)', ("ok", "десять бу")),
    (
        'normalize.plain_text("десять букв", "name", "Имя", 9)',
        ("InvalidInput", "name", "Имя: не длиннее 9 символов."),
    ),
    (
        'normalize.plain_text(" \\u200b ", "name", "Имя", 9)',
        ("InvalidInput", "name", "Имя: пустое значение, напишите текстом."),
    ),
    (
        'normalize.plain_text(" раз \\n\\n\\n  два  \\n", "comment", "Комментарий", 100, lines=True)',
        ("ok", "раз\n\nдва"),
    ),
    (
        'normalize.plain_text(" раз \\n\\n\\n  два  \\n", "comment", "Комментарий", 100)',
        ("ok", "раз два"),
    ),
    # R2.4, R2.5: the fields of a lead as typed on the card and sent by the website
    ('clean_field(LeadField.WEBSITE, "romashka.ru")', ("ok", "romashka.ru")),
    (
        'clean_field(LeadField.WEBSITE, "https://romashka.ru:8080/окна")',
        ("ok", "https://romashka.ru:8080/окна"),
    ),
    (
        'clean_field(LeadField.WEBSITE, "ромашка")',
        ("InvalidInput", "website", "Сайт: укажите адрес вида example.ru или https://example.ru."),
    ),
    (
        'clean_field(LeadField.TITLE, "Т" * 255)',
        ("ok", ("ТТТТТТТТТТТТТТТТТТТТТТТТТТТТТТ", 255, "ТТТТТТТТТТТТТТТТТТТТТТТТТТТТТТ")),
    ),
    (
        'clean_field(LeadField.TITLE, "Т" * 256)',
        ("InvalidInput", "title", "Название: не длиннее 255 символов."),
    ),
    ('clean_field(LeadField.COMMENT, "раз\\n\\nдва")', ("ok", "раз\n\nдва")),
    ('clean_field(LeadField.NAME, " Иван ")', ("ok", "Иван")),
    (
        'clean_field(LeadField.ADDRESS, "")',
        ("InvalidInput", "address", "Адрес: пустое значение, напишите текстом."),
    ),
    ('clean_field(LeadField.COMPANY, "ооо ромашка")', ("ok", "ромашка ООО")),
    ('clean_field(LeadField.PHONE, "89121234567")', ("ok", "+79121234567")),
    ('clean_field(LeadField.EMAIL, "A@B.RU")', ("ok", "A@b.ru")),
    (
        'clean_fields({"name": " Иван ", "phone": "12", "email": 5, "title": " ", "company": None, "x": "y"})',
        (
            "ok",
            (
                {"LeadField.NAME": "Иван"},
                {
                    "phone": "Это не похоже на номер телефона. Пример: +7 912 123-45-67.",
                    "email": "E-mail: ожидается строка.",
                },
            ),
        ),
    ),
    (
        "reachability_error({})",
        ("ok", "Нужен хотя бы один способ связаться: телефон, e-mail или имя контакта."),
    ),
    (
        'reachability_error({LeadField.COMPANY: "Ромашка ООО", LeadField.COMMENT: "x"})',
        ("ok", "Нужен хотя бы один способ связаться: телефон, e-mail или имя контакта."),
    ),
    ('reachability_error({LeadField.LAST_NAME: "Петров"})', ("ok", None)),
    ('parse_source(" web ")', ("ok", "LeadSource.WEB")),
    ('parse_source("Call")', ("ok", "LeadSource.CALL")),
    (
        'parse_source("MANUAL")',
        ("InvalidInput", "source", "Источник: один из CALL, EMAIL, WEB, OPENLINE, OTHER."),
    ),
    (
        'parse_source("нет")',
        ("InvalidInput", "source", "Источник: один из CALL, EMAIL, WEB, OPENLINE, OTHER."),
    ),
    ("parse_source(5)", ("InvalidInput", "source", "Источник: ожидается строка.")),
    ("auto_title({}, LeadSource.WEB)", ("ok", "клиент (сайт)")),
    ('auto_title({LeadField.EMAIL: "a@b.ru"}, LeadSource.EMAIL)', ("ok", "a@b.ru (e-mail)")),
    (
        'auto_title({LeadField.PHONE: "+79121234567", LeadField.EMAIL: "a@b.ru"}, LeadSource.CALL)',
        ("ok", "+79121234567 (звонок)"),
    ),
    (
        'auto_title({LeadField.NAME: "Иван", LeadField.LAST_NAME: "Петров"}, LeadSource.OPENLINE)',
        ("ok", "Иван Петров (мессенджер)"),
    ),
    (
        'auto_title({LeadField.COMPANY: "Ромашка ООО", LeadField.LAST_NAME: "Петров"}, LeadSource.OTHER)',
        ("ok", "Ромашка ООО — Петров (другое)"),
    ),
    (
        'auto_title({LeadField.COMPANY: "К" * 300}, LeadSource.MANUAL)',
        ("ok", ("КККККККККККККККККККККККККККККК", 255, "КККККККККККККККККККККККККККККК")),
    ),
    (
        "[(f.value, f.label, f.attribute) for f in LeadField]",
        (
            "ok",
            [
                ("title", "Название", "title"),
                ("company", "Компания", "company_name"),
                ("name", "Имя контакта", "contact_name"),
                ("last_name", "Фамилия контакта", "contact_last_name"),
                ("position", "Должность", "position"),
                ("phone", "Телефон", "phone"),
                ("email", "E-mail", "email"),
                ("website", "Сайт", "website"),
                ("address", "Адрес", "address"),
                ("comment", "Комментарий", "comment"),
            ],
        ),
    ),
    # R2.5: when to call, as typed (now: Tuesday 01.12.2026 12:00 in Moscow)
    ('parse_local_datetime("16:00", NOW, ZONE)', ("ok", "2026-12-01T13:00:00+00:00")),
    ('parse_local_datetime("16.00", NOW, ZONE)', ("ok", "2026-12-01T13:00:00+00:00")),
    (
        'parse_local_datetime("11:00", NOW, ZONE)',
        ("InvalidInput", "when", "Это время уже прошло: укажите время в будущем."),
    ),
    (
        'parse_local_datetime("12:00", NOW, ZONE)',
        ("InvalidInput", "when", "Это время уже прошло: укажите время в будущем."),
    ),
    ('parse_local_datetime("12:01", NOW, ZONE)', ("ok", "2026-12-01T09:01:00+00:00")),
    ('parse_local_datetime("Завтра   11:00", NOW, ZONE)', ("ok", "2026-12-02T08:00:00+00:00")),
    ('parse_local_datetime("сегодня 23:59", NOW, ZONE)', ("ok", "2026-12-01T20:59:00+00:00")),
    ('parse_local_datetime("послезавтра 9.30", NOW, ZONE)', ("ok", "2026-12-03T06:30:00+00:00")),
    ('parse_local_datetime("05.12 14:30", NOW, ZONE)', ("ok", "2026-12-05T11:30:00+00:00")),
    ('parse_local_datetime("05.01 10:00", NOW, ZONE)', ("ok", "2027-01-05T07:00:00+00:00")),
    (
        'parse_local_datetime("31.10 10:00", NOW, ZONE)',
        ("InvalidInput", "when", "Это время уже прошло: укажите время в будущем."),
    ),
    ('parse_local_datetime("30.10 10:00", NOW, ZONE)', ("ok", "2027-10-30T07:00:00+00:00")),
    (
        'parse_local_datetime("31.02 10:00", NOW, ZONE)',
        (
            "InvalidInput",
            "when",
            "Такой даты или времени нет. Например: 05.12 14:30, завтра 11:00 или 16:00.",
        ),
    ),
    ('parse_local_datetime("05.12.2026 14:30", NOW, ZONE)', ("ok", "2026-12-05T11:30:00+00:00")),
    ('parse_local_datetime("05.12.27 14:30", NOW, ZONE)', ("ok", "2027-12-05T11:30:00+00:00")),
    ('parse_local_datetime("01.12.2036 12:00", NOW, ZONE)', ("ok", "2036-12-01T09:00:00+00:00")),
    (
        'parse_local_datetime("01.01.2037 10:00", NOW, ZONE)',
        ("InvalidInput", "when", "Это больше чем через десять лет: проверьте год."),
    ),
    (
        'parse_local_datetime("31.12.9999 10:00", NOW, ZONE)',
        ("InvalidInput", "when", "Это больше чем через десять лет: проверьте год."),
    ),
    (
        'parse_local_datetime("15.12", NOW, ZONE)',
        (
            "InvalidInput",
            "when",
            "«15.12» — дата или время? Напишите дату со временем (15.12 10:00) или время через двоеточие (15:12).",
        ),
    ),
    (
        'parse_local_datetime("23.11", NOW, ZONE)',
        (
            "InvalidInput",
            "when",
            "«23.11» — дата или время? Напишите дату со временем (23.11 10:00) или время через двоеточие (23:11).",
        ),
    ),
    (
        'parse_local_datetime("24.11", NOW, ZONE)',
        ("InvalidInput", "when", "«24.11» — это дата? Напишите и время: 24.11 10:00."),
    ),
    (
        'parse_local_datetime("25.11", NOW, ZONE)',
        ("InvalidInput", "when", "«25.11» — это дата? Напишите и время: 25.11 10:00."),
    ),
    (
        'parse_local_datetime("31.12", NOW, ZONE)',
        ("InvalidInput", "when", "«31.12» — это дата? Напишите и время: 31.12 10:00."),
    ),
    (
        'parse_local_datetime("32.12", NOW, ZONE)',
        (
            "InvalidInput",
            "when",
            "Такой даты или времени нет. Например: 05.12 14:30, завтра 11:00 или 16:00.",
        ),
    ),
    (
        'parse_local_datetime("01.13", NOW, ZONE)',
        ("InvalidInput", "when", "Это время уже прошло: укажите время в будущем."),
    ),
    (
        'parse_local_datetime("00.05", NOW, ZONE)',
        ("InvalidInput", "when", "Это время уже прошло: укажите время в будущем."),
    ),
    (
        'parse_local_datetime("24:00", NOW, ZONE)',
        (
            "InvalidInput",
            "when",
            "Такой даты или времени нет. Например: 05.12 14:30, завтра 11:00 или 16:00.",
        ),
    ),
    (
        'parse_local_datetime("в обед", NOW, ZONE)',
        (
            "InvalidInput",
            "when",
            "Не понял дату и время. Например: 05.12 14:30, завтра 11:00 или 16:00.",
        ),
    ),
    ("day_without_year(5, 1, date(2026, 12, 1))", ("ok", "2027-01-05")),
    ("day_without_year(31, 10, date(2026, 12, 1))", ("ok", "2026-10-31")),
    ("day_without_year(30, 10, date(2026, 12, 1))", ("ok", "2027-10-30")),
    ("day_without_year(29, 2, date(2026, 3, 1))", ("ok", "2028-02-29")),
    ("day_without_year(29, 2, date(2099, 3, 1))", ("ValueError", "no date 29.02")),
    ("day_without_year(31, 2, date(2026, 3, 1))", ("ValueError", "no date 31.02")),
    ("tomorrow_at(10, NOW, ZONE)", ("ok", "2026-12-02T07:00:00+00:00")),
    ("tomorrow_at(10, NOW.astimezone(ZONE), ZONE)", ("ok", "2026-12-02T10:00:00+03:00")),
    # R2.15, R2.2, R2.14: working time
    ('parse_hours("09:00-18:00")', ("ok", ("09:00:00", "18:00:00"))),
    ('parse_hours(" 24/7 ")', ("ok", None)),
    ('parse_hours("9:00 - 18:30")', ("ok", ("09:00:00", "18:30:00"))),
    ('parse_hours("9-18")', ("InvalidInput", "WORK_HOURS", "expected HH:MM-HH:MM or 24/7")),
    ('parse_hours("25:00-26:00")', ("InvalidInput", "WORK_HOURS", "expected HH:MM-HH:MM or 24/7")),
    (
        'parse_hours("18:00-09:00")',
        ("InvalidInput", "WORK_HOURS", "the day must end after it starts"),
    ),
    (
        'parse_hours("09:00-09:00")',
        ("InvalidInput", "WORK_HOURS", "the day must end after it starts"),
    ),
    ('parse_days("mon-fri")', ("ok", [0, 1, 2, 3, 4])),
    ('parse_days("1-5")', ("ok", [0, 1, 2, 3, 4])),
    ('parse_days("Mon, wed,fri")', ("ok", [0, 2, 4])),
    ('parse_days("sun")', ("ok", [6])),
    ('parse_days("7")', ("ok", [6])),
    ('parse_days("fri-mon")', ("InvalidInput", "WORK_DAYS", "expected a range like mon-fri")),
    ('parse_days("")', ("InvalidInput", "WORK_DAYS", "expected days like mon-fri or 1-5")),
    ('parse_days(",")', ("InvalidInput", "WORK_DAYS", "expected days like mon-fri or 1-5")),
    ('parse_days("0")', ("InvalidInput", "WORK_DAYS", "expected days like mon-fri or 1-5")),
    ('parse_days("8")', ("InvalidInput", "WORK_DAYS", "expected days like mon-fri or 1-5")),
    ('parse_days("mon-")', ("ok", [0])),
    ('parse_days("monday")', ("InvalidInput", "WORK_DAYS", "expected days like mon-fri or 1-5")),
    (
        'schedule(ZONE, "24/7", "mon-fri")',
        (
            "ok",
            "WorkSchedule(zone=zoneinfo.ZoneInfo(key='Europe/Moscow'), start=datetime.time(9, 0), end=datetime.time(18, 0), days=frozenset({0, 1, 2, 3, 4}), always=True)",
        ),
    ),
    (
        'schedule(ZONE, "10:00-19:00", "mon-sat")',
        (
            "ok",
            "WorkSchedule(zone=zoneinfo.ZoneInfo(key='Europe/Moscow'), start=datetime.time(10, 0), end=datetime.time(19, 0), days=frozenset({0, 1, 2, 3, 4, 5}), always=False)",
        ),
    ),
    ("minutes_text(timedelta(seconds=-5))", ("ok", "0 с")),
    ("minutes_text(timedelta(seconds=0))", ("ok", "0 с")),
    ("minutes_text(timedelta(seconds=59))", ("ok", "59 с")),
    ("minutes_text(timedelta(seconds=60))", ("ok", "1 мин")),
    ("minutes_text(timedelta(seconds=61))", ("ok", "1 мин 1 с")),
    ("minutes_text(timedelta(seconds=599))", ("ok", "9 мин 59 с")),
    ("minutes_text(timedelta(seconds=600))", ("ok", "10 мин")),
    ("minutes_text(timedelta(seconds=601))", ("ok", "10 мин")),
    ("minutes_text(timedelta(seconds=630))", ("ok", "10 мин")),
    ("minutes_text(timedelta(minutes=119))", ("ok", "119 мин")),
    ("minutes_text(timedelta(seconds=7170))", ("ok", "2 ч")),
    ("minutes_text(timedelta(minutes=120))", ("ok", "2 ч")),
    ("minutes_text(timedelta(minutes=185))", ("ok", "3 ч 5 мин")),
    ("minutes_text(timedelta(minutes=15) * (1 - REMINDER_SHARE))", ("ok", "5 мин")),
    (
        "WORK.add(datetime(2026, 12, 1, 12, 0, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-01T12:15:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 17, 50, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-02T09:05:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 18, 0, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-02T09:15:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 17, 45, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-01T18:00:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 7, 0, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-01T09:15:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 4, 17, 0, tzinfo=ZONE), timedelta(hours=2))",
        ("ok", "2026-12-07T10:00:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 5, 12, 0, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-07T09:15:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), timedelta(minutes=15))",
        ("ok", "2026-12-01T09:15:00+00:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 12, 0, tzinfo=ZONE), timedelta(0))",
        ("ok", "2026-12-01T12:00:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 12, 0, tzinfo=ZONE), timedelta(minutes=-5))",
        ("ok", "2026-12-01T12:00:00+03:00"),
    ),
    (
        "WORK.add(datetime(2026, 12, 1, 12, 0, tzinfo=ZONE), timedelta(hours=20))",
        ("ok", "2026-12-03T14:00:00+03:00"),
    ),
    (
        'BERLIN.add(datetime(2026, 3, 27, 17, 0, tzinfo=ZoneInfo("Europe/Berlin")), timedelta(hours=2))',
        ("ok", "2026-03-30T10:00:00+02:00"),
    ),
    (
        "WorkSchedule(ZONE, always=True).add(datetime(2026, 12, 5, 3, 0, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-05T03:15:00+03:00"),
    ),
    (
        "WorkSchedule(ZONE, time(0), time(8)).add(datetime(2026, 12, 1, 7, 50, tzinfo=ZONE), timedelta(minutes=15))",
        ("ok", "2026-12-02T00:05:00+03:00"),
    ),
    (
        "WorkSchedule(ZONE, always=True).add(datetime(2026, 12, 5, 3, 0, tzinfo=ZONE), timedelta(minutes=-15))",
        ("ok", "2026-12-05T03:00:00+03:00"),
    ),
    # R2.6: the checklist file, as a supervisor sends it
    (
        'load_file(b"\\xff\\xfe", "c.yaml")',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• файл не в кодировке UTF-8",
            ["файл не в кодировке UTF-8"],
        ),
    ),
    (
        'load_file(b\'{"name": "x", \', "c.json")',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• строка 1: это не JSON (Expecting property name enclosed in double quotes)",
            ["строка 1: это не JSON (Expecting property name enclosed in double quotes)"],
        ),
    ),
    (
        'load_file(b"name: [x\\nquestions: 1", "c.yaml")',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• строка 2: expected ',' or ']', but got ':'",
            ["строка 2: expected ',' or ']', but got ':'"],
        ),
    ),
    (
        'load_file(b"\\tname: x", "c.yml")',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• строка 1: found character '\\t' that cannot start any token",
            ["строка 1: found character '\\t' that cannot start any token"],
        ),
    ),
    (
        'load_file(b"- 1\\n- 2", "c.yaml")',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• ожидается словарь с ключами name и questions",
            ["ожидается словарь с ключами name и questions"],
        ),
    ),
    (
        'load_file(b"name: x", "c.yaml")',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions: нужен непустой список вопросов",
            ["questions: нужен непустой список вопросов"],
        ),
    ),
    (
        'load_file("\\ufeffname: Короткий\\nquestions:\\n  - {key: a, text: Что нужно, kind: text}\\n".encode(), "c.yaml")',
        (
            "ok",
            "Checklist(name='Короткий', questions=(Question(key='a', text='Что нужно', kind=<Kind.TEXT: 'text'>, required=False, choices=(), field=None),), department_id=None, id=None)",
        ),
    ),
    (
        'load_file(\'{"name": "J", "questions": [{"key": "a", "text": "Что", "kind": "yesno", "required": true}]}\'.encode(), "C.JSON")',
        (
            "ok",
            "Checklist(name='J', questions=(Question(key='a', text='Что', kind=<Kind.YESNO: 'yesno'>, required=True, choices=(), field=None),), department_id=None, id=None)",
        ),
    ),
    (
        'parse({"name": " ", "questions": [], "extra": 1})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• name: нужно название чек-листа\n• questions: нужен непустой список вопросов",
            ["name: нужно название чек-листа", "questions: нужен непустой список вопросов"],
        ),
    ),
    (
        'parse({"name": "N" * 101, "questions": [{"key": "a", "text": "Т", "kind": "text"}]})',
        (
            "ok",
            "Checklist(name='NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN', questions=(Question(key='a', text='Т', kind=<Kind.TEXT: 'text'>, required=False, choices=(), field=None),), department_id=None, id=None)",
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text"}] * 41})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions: не больше 40 вопросов\n• questions[2].key: «a» уже есть выше\n• questions[3].key: «a» уже есть выше\n• questions[4].key: «a» уже есть выше\n• questions[5].key: «a» уже есть выше\n• questions[6].key: «a» уже есть выше\n• questions[7].key: «a» уже есть выше\n• questions[8].key: «a» уже есть выше\n• questions[9].key: «a» уже есть выше\n• questions[10].key: «a» уже есть выше\n• questions[11].key: «a» уже есть выше\n• questions[12].key: «a» уже есть выше\n• questions[13].key: «a» уже есть выше\n• questions[14].key: «a» уже есть выше\n• questions[15].key: «a» уже есть выше\n• questions[16].key: «a» уже есть выше\n• questions[17].key: «a» уже есть выше\n• questions[18].key: «a» уже есть выше\n• questions[19].key: «a» уже есть выше\n• questions[20].key: «a» уже есть выше\n• questions[21].key: «a» уже есть выше\n• questions[22].key: «a» уже есть выше\n• questions[23].key: «a» уже есть выше\n• questions[24].key: «a» уже есть выше\n• questions[25].key: «a» уже есть выше\n• questions[26].key: «a» уже есть выше\n• questions[27].key: «a» уже есть выше\n• questions[28].key: «a» уже есть выше\n• questions[29].key: «a» уже есть выше\n• questions[30].key: «a» уже есть выше",
            [
                "questions: не больше 40 вопросов",
                "questions[2].key: «a» уже есть выше",
                "questions[3].key: «a» уже есть выше",
                "questions[4].key: «a» уже есть выше",
                "questions[5].key: «a» уже есть выше",
                "questions[6].key: «a» уже есть выше",
                "questions[7].key: «a» уже есть выше",
                "questions[8].key: «a» уже есть выше",
                "questions[9].key: «a» уже есть выше",
                "questions[10].key: «a» уже есть выше",
                "questions[11].key: «a» уже есть выше",
                "questions[12].key: «a» уже есть выше",
                "questions[13].key: «a» уже есть выше",
                "questions[14].key: «a» уже есть выше",
                "questions[15].key: «a» уже есть выше",
                "questions[16].key: «a» уже есть выше",
                "questions[17].key: «a» уже есть выше",
                "questions[18].key: «a» уже есть выше",
                "questions[19].key: «a» уже есть выше",
                "questions[20].key: «a» уже есть выше",
                "questions[21].key: «a» уже есть выше",
                "questions[22].key: «a» уже есть выше",
                "questions[23].key: «a» уже есть выше",
                "questions[24].key: «a» уже есть выше",
                "questions[25].key: «a» уже есть выше",
                "questions[26].key: «a» уже есть выше",
                "questions[27].key: «a» уже есть выше",
                "questions[28].key: «a» уже есть выше",
                "questions[29].key: «a» уже есть выше",
                "questions[30].key: «a» уже есть выше",
                "questions[31].key: «a» уже есть выше",
                "questions[32].key: «a» уже есть выше",
                "questions[33].key: «a» уже есть выше",
                "questions[34].key: «a» уже есть выше",
                "questions[35].key: «a» уже есть выше",
                "questions[36].key: «a» уже есть выше",
                "questions[37].key: «a» уже есть выше",
                "questions[38].key: «a» уже есть выше",
                "questions[39].key: «a» уже есть выше",
                "questions[40].key: «a» уже есть выше",
                "questions[41].key: «a» уже есть выше",
            ],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text"}] * 40})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[2].key: «a» уже есть выше\n• questions[3].key: «a» уже есть выше\n• questions[4].key: «a» уже есть выше\n• questions[5].key: «a» уже есть выше\n• questions[6].key: «a» уже есть выше\n• questions[7].key: «a» уже есть выше\n• questions[8].key: «a» уже есть выше\n• questions[9].key: «a» уже есть выше\n• questions[10].key: «a» уже есть выше\n• questions[11].key: «a» уже есть выше\n• questions[12].key: «a» уже есть выше\n• questions[13].key: «a» уже есть выше\n• questions[14].key: «a» уже есть выше\n• questions[15].key: «a» уже есть выше\n• questions[16].key: «a» уже есть выше\n• questions[17].key: «a» уже есть выше\n• questions[18].key: «a» уже есть выше\n• questions[19].key: «a» уже есть выше\n• questions[20].key: «a» уже есть выше\n• questions[21].key: «a» уже есть выше\n• questions[22].key: «a» уже есть выше\n• questions[23].key: «a» уже есть выше\n• questions[24].key: «a» уже есть выше\n• questions[25].key: «a» уже есть выше\n• questions[26].key: «a» уже есть выше\n• questions[27].key: «a» уже есть выше\n• questions[28].key: «a» уже есть выше\n• questions[29].key: «a» уже есть выше\n• questions[30].key: «a» уже есть выше\n• questions[31].key: «a» уже есть выше",
            [
                "questions[2].key: «a» уже есть выше",
                "questions[3].key: «a» уже есть выше",
                "questions[4].key: «a» уже есть выше",
                "questions[5].key: «a» уже есть выше",
                "questions[6].key: «a» уже есть выше",
                "questions[7].key: «a» уже есть выше",
                "questions[8].key: «a» уже есть выше",
                "questions[9].key: «a» уже есть выше",
                "questions[10].key: «a» уже есть выше",
                "questions[11].key: «a» уже есть выше",
                "questions[12].key: «a» уже есть выше",
                "questions[13].key: «a» уже есть выше",
                "questions[14].key: «a» уже есть выше",
                "questions[15].key: «a» уже есть выше",
                "questions[16].key: «a» уже есть выше",
                "questions[17].key: «a» уже есть выше",
                "questions[18].key: «a» уже есть выше",
                "questions[19].key: «a» уже есть выше",
                "questions[20].key: «a» уже есть выше",
                "questions[21].key: «a» уже есть выше",
                "questions[22].key: «a» уже есть выше",
                "questions[23].key: «a» уже есть выше",
                "questions[24].key: «a» уже есть выше",
                "questions[25].key: «a» уже есть выше",
                "questions[26].key: «a» уже есть выше",
                "questions[27].key: «a» уже есть выше",
                "questions[28].key: «a» уже есть выше",
                "questions[29].key: «a» уже есть выше",
                "questions[30].key: «a» уже есть выше",
                "questions[31].key: «a» уже есть выше",
                "questions[32].key: «a» уже есть выше",
                "questions[33].key: «a» уже есть выше",
                "questions[34].key: «a» уже есть выше",
                "questions[35].key: «a» уже есть выше",
                "questions[36].key: «a» уже есть выше",
                "questions[37].key: «a» уже есть выше",
                "questions[38].key: «a» уже есть выше",
                "questions[39].key: «a» уже есть выше",
                "questions[40].key: «a» уже есть выше",
            ],
        ),
    ),
    (
        'parse({"name": "x", "questions": ["a", {"key": "A", "text": "", "kind": "date", "required": "yes"}, {"key": "b" * 33, "text": "т" * 501, "kind": "нет"}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1]: ожидается словарь с key, text, kind\n• questions[2].key: латиница в нижнем регистре, цифры и _, до 32 знаков\n• questions[2] (?).text: нужен текст вопроса до 500 знаков\n• questions[2] (?).required: true или false\n• questions[3].key: латиница в нижнем регистре, цифры и _, до 32 знаков\n• questions[3] (?).text: нужен текст вопроса до 500 знаков\n• questions[3] (?).kind: «нет» — неизвестный тип (можно: text, number, money, phone, email, url, date, datetime, yesno, choice, multi)",
            [
                "questions[1]: ожидается словарь с key, text, kind",
                "questions[2].key: латиница в нижнем регистре, цифры и _, до 32 знаков",
                "questions[2] (?).text: нужен текст вопроса до 500 знаков",
                "questions[2] (?).required: true или false",
                "questions[3].key: латиница в нижнем регистре, цифры и _, до 32 знаков",
                "questions[3] (?).text: нужен текст вопроса до 500 знаков",
                "questions[3] (?).kind: «нет» — неизвестный тип (можно: text, number, money, phone, email, url, date, datetime, yesno, choice, multi)",
            ],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a" * 32, "text": "т" * 500, "kind": "text", "required": True, "field": "comment"}]})',
        (
            "ok",
            "Checklist(name='x', questions=(Question(key='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', text='тттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттттт', kind=<Kind.TEXT: 'text'>, required=True, choices=(), field='comment'),), department_id=None, id=None)",
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text"}, {"key": "a", "text": "Т", "kind": "text"}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[2].key: «a» уже есть выше",
            ["questions[2].key: «a» уже есть выше"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": ["один"]}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков",
            ["questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": ["1", "2"]}]})',
        (
            "ok",
            "Checklist(name='x', questions=(Question(key='a', text='Т', kind=<Kind.CHOICE: 'choice'>, required=False, choices=('1', '2'), field=None),), department_id=None, id=None)",
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "multi", "choices": [str(n) for n in range(12)]}]})',
        (
            "ok",
            "Checklist(name='x', questions=(Question(key='a', text='Т', kind=<Kind.MULTI: 'multi'>, required=False, choices=('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'), field=None),), department_id=None, id=None)",
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "multi", "choices": [str(n) for n in range(13)]}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков",
            ["questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": ["д" * 40, " "]}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков",
            ["questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": ["д" * 41, "б"]}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков",
            ["questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": [10, "yes"]}]})',
        (
            "ChecklistInvalid",
            'Чек-лист не принят:\n• questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков; варианты — текст: числа и yes/no возьмите в кавычки, например ["10", "yes"]',
            [
                'questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков; варианты — текст: числа и yes/no возьмите в кавычки, например ["10", "yes"]'
            ],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": "да, нет"}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков",
            ["questions[1] (a).choices: от 2 до 12 вариантов, каждый до 40 знаков"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": [" да", "да "]}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: варианты повторяются",
            ["questions[1] (a).choices: варианты повторяются"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text", "choices": ["да", "нет"]}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).choices: варианты бывают только у choice и multi",
            ["questions[1] (a).choices: варианты бывают только у choice и multi"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text", "field": "телефон"}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).field: «телефон» — такого поля лида нет (можно: company, address, website, contact_name, position, email, phone, next_contact, comment)",
            [
                "questions[1] (a).field: «телефон» — такого поля лида нет (можно: company, address, website, contact_name, position, email, phone, next_contact, comment)"
            ],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text", "field": "phone"}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).field: поле phone заполняет вопрос типа phone",
            ["questions[1] (a).field: поле phone заполняет вопрос типа phone"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "text", "field": "website", "hint": 1, "extra": 2}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).extra: неизвестный ключ\n• questions[1] (a).hint: неизвестный ключ",
            ["questions[1] (a).extra: неизвестный ключ", "questions[1] (a).hint: неизвестный ключ"],
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": " Т ", "kind": "multi", "choices": [" да ", "нет"], "field": None}]})',
        (
            "ok",
            "Checklist(name='x', questions=(Question(key='a', text='Т', kind=<Kind.MULTI: 'multi'>, required=False, choices=('да', 'нет'), field=None),), department_id=None, id=None)",
        ),
    ),
    (
        'parse({"name": "x", "questions": [{"key": "a", "text": "Т", "kind": "choice", "choices": ["да", "нет"], "field": "comment"}]})',
        (
            "ChecklistInvalid",
            "Чек-лист не принят:\n• questions[1] (a).field: поле comment заполняет вопрос типа text",
            ["questions[1] (a).field: поле comment заполняет вопрос типа text"],
        ),
    ),
    (
        'ChecklistInvalid([f"п{n}" for n in range(31)]).message',
        ("ok", ("Чек-лист не принят:\n• п0\n• п1\n", 189, "\n• п25\n• п26\n• п27\n• п28\n• п29")),
    ),
    # R2.6, R2.7: an answer as typed, as stored, and as read back
    ('parse_answer(Q(Kind.TEXT), "  окна  на дачу ", NOW, ZONE)', ("ok", "окна на дачу")),
    (
        'parse_answer(Q(Kind.TEXT), "я" * 1001, NOW, ZONE)',
        ("InvalidInput", "q", "Ответ: не длиннее 1000 символов."),
    ),
    (
        'parse_answer(Q(Kind.TEXT, field="company"), "ооо «ромашка»", NOW, ZONE)',
        ("ok", "ромашка ООО"),
    ),
    (
        'parse_answer(Q(Kind.TEXT, field="address"), "А" * 501, NOW, ZONE)',
        ("InvalidInput", "address", "Адрес: не длиннее 500 символов."),
    ),
    ('parse_answer(Q(Kind.NUMBER), "1 500 руб.", NOW, ZONE)', ("ok", 1500)),
    ('parse_answer(Q(Kind.NUMBER), "1,5", NOW, ZONE)', ("ok", 1.5)),
    ('parse_answer(Q(Kind.NUMBER), "2.500.000", NOW, ZONE)', ("ok", 2500000)),
    (
        'parse_answer(Q(Kind.NUMBER), "1.500", NOW, ZONE)',
        ("InvalidInput", "q", "1.500 — это 1500 или 1,500? Напишите без точки: 1500 или 1,500."),
    ),
    ('parse_answer(Q(Kind.NUMBER), "0.500", NOW, ZONE)', ("ok", 0.5)),
    (
        'parse_answer(Q(Kind.NUMBER), "-5", NOW, ZONE)',
        ("InvalidInput", "q", "Число не может быть отрицательным."),
    ),
    ('parse_answer(Q(Kind.NUMBER), "0", NOW, ZONE)', ("ok", 0)),
    (
        'parse_answer(Q(Kind.NUMBER), "много", NOW, ZONE)',
        ("InvalidInput", "q", "Не понял число. Например: 200, 200 шт. или 1,5 тыс."),
    ),
    ('parse_answer(Q(Kind.NUMBER), "1000000000000", NOW, ZONE)', ("ok", 1000000000000)),
    (
        'parse_answer(Q(Kind.NUMBER), "1000000000001", NOW, ZONE)',
        ("InvalidInput", "q", "Число не больше 1 000 000 000 000."),
    ),
    (
        'parse_answer(Q(Kind.NUMBER), "inf", NOW, ZONE)',
        ("InvalidInput", "q", "Не понял число. Например: 200, 200 шт. или 1,5 тыс."),
    ),
    ('parse_answer(Q(Kind.MONEY), "100 000₽", NOW, ZONE)', ("ok", 100000)),
    ('parse_answer(Q(Kind.MONEY), "99,90 р.", NOW, ZONE)', ("ok", 99.9)),
    ('parse_answer(Q(Kind.PHONE), "8 912 123-45-67", NOW, ZONE)', ("ok", "+79121234567")),
    ('parse_answer(Q(Kind.EMAIL), "Ivan@Example.ru", NOW, ZONE)', ("ok", "Ivan@example.ru")),
    ('parse_answer(Q(Kind.URL), "romashka.ru", NOW, ZONE)', ("ok", "romashka.ru")),
    (
        'parse_answer(Q(Kind.URL), "ромашка", NOW, ZONE)',
        ("InvalidInput", "website", "Сайт: укажите адрес вида example.ru или https://example.ru."),
    ),
    ('parse_answer(Q(Kind.DATE), "05.01", NOW, ZONE)', ("ok", "2027-01-05")),
    ('parse_answer(Q(Kind.DATE), "5.1.27", NOW, ZONE)', ("ok", "2027-01-05")),
    ('parse_answer(Q(Kind.DATE), "05.01.2027", NOW, ZONE)', ("ok", "2027-01-05")),
    (
        'parse_answer(Q(Kind.DATE), "31.02.2027", NOW, ZONE)',
        ("InvalidInput", "q", "Дата: ДД.ММ или ДД.ММ.ГГГГ."),
    ),
    (
        'parse_answer(Q(Kind.DATE), "5/1", NOW, ZONE)',
        ("InvalidInput", "q", "Дата: ДД.ММ или ДД.ММ.ГГГГ."),
    ),
    (
        'parse_answer(Q(Kind.DATETIME), "завтра 10:00", NOW, ZONE)',
        ("ok", "2026-12-02T07:00:00+00:00"),
    ),
    (
        'parse_answer(Q(Kind.YESNO), "да", NOW, ZONE)',
        ("InvalidInput", "q", "На этот вопрос ответьте кнопкой."),
    ),
    (
        'parse_answer(Q(Kind.MULTI), "да", NOW, ZONE)',
        ("InvalidInput", "q", "На этот вопрос ответьте кнопкой."),
    ),
    ("answer_text(Q(Kind.TEXT), None, ZONE)", ("ok", "—")),
    ("answer_text(Q(Kind.MULTI), [], ZONE)", ("ok", "—")),
    ('answer_text(Q(Kind.TEXT), "", ZONE)', ("ok", "—")),
    ('answer_text(Q(Kind.MULTI), ["Доставка", "Монтаж"], ZONE)', ("ok", "Доставка, Монтаж")),
    (
        'answer_text(Q(Kind.DATETIME), "2026-12-02T07:00:00+00:00", ZONE)',
        ("ok", "02.12.2026 10:00"),
    ),
    ('answer_text(Q(Kind.DATE), "2027-01-05", ZONE)', ("ok", "05.01.2027")),
    ("answer_text(Q(Kind.NUMBER), 1.5, ZONE)", ("ok", "1,5")),  # #14 §3: as a person reads it
    ('lead_field_of(Q(Kind.TEXT, field="contact_name"))', ("ok", "LeadField.NAME")),
    ('lead_field_of(Q(Kind.TEXT, field="next_contact"))', ("ok", None)),
    ("lead_field_of(Q(Kind.TEXT))", ("ok", None)),
    ('SHORT.index_of("b")', ("ok", 1)),
    ('SHORT.index_of("z")', ("InvalidInput", "question", "Такого вопроса в чек-листе нет.")),
    (
        'SHORT.missing_required({"a": "", "b": []})',
        (
            "ok",
            [
                "Question(key='a', text='А?', kind=<Kind.TEXT: 'text'>, required=True, choices=(), field=None)",
                "Question(key='b', text='Б?', kind=<Kind.MULTI: 'multi'>, required=True, choices=('x', 'y'), field=None)",
            ],
        ),
    ),
    ('SHORT.missing_required({"a": "x", "b": ["y"]})', ("ok", [])),
    ('SHORT.next_open({"a": "x"})', ("ok", 1)),
    ('SHORT.next_open({"b": None}, 0)', ("ok", 2)),
    ('SHORT.next_open({"a": "x"}, 0)', ("ok", 1)),
    ('SHORT.next_open({"a": "x", "b": "y", "c": None})', ("ok", 3)),
    ('SHORT.answered({"a": "x", "b": [], "c": None, "z": "w"})', ("ok", 1)),
    (
        "SHORT.to_data()",
        (
            "ok",
            {
                "name": "Короткий",
                "questions": [
                    {"key": "a", "text": "А?", "kind": "text", "required": True},
                    {
                        "key": "b",
                        "text": "Б?",
                        "kind": "multi",
                        "required": True,
                        "choices": ["x", "y"],
                    },
                    {"key": "c", "text": "В?", "kind": "date", "required": False},
                ],
            },
        ),
    ),
    ("Q(Kind.YESNO).choice_labels", ("ok", ("Да", "Нет"))),
    ('Q(Kind.CHOICE, choices=("раз", "два")).choice_labels', ("ok", ("раз", "два"))),
    (
        "(default_checklist().name, len(default_checklist().questions), default_checklist().department_id)",
        ("ok", ("Квалификация B2B-клиента", 12, None)),
    ),
    # The lead's rules and who may: what a refusal says
    (
        'check_move(LeadStatus.ASSIGNED, LeadStatus.JUNK, may_move_back=False, reason=" ")',
        ("TransitionRefused", None, "Укажите причину, по которой лид некачественный."),
    ),
    (
        "check_move(LeadStatus.IN_PROCESS, LeadStatus.ASSIGNED, may_move_back=False)",
        (
            "TransitionRefused",
            None,
            "Вернуть лид на прошлую стадию может только руководитель отдела.",
        ),
    ),
    ("check_move(LeadStatus.IN_PROCESS, LeadStatus.ASSIGNED, may_move_back=True)", ("ok", None)),
    (
        'check_move(LeadStatus.CONVERTED, LeadStatus.JUNK, may_move_back=True, reason="спам")',
        (
            "TransitionRefused",
            None,
            "Лид уже закрыт («Качественный лид»): его статус больше не меняется.",
        ),
    ),
    ('JunkReason.OTHER.text("  передумали  ")', ("ok", "передумали")),
    (
        'JunkReason.OTHER.text("   ")',
        ("InvalidInput", "junk_reason", "Напишите причину, по которой лид некачественный."),
    ),
    (
        "JunkReason.OTHER.text(None)",
        ("InvalidInput", "junk_reason", "Напишите причину, по которой лид некачественный."),
    ),
    ('JunkReason.SPAM.text("что угодно")', ("ok", "спам")),
    (
        'JunkReason.OTHER.text("п" * 501)',
        ("InvalidInput", "junk_reason", "Причина: не длиннее 500 символов."),
    ),
    (
        "[(r.value, r.label) for r in JunkReason]",
        (
            "ok",
            [
                ("spam", "спам"),
                ("not_target", "нецелевой"),
                ("duplicate", "дубль"),
                ("other", "другое"),
            ],
        ),
    ),
    (
        "[(s.value, s.label) for s in LeadSource]",
        (
            "ok",
            [
                ("CALL", "звонок"),
                ("EMAIL", "e-mail"),
                ("WEB", "сайт"),
                ("OPENLINE", "мессенджер"),
                ("OTHER", "другое"),
                ("MANUAL", "вручную"),
            ],
        ),
    ),
    (
        "[(r.value, r.label) for r in Role]",
        (
            "ok",
            [
                ("manager", "менеджер"),
                ("office_manager", "офис-менеджер"),
                ("supervisor", "руководитель отдела"),
                ("admin", "администратор"),
            ],
        ),
    ),
    (
        "[(r.value, r.label) for r in Rule]",
        (
            "ok",
            [
                ("R2.15", "не связался с клиентом вовремя"),
                ("R2.2", "лид не обработан в срок"),
                ("R2.14", "лиды ждут назначения дольше срока"),
            ],
        ),
    ),
    (
        "[(s.value, s.label, s.kind.value, s.is_final) for s in LeadStatus]",
        (
            "ok",
            [
                ("NEW", "Не обработан", "open", False),
                ("ASSIGNED", "Назначен ответственный", "open", False),
                ("IN_PROCESS", "В работе", "open", False),
                ("PROCESSED", "Обработан", "open", False),
                ("CONVERTED", "Качественный лид", "success", True),
                ("JUNK", "Некачественный лид", "failure", True),
            ],
        ),
    ),
    ("INVITATION.refusal(NOW + timedelta(hours=1) - timedelta(microseconds=1))", ("ok", None)),
    (
        "INVITATION.refusal(NOW + timedelta(hours=1))",
        ("ok", "Срок действия приглашения истёк. Попросите руководителя выслать новое."),
    ),
    (
        "replace(INVITATION, used_at=NOW).refusal(NOW)",
        ("ok", "Это приглашение уже использовано. Попросите руководителя выслать новое."),
    ),
    (
        "require(MANAGER, Action.ASSIGN_LEAD, lead=LEAD)",
        ("NotAllowed", None, "Это не ваш лид: действие недоступно."),
    ),
    ("require(MANAGER, Action.PENALIZE)", ("NotAllowed", None, "Это действие вам недоступно.")),
    (
        "require(MANAGER, Action.PENALIZE, department_id=2)",
        ("NotAllowed", None, "Это действие вам недоступно."),
    ),
    ("require(BOSS, Action.PENALIZE)", ("ok", None)),
    (
        "require(replace(BOSS, department_id=None), Action.PENALIZE)",
        ("NotAllowed", None, "Это действие вам недоступно."),
    ),
    ("may(ADMIN, Action.CREATE_DEPARTMENT)", ("ok", True)),
    ("may(replace(ADMIN, active=False), Action.VIEW_LEAD, lead=LEAD)", ("ok", False)),
    ('parse_minutes(" 15 ")', ("ok", 15.0)),
    ('parse_minutes("0,02")', ("ok", 0.02)),
    (
        'parse_minutes("0.019")',
        ("InvalidInput", "minutes", "Число минут: не меньше 0,02 и не больше 43200."),
    ),
    ('parse_minutes("43200")', ("ok", 43200.0)),
    (
        'parse_minutes("43200.01")',
        ("InvalidInput", "minutes", "Число минут: не меньше 0,02 и не больше 43200."),
    ),
    (
        'parse_minutes("пять")',
        ("InvalidInput", "minutes", "Напишите число минут, например 15 или 0,5."),
    ),
    (
        "lead_numbers(list(range(1, 51)))",
        ("ok", ("#1, #2, #3, #4, #5, #6, #7, #8", 239, ", #45, #46, #47, #48, #49, #50")),
    ),
    (
        "lead_numbers(list(range(1, 52)))",
        ("ok", ("#1, #2, #3, #4, #5, #6, #7, #8", 247, "46, #47, #48, #49, #50 и ещё 1")),
    ),
    ("lead_numbers([])", ("ok", "")),
    ('onboarding.parse_full_name("  Иван   Петров ")', ("ok", "Иван Петров")),
    (
        'onboarding.parse_full_name("И" * 129)',
        ("InvalidInput", "full_name", "ФИО: не длиннее 128 символов."),
    ),
    (
        'onboarding.parse_position("Д" * 128)',
        ("ok", ("ДДДДДДДДДДДДДДДДДДДДДДДДДДДДДД", 128, "ДДДДДДДДДДДДДДДДДДДДДДДДДДДДДД")),
    ),
    (
        'onboarding.parse_profile("Иван", "12", "a@b.ru", "менеджер")',
        ("InvalidInput", "phone", "Это не похоже на номер телефона. Пример: +7 912 123-45-67."),
    ),
    ("contact_name(LEAD)", ("ok", "Окна")),
    (
        'contact_name(replace(LEAD, contact_name="Иван", contact_last_name="Петров", company_name="Р"))',
        ("ok", "Иван Петров"),
    ),
    ('contact_name(replace(LEAD, contact_last_name="Петров"))', ("ok", "Петров")),
    ('contact_name(replace(LEAD, company_name="Ромашка ООО"))', ("ok", "Ромашка ООО")),
    ('same_person(Contact("Иван Петров"), replace(LEAD, contact_name="иван"))', ("ok", True)),
    (
        'same_person(Contact("Иван"), replace(LEAD, contact_name="Иван", contact_last_name="Петров"))',
        ("ok", True),
    ),
    ('same_person(Contact("Иван Петров"), replace(LEAD, contact_name="Пётр"))', ("ok", False)),
    (
        'same_person(Contact("Пётр Иванов"), replace(LEAD, contact_name="Петр", contact_last_name="Иванов"))',
        ("ok", True),
    ),
    ('same_person(Contact("Иван Петров"), LEAD)', ("ok", True)),
    (
        'same_person(Contact("Иван Петров"), replace(LEAD, contact_name="Иван", contact_last_name="Петров"))',
        ("ok", True),
    ),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_what_is_typed_gives_what_is_stored_or_said(expression: str, expected: Any) -> None:
    assert outcome(expression) == expected

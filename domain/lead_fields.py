"""The fields of a lead as typed by people and sent by the website (R2.5, R2.7)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from domain import normalize
from domain.errors import InvalidInput
from domain.model import SOURCE_LABELS, LeadSource


class LeadField(StrEnum):
    TITLE = "title"
    COMPANY = "company"
    NAME = "name"
    LAST_NAME = "last_name"
    POSITION = "position"
    PHONE = "phone"
    EMAIL = "email"
    WEBSITE = "website"
    ADDRESS = "address"
    COMMENT = "comment"

    @property
    def label(self) -> str:
        return FIELD_LABELS[self]

    @property
    def attribute(self) -> str:
        """The Lead attribute this field fills."""
        return FIELD_ATTRIBUTES.get(self, self.value)


FIELD_LABELS = {
    LeadField.TITLE: "Название",
    LeadField.COMPANY: "Компания",
    LeadField.NAME: "Имя контакта",
    LeadField.LAST_NAME: "Фамилия контакта",
    LeadField.POSITION: "Должность",
    LeadField.PHONE: "Телефон",
    LeadField.EMAIL: "E-mail",
    LeadField.WEBSITE: "Сайт",
    LeadField.ADDRESS: "Адрес",
    LeadField.COMMENT: "Комментарий",
}
FIELD_ATTRIBUTES = {
    LeadField.COMPANY: "company_name",
    LeadField.NAME: "contact_name",
    LeadField.LAST_NAME: "contact_last_name",
}
TEXT_LIMITS = {
    LeadField.TITLE: 255,
    LeadField.NAME: 128,
    LeadField.LAST_NAME: 128,
    LeadField.POSITION: 128,
    LeadField.WEBSITE: 500,
    LeadField.ADDRESS: 500,
    LeadField.COMMENT: 4000,
}
EXTERNAL_ID_MAX = 128
_WEBSITE = re.compile(r"^(https?://)?[\w.-]+\.[\w-]{2,}(:\d+)?(/\S*)?$", re.IGNORECASE)

INTAKE_SOURCES = (
    LeadSource.CALL,
    LeadSource.EMAIL,
    LeadSource.WEB,
    LeadSource.OPENLINE,
    LeadSource.OTHER,
)


def clean_field(field: LeadField, raw: str) -> str:
    """One typed value, validated and normalised; InvalidInput names what is wrong."""
    if field is LeadField.PHONE:
        return normalize.phone(raw)
    if field is LeadField.EMAIL:
        return normalize.email(raw)
    if field is LeadField.COMPANY:
        return normalize.company_name(raw)
    text = normalize.plain_text(
        raw, field.value, field.label, TEXT_LIMITS[field], lines=field is LeadField.COMMENT
    )
    if field is LeadField.WEBSITE and not _WEBSITE.match(text):
        raise InvalidInput(
            field.value, "Сайт: укажите адрес вида example.ru или https://example.ru."
        )
    return text


def clean_fields(raw: Mapping[str, object]) -> tuple[dict[LeadField, str], dict[str, str]]:
    """Every known field present in `raw`: the clean values and, per field, what is wrong."""
    values: dict[LeadField, str] = {}
    errors: dict[str, str] = {}
    for field in LeadField:
        value = raw.get(field.value)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            errors[field.value] = f"{field.label}: ожидается строка."
            continue
        try:
            values[field] = clean_field(field, value)
        except InvalidInput as error:
            errors[field.value] = error.message
    return values, errors


def reachability_error(values: Mapping[LeadField, str]) -> str | None:
    """A lead nobody can answer is not a lead: it needs a phone, an e-mail or a name."""
    if any(
        f in values for f in (LeadField.PHONE, LeadField.EMAIL, LeadField.NAME, LeadField.LAST_NAME)
    ):
        return None
    return "Нужен хотя бы один способ связаться: телефон, e-mail или имя контакта."


def parse_source(raw: object) -> LeadSource:
    if not isinstance(raw, str):
        raise InvalidInput("source", "Источник: ожидается строка.")
    try:
        source = LeadSource(raw.strip().upper())
    except ValueError:
        source = None
    if source not in INTAKE_SOURCES:
        allowed = ", ".join(s.value for s in INTAKE_SOURCES)
        raise InvalidInput("source", f"Источник: один из {allowed}.")
    return source


def auto_title(values: Mapping[LeadField, str], source: LeadSource) -> str:
    """R2.4: a lead without a title is named from its company, contact and source."""
    who = " ".join(v for v in (values.get(LeadField.NAME), values.get(LeadField.LAST_NAME)) if v)
    parts = [p for p in (values.get(LeadField.COMPANY), who) if p]
    head = (
        " — ".join(parts)
        if parts
        else values.get(LeadField.PHONE) or values.get(LeadField.EMAIL, "клиент")
    )
    return f"{head} ({SOURCE_LABELS[source]})"[: TEXT_LIMITS[LeadField.TITLE]]

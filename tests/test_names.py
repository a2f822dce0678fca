"""Names with verbs (#14 §4): the gender a full name shows, and the verb that agrees."""

from __future__ import annotations

import pytest

from domain.names import Gender, Verb, gender_of

M, F = Gender.MALE, Gender.FEMALE


@pytest.mark.parametrize(
    ("name", "gender"),
    [
        ("Петров Пётр Петрович", M),
        ("Смирнова Ольга Ивановна", F),
        ("Ильин Никита Саввич", M),
        ("Алиев Рашид оглы", M),
        ("Светлана Руднева", F),
        ("Руднева Светлана", F),
        ("Офисова Ольга", F),
        ("Борисов Борис", M),
        ("Никита Сидоров", M),
        ("Илья", M),
        ("Мария", F),
        ("Анна Ким", F),
        ("Толстой Лев", M),
        ("Сергей", M),
        ("Иван Шмидт", M),
        ("Ким Ю", None),
        ("Руководитель", None),
        ("Саша", None),
        ("Саша Ким", None),
        ("Руднева Никита", None),  # the parts disagree: say nothing
        ("John Smith", None),
        ("", None),
    ],
)
def test_the_gender_a_name_shows(name: str, gender: Gender | None) -> None:
    assert gender_of(name) is gender


ASSIGNED = Verb("назначил {name}", "назначила {name}", "назначение: {name}")


def test_the_verb_agrees_or_the_phrase_has_none() -> None:
    assert ASSIGNED.of("Борисов Борис") == "назначил Борисов Борис"
    assert ASSIGNED.of("Светлана Руднева") == "назначила Светлана Руднева"
    assert ASSIGNED.of("Ким Ю") == "назначение: Ким Ю"
    handed = Verb(
        "{name} передал лид: {to}", "{name} передала лид: {to}", "{name}: лид передан {to}"
    )
    assert (
        handed.of("Офисова Ольга", to="Бобров Борис") == "Офисова Ольга передала лид: Бобров Борис"
    )

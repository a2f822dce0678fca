"""A person's name with a verb: the verb agrees with the gender where the name tells it (a
patronymic, a surname's or a first name's ending), else the phrase is put without a verb in
the past tense («Назначено: …»-like). The profile asks nothing more (#14 §4)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Gender(Enum):
    MALE = "male"
    FEMALE = "female"


# Men's names that end like women's, and names either may bear: they tell nothing.
_MEN_IN_A = frozenset(
    {"никита", "илья", "кузьма", "фома", "лука", "савва", "данила", "гаврила", "муса", "иса"}
)
_EITHER = frozenset({"саша", "женя", "валя", "шура", "слава", "сима"})
_FEMALE_SURNAMES = ("ова", "ева", "ёва", "ина", "ына", "ская", "цкая", "ая")
_MALE_SURNAMES = ("ов", "ев", "ёв", "ин", "ын", "ский", "цкий", "ой", "ый", "ий", "ей", "ай")
_CONSONANTS = frozenset("бвгджзклмнпрстфхцчшщ")


def _patronymic(word: str) -> Gender | None:
    if word in ("оглы", "улы") or (len(word) > 4 and word.endswith(("вич", "ьич", "ич"))):
        return Gender.MALE
    if word in ("кызы", "гызы") or (len(word) > 4 and word.endswith(("вна", "чна", "ична"))):
        return Gender.FEMALE
    return None


def _ending(word: str) -> Gender | None:
    """A surname's ending (Петров, Петрова, Толстой) or a first name's (Анна, Мария)."""
    if word in _EITHER:
        return None
    if word in _MEN_IN_A:
        return Gender.MALE
    if word.endswith(_FEMALE_SURNAMES) or word.endswith(("а", "я")):
        return Gender.FEMALE
    if word.endswith(_MALE_SURNAMES):
        return Gender.MALE
    return None


def _agreed(votes: list[Gender]) -> Gender | None:
    return votes[0] if votes and all(v is votes[0] for v in votes) else None


def gender_of(full_name: str) -> Gender | None:
    """The gender a Russian full name shows, in any order of its parts; None when it does
    not (a foreign name, a nickname, parts that disagree)."""
    words = [w.strip(".,").lower() for w in full_name.replace("-", " ").split()]
    words = [w for w in words if w.isalpha()]
    patronymics = [g for g in map(_patronymic, words) if g]
    if patronymics:
        return _agreed(patronymics)
    endings = [g for g in map(_ending, words) if g]
    if endings:
        return _agreed(endings)
    # Only consonant endings (Иван Шмидт): a man's first name does end so, but so do
    # surnames of either gender (Ким): two such words and no other say a man.
    if len(words) >= 2 and all(w[-1] in _CONSONANTS for w in words):
        return Gender.MALE
    return None


@dataclass(frozen=True)
class Verb:
    """One phrase in three forms, each with `{name}` where the name goes."""

    male: str
    female: str
    impersonal: str

    def of(self, full_name: str, **values: str) -> str:
        gender = gender_of(full_name)
        form = {Gender.MALE: self.male, Gender.FEMALE: self.female, None: self.impersonal}
        return form[gender].format(name=full_name, **values)

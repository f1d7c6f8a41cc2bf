"""Labelled pairs for name structure and numbers (issue 24 §2), from the naming conventions
cited in :mod:`redlane.names.person_parts` and :mod:`redlane.names.numerals`; names from faker.

* persons — Arabic nasab (``X bin Y [bin Z] [Al C]``), South Asian ``s/o`` (son of), East
  Slavic patronymics, generational suffixes, East Asian order:
  positives write the same parts another way (``bin`` ↔ ``ibn``, ``s/o`` ↔ ``son of``, the
  clan or grandfather dropped, family name first or last, ``III`` ↔ ``3rd``, ``Jr`` ↔
  ``Junior``); negatives keep the given and family names and change *one* relation slot
  (father, grandfather, clan, patronymic) or the generation.
* vessels and companies — a number written as digits, words, an ordinal or a Roman numeral:
  positives the same number another way, negatives another number in any form.

A separate random stream (``structured:{family}:{seed}``) so the older generator's pairs stay
exactly as they were.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

from anyascii import anyascii

from redlane.names.numerals import roman_is_unambiguous, roman_of, words_of
from redlane.names.training.noise import render, typo
from redlane.names.training.pairs import Pair, _brand_word, _faker, _group

__all__ = ["structured_pairs"]

_ORDINALS = ("", "First", "Second", "Third", "Fourth", "Fifth")
_ORDINAL_SUFFIX = ("", "1st", "2nd", "3rd", "4th", "5th")


def _latin(word: str) -> str:
    return word if word.isascii() else anyascii(word).replace("'", "").replace("`", "").title()


def _arabic_given(rng: random.Random, seed: int) -> str:
    fake = _faker(rng.choice(["ar_AA", "en_IN", "ar_AA"]), seed)
    word = _latin(str(fake.first_name_male()).split()[0])
    return word if len(word) >= 3 else "Ahmad"


def _nasab(rng: random.Random, seed: int) -> tuple[Pair, ...]:
    """``Given bin Father [bin Grandfather] [Al Clan]`` (Arabic name; Malay names)."""
    given, father, grand = (_arabic_given(rng, seed) for _ in range(3))
    clan = _latin(str(_faker("ar_AA", seed).last_name()).split()[0]).removeprefix("Al")
    has_grand, has_clan = rng.random() < 0.5, rng.random() < 0.5
    marker = rng.choice(["bin", "ibn", "Bin", "BIN"])

    def words(f: str, g: str, c: str, mk: str, grand_on: bool, clan_on: bool) -> list[str]:
        out = [given, mk, f] + ([mk, g] if grand_on else [])
        if clan_on:
            out += rng.choice([["Al", c], [f"Al-{c}"], [f"al-{c}"], ["El", c]])
        return out

    base = words(father, grand, clan, marker, has_grand, has_clan)
    group = _group(father + given)
    if rng.random() < 0.5:
        roll = rng.random()
        kind = "nasab_marker"
        other = words(father, grand, clan, rng.choice(["ibn", "bin", "Ibn"]), has_grand, has_clan)
        if roll < 0.3 and (has_grand or has_clan):
            kind = "nasab_shorter"
            other = words(father, grand, clan, marker, False, has_clan and rng.random() < 0.5)
        elif roll < 0.5:
            other = typo(rng, other)
            kind = "nasab_typo"
        return (Pair("Person", render(rng, base), render(rng, other), 1, kind, group),)
    roll = rng.random()
    other_name = _arabic_given(rng, seed + 17)
    if other_name.lower() in (father.lower(), grand.lower(), given.lower()):
        return ()
    if roll < 0.5 or not (has_grand or has_clan):
        other, kind = words(other_name, grand, clan, marker, has_grand, has_clan), "father_differs"
    elif has_grand and (roll < 0.75 or not has_clan):
        other, kind = words(father, other_name, clan, marker, True, has_clan), "grandfather_differs"
    else:
        other_clan = _latin(str(_faker("ar_AA", seed + 3).last_name()).split()[0]).removeprefix(
            "Al"
        )
        if other_clan.lower() == clan.lower():
            return ()
        other, kind = words(father, grand, other_clan, marker, has_grand, True), "clan_differs"
    return (Pair("Person", render(rng, base), render(rng, other), 0, kind, group),)


def _son_of(rng: random.Random, seed: int) -> tuple[Pair, ...]:
    """``Gul Mohammad s/o Wali Mohammad`` (South Asian official usage; Pashtun name)."""
    given = [_arabic_given(rng, seed) for _ in range(rng.choice([1, 2]))]
    father = [_arabic_given(rng, seed) for _ in range(rng.choice([1, 2]))]
    markers = ["s/o", "S/O", "son of", "S/o", "s.o."]
    base = [*given, rng.choice(markers), *father]
    group = _group("".join(father))
    if rng.random() < 0.5:
        other = [*given, rng.choice(markers), *father]
        kind = "son_of_marker"
        if rng.random() < 0.3:
            other, kind = typo(rng, other), "son_of_typo"
        return (Pair("Person", render(rng, base), render(rng, other), 1, kind, group),)
    new = _arabic_given(rng, seed + 29)
    i = rng.randrange(len(father))
    if new.lower() in {w.lower() for w in father + given}:
        return ()
    changed = list(father)
    changed[i] = new
    other = [*given, rng.choice(markers), *changed]
    return (Pair("Person", render(rng, base), render(rng, other), 0, "son_of_differs", group),)


def _patronymic(rng: random.Random, seed: int) -> tuple[Pair, ...]:
    """East Slavic ``given patronymic family`` (Russian name; Ukrainian name)."""
    locale = rng.choice(["ru_RU", "ru_RU", "uk_UA"])
    fake = _faker(locale, seed)
    female = rng.random() < 0.5
    given = str(fake.first_name_female() if female else fake.first_name_male()).split()[0]
    family = str(fake.last_name_female() if female else fake.last_name_male()).split()[0]
    middle = str(fake.middle_name_female() if female else fake.middle_name_male()).split()[0]
    latin = rng.random() < 0.5

    def show(words: list[str]) -> list[str]:
        return [_latin(w) for w in words] if latin else words

    base = show([given, middle, family])
    group = _group(anyascii(family))
    if rng.random() < 0.5:
        roll = rng.random()
        if roll < 0.5:
            other, kind = show([family, given, middle]), "patronymic_order"
        elif roll < 0.7:
            other, kind = show([given, middle[0] + ".", family]), "patronymic_initial"
        else:
            other, kind = show([given, family]), "patronymic_dropped"
        return (Pair("Person", render(rng, base), render(rng, other), 1, kind, group),)
    other_middle = str(fake.middle_name_female() if female else fake.middle_name_male()).split()[0]
    if other_middle == middle:
        return ()
    order = rng.random() < 0.3
    other = show([family, given, other_middle] if order else [given, other_middle, family])
    return (Pair("Person", render(rng, base), render(rng, other), 0, "patronymic_differs", group),)


def _generation_form(rng: random.Random, value: int) -> str:
    if value == 2 and rng.random() < 0.5:
        return rng.choice(["Jr", "Jr.", "Junior"])
    if value == 1:
        return rng.choice(["Sr", "Sr.", "Senior"])
    if value == 5:  # a lone "V" is as often an initial: the parser leaves it alone
        return _ORDINAL_SUFFIX[value]
    return rng.choice([roman_of(value).upper(), _ORDINAL_SUFFIX[value], roman_of(value).upper()])


def _generational(rng: random.Random, seed: int) -> tuple[Pair, ...]:
    """``John Smith III`` (Suffix (name))."""
    fake = _faker("en_US", seed)
    given, family = str(fake.first_name_male()), str(fake.last_name())
    value = rng.choice([1, 2, 2, 3, 3, 4, 5])
    base = [given, family, _generation_form(rng, value)]
    group = _group(family)
    if rng.random() < 0.5:
        if value >= 2 and rng.random() < 0.3 and value < 6:
            form = _ORDINALS[value] if value > 2 else "Second"
        else:
            form = _generation_form(rng, value)
        other = [given, family, form]
        if rng.random() < 0.3:
            other = [family + ",", given, form]
        return (Pair("Person", render(rng, base), render(rng, other), 1, "generation", group),)
    other_value = rng.choice([v for v in (1, 2, 3, 4, 5) if v != value])
    other = [given, family, _generation_form(rng, other_value)]
    return (Pair("Person", render(rng, base), render(rng, other), 0, "generation_differs", group),)


def _east_asian(rng: random.Random, seed: int) -> tuple[Pair, ...]:
    """Family name first or last, given syllables joined, hyphenated or spaced (Korean name;
    Chinese name)."""
    locale = rng.choice(["zh_CN", "ko_KR", "zh_TW"])
    fake = _faker(locale, seed)
    family = _latin(str(fake.last_name())[:1])
    given = [_latin(ch) for ch in str(fake.first_name())[:2]]
    if len(given) < 2 or not family:
        return ()

    def write(order_first: bool) -> list[str]:
        style = rng.random()
        if style < 0.33:
            g = [given[0] + given[1].lower()]
        elif style < 0.66:
            g = [given[0] + "-" + given[1].lower()]
        else:
            g = list(given)
        return [family, *g] if order_first else [*g, family]

    group = _group(family + "".join(given))
    base = write(True)
    if rng.random() < 0.6:
        return (Pair("Person", render(rng, base), render(rng, write(rng.random() < 0.3)), 1,
                     "east_asian_order", group),)  # fmt: skip
    other_given = _latin(str(_faker(locale, seed + 5).first_name())[-1:])
    if other_given.lower() in (given[1].lower(), given[0].lower()):
        return ()
    given[1] = other_given
    other = write(rng.random() < 0.5)
    return (Pair("Person", render(rng, base), render(rng, other), 0, "given_syllable", group),)


def _number_form(rng: random.Random, value: int, last_slot: bool = False) -> str:
    """Digits, words or a Roman numeral; a one-letter Roman numeral (I, V, X) only where the
    parser reads it as one (a vessel's last word)."""
    roll = rng.random()
    if roll < 0.35:
        return str(value)
    if roll < 0.7:
        words = words_of(value)
        joiner = rng.choice([" ", "-"]) if len(words) == 2 else " "
        text = joiner.join(words)
        return text.title() if rng.random() < 0.5 else text.upper()
    # "II" alone is read as a legal form by split_legal_forms (rigour's database): companies
    # get Roman numerals of three letters or more
    roman = roman_of(value) if value < 40 else ""
    if roll < 0.9 and roman and (last_slot or (roman_is_unambiguous(roman) and len(roman) > 2)):
        return roman_of(value).upper()
    return str(value)


def _numbered(rng: random.Random, seed: int, schema: str) -> tuple[Pair, ...]:
    """``Star 7`` ↔ ``Star Seven`` ↔ ``Star VII``; another number is another name."""
    words = [_brand_word(rng, seed) for _ in range(rng.choice([1, 2]))]
    value = rng.choice([rng.randint(1, 12), rng.randint(1, 39), rng.randint(1, 999)])
    tail = ["Ltd"] if schema != "Vessel" and rng.random() < 0.5 else []
    last = schema == "Vessel"
    base = [*words, _number_form(rng, value, last), *tail]
    group = _group(words[0])
    if rng.random() < 0.5:
        other = [*words, _number_form(rng, value, last), *tail]
        return (Pair(schema, render(rng, base), render(rng, other), 1, "number_words", group),)
    other_value = value + rng.choice([-2, -1, 1, 1, 2, 10])
    if other_value <= 0:
        return ()
    other = [*words, _number_form(rng, other_value, last), *tail]
    return (Pair(schema, render(rng, base), render(rng, other), 0, "number_words_differ", group),)


def structured_pairs(family: str, n: int, seed: int = 0) -> Iterator[Pair]:
    """About ``n`` structure and number pairs for one family (deterministic)."""
    rng = random.Random(f"structured:{family}:{seed}")
    makers = {
        "person": (_nasab, _son_of, _patronymic, _generational, _east_asian),
        "entity": (_nasab, _son_of, _patronymic, _generational),
    }
    for _ in range(n):
        if family in makers:
            pairs = rng.choice(makers[family])(rng, seed)
            if family == "entity":
                pairs = tuple(replace(p, schema="LegalEntity") for p in pairs)
        else:
            pairs = _numbered(rng, seed, "Vessel" if family == "vessel" else "Company")
        for pair in pairs:
            if pair.name1 and pair.name2 and pair.name1 != pair.name2:
                yield pair

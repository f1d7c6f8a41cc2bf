"""Person-name pairs generated from documented naming conventions, one cited rule each.

Every rule says which two writings are the same person's name and which differ in a slot
that names another person (a father, a grandfather, a generation). Name words come from
faker's per-locale lists; the labels follow the cited conventions:

* ``east_slavic``: given name + patronymic + family name; the official order puts the family
  name first, the patronymic is often dropped; another patronymic is another father.
  Wikipedia, "Eastern Slavic naming customs".
* ``arabic``: given name + nasab (``bin``/``ibn`` + father, grandfather) + nisbah (``al-…``);
  ``bin``, ``ibn`` and ``b.`` are one word, ``al-``/``Al``/``el-`` one article; another father
  or another nisbah is another person. Wikipedia, "Arabic name" (Nasab, Nisba).
* ``afghan``: many Afghans use one personal name, identified with their father's
  (``s/o``, ``son of``, ``walad``); another father is another person. Wikipedia, "Afghan name".
* ``somali``: given name + father's given name + grandfather's given name, no family name;
  the same names in another slot order or another grandfather are another person; Somali Latin
  orthography writes ḥ as ``x`` and ʿ as ``c`` (``Xasan`` = ``Hassan``). Wikipedia,
  "Somali name" and "Somali alphabet".
* ``korean``: family name first, a two-syllable given name written joined, hyphenated or
  spaced, Western order reversed; customary surname spellings (``Gim`` = ``Kim``, ``I`` =
  ``Lee``, ``Bak`` = ``Park``); another syllable or the two syllables swapped is another name.
  Wikipedia, "Korean name" and "Revised Romanization of Korean".
* ``spanish``: given name + paternal + maternal surname; the maternal one is often dropped or
  joined with ``y`` or a hyphen; another paternal or maternal surname is another person.
  Wikipedia, "Spanish naming customs".
* ``generational``: ``Jr.``/``Junior``, ``Sr.``/``Senior``, ``III``/``3rd``/``the Third`` are
  one suffix; father and son (``Jr.``/``Sr.``, ``II``/``III``) are two people.
  Wikipedia, "Suffix (name)" and "Regnal number".
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache
from importlib import import_module

from anyascii import anyascii

from redlane.names.training.pairs import Pair

__all__ = ["RULES", "SOURCE", "pairs"]

SOURCE = "conventions"


@cache
def _faker_list(locale: str, attr: str) -> tuple[str, ...]:
    provider = import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attr)
    return tuple(sorted({str(v).split()[0] for v in values if str(v).strip()}))


def _pick(rng: random.Random, locale: str, attr: str, avoid: str = "") -> str:
    pool = _faker_list(locale, attr)
    while True:
        word = pool[rng.randrange(len(pool))]
        if anyascii(word).lower()[:4] != anyascii(avoid).lower()[:4]:
            return word


def _key(word: str) -> str:
    return anyascii(word).lower()


Made = tuple[str, str, int, str, str]  # name1, name2, label, kind, group


def east_slavic(rng: random.Random) -> Made:
    locale = rng.choice(("ru_RU", "uk_UA")) if rng.random() < 0.5 else "ru_RU"
    given = _pick(rng, locale, "first_names_male")
    father = _pick(rng, "ru_RU", "middle_names_male")
    family = _pick(rng, locale, "last_names_male")
    latin = rng.random() < 0.4
    show = anyascii if latin else str
    base = f"{given} {father} {family}"
    roll = rng.random()
    if roll < 0.3:
        second, label, kind = f"{family} {given} {father}", 1, "patronymic_order"
    elif roll < 0.5:
        second, label, kind = f"{given} {family}", 1, "patronymic_dropped"
    elif roll < 0.85:
        other = _pick(rng, "ru_RU", "middle_names_male", avoid=father)
        order = rng.random() < 0.5
        second = f"{family} {given} {other}" if order else f"{given} {other} {family}"
        label, kind = 0, "patronymic_differs"
    else:
        other = _pick(rng, locale, "first_names_male", avoid=given)
        second, label, kind = f"{family} {other} {father}", 0, "given_differs"
    return show(base), show(second), label, kind, _key(family)


_NASAB = ("bin", "ibn", "Bin", "b.")
_ARTICLE = ("al-", "Al-", "Al ", "el-", "al ")


def _arabic_pick(rng: random.Random, avoid: str = "", attr: str = "first_names") -> str:
    # faker's en_PK lists: Arabic and Persian-origin names in Latin script, as written in
    # Pakistan and Afghanistan.
    return _pick(rng, "en_PK", attr, avoid)


def arabic(rng: random.Random) -> Made:
    given, father, grand = (_arabic_pick(rng) for _ in range(3))
    nisbah = _arabic_pick(rng, attr="last_names")
    art = rng.choice(_ARTICLE)

    def write(f: str, n: str, article: str, link: str, grandfather: bool) -> str:
        chain = f"{link} {f}" + (f" {link} {grand}" if grandfather else "")
        return f"{given} {chain} {article}{n}"

    grandfather = rng.random() < 0.4
    base = write(father, nisbah, art, rng.choice(_NASAB), grandfather)
    roll = rng.random()
    if roll < 0.45:
        second = write(father, nisbah, rng.choice(_ARTICLE), rng.choice(_NASAB), grandfather)
        label, kind = 1, "nasab_spelling"
    elif roll < 0.75:
        other = _arabic_pick(rng, avoid=father)
        second = write(other, nisbah, art, rng.choice(_NASAB), grandfather)
        label, kind = 0, "father_differs"
    else:
        other = _arabic_pick(rng, avoid=nisbah, attr="last_names")
        second = write(father, other, art, rng.choice(_NASAB), grandfather)
        label, kind = 0, "nisbah_differs"
    return base, second, label, kind, _key(nisbah)


_SON_OF = ("s/o", "son of", "S/O", "walad", "s/o.")


def afghan(rng: random.Random) -> Made:
    name, father = _arabic_pick(rng), _arabic_pick(rng)
    if rng.random() < 0.5:
        name = f"{name} {_arabic_pick(rng)}"
    base = f"{name} {rng.choice(_SON_OF)} {father}"
    roll = rng.random()
    if roll < 0.5:
        second, label, kind = f"{name} {rng.choice(_SON_OF)} {father}", 1, "father_slot_format"
    elif roll < 0.85:
        other = _arabic_pick(rng, avoid=father)
        second, label, kind = f"{name} {rng.choice(_SON_OF)} {other}", 0, "father_differs"
    else:
        other = _arabic_pick(rng, avoid=name)
        second, label, kind = f"{other} {rng.choice(_SON_OF)} {father}", 0, "given_differs"
    return base, second, label, kind, _key(father)


# Common Somali given names in international and Somali orthography (x = ḥ, c = ʿ, doubled
# vowels for long ones), per the cited "Somali alphabet".
_SOMALI = (
    ("Mohamed", "Maxamed"), ("Abdi", "Cabdi"), ("Ahmed", "Axmed"), ("Hassan", "Xasan"),
    ("Ali", "Cali"), ("Abdullahi", "Cabdullaahi"), ("Omar", "Cumar"), ("Hussein", "Xuseen"),
    ("Ibrahim", "Ibraahim"), ("Yusuf", "Yuusuf"), ("Osman", "Cismaan"), ("Farah", "Faarax"),
    ("Aden", "Aadan"), ("Ismail", "Ismaaciil"), ("Jama", "Jaamac"), ("Abdirahman", "Cabdiraxmaan"),
    ("Hirsi", "Xirsi"), ("Warsame", "Warsame"), ("Abdulkadir", "Cabdulqaadir"), ("Said", "Saciid"),
)  # fmt: skip


def somali(rng: random.Random) -> Made:
    i, j, k = rng.sample(range(len(_SOMALI)), 3)
    intl = [_SOMALI[x][0] for x in (i, j, k)]
    local = [_SOMALI[x][1] for x in (i, j, k)]
    base = " ".join(intl)
    roll = rng.random()
    if roll < 0.4:
        second, label, kind = " ".join(local), 1, "orthography"
    elif roll < 0.55:
        second, label, kind = " ".join(intl[:2]), 1, "grandfather_dropped"
    elif roll < 0.8:
        other = rng.choice([s for x, s in enumerate(_SOMALI) if x not in (i, j, k)])
        words = [*intl[:2], other[rng.random() < 0.5]]
        second, label, kind = " ".join(words), 0, "grandfather_differs"
    else:
        words = [intl[0], intl[2], intl[1]] if rng.random() < 0.5 else [intl[1], intl[0], intl[2]]
        second, label, kind = " ".join(words), 0, "chain_order"
    return base, second, label, kind, _key(intl[1])


_KOREAN_SURNAMES = {"김": ("Kim", "Gim"), "이": ("Lee", "Yi", "Rhee"), "박": ("Park", "Bak"),
                    "정": ("Jung", "Jeong", "Chung"), "최": ("Choi", "Choe")}  # fmt: skip


def _korean_given(style: int, syllables: list[str]) -> str:
    a, b = (anyascii(s) for s in syllables)
    return (f"{a}{b.lower()}", f"{a}-{b.lower()}", f"{a} {b}")[style]


def korean(rng: random.Random) -> Made:
    family_hangul = rng.choice(sorted(_KOREAN_SURNAMES))
    given = list(_pick(rng, "ko_KR", "first_names"))[:2]
    spellings = _KOREAN_SURNAMES[family_hangul]
    fam1, fam2 = rng.choice(spellings), rng.choice(spellings)
    base = f"{fam1} {_korean_given(rng.randrange(3), given)}"
    roll = rng.random()
    if roll < 0.3:
        second, label, kind = f"{_korean_given(rng.randrange(2), given)} {fam2}", 1, "order"
    elif roll < 0.45:
        second, label, kind = f"{fam2.upper()} {_korean_given(rng.randrange(3), given)}", 1, (
            "romanisation")  # fmt: skip
    elif roll < 0.55:
        second, label, kind = family_hangul + "".join(given), 1, "script"
    elif roll < 0.75:
        second = f"{fam2} {_korean_given(rng.randrange(3), given[::-1])}"
        label, kind = 0, "syllables_swapped"
        if given[0] == given[1]:
            return base, base, 1, "same", _key(fam1)
    else:
        other = list(_pick(rng, "ko_KR", "first_names", avoid="".join(given)))[:2]
        if other[0] == given[0] and other[1] == given[1]:
            return base, base, 1, "same", _key(fam1)
        second, label, kind = f"{fam2} {_korean_given(rng.randrange(3), other)}", 0, (
            "given_differs")  # fmt: skip
    return base, second, label, kind, _key(fam1) + "".join(given)


def spanish(rng: random.Random) -> Made:
    given = _pick(rng, "es_ES", "first_names")
    paternal = _pick(rng, "es_ES", "last_names")
    maternal = _pick(rng, "es_ES", "last_names", avoid=paternal)
    base = f"{given} {paternal} {maternal}"
    roll = rng.random()
    if roll < 0.25:
        second, label, kind = f"{given} {paternal}", 1, "maternal_dropped"
    elif roll < 0.45:
        joined = rng.choice((f"{paternal} y {maternal}", f"{paternal}-{maternal}"))
        second, label, kind = f"{given} {joined}", 1, "surnames_joined"
    elif roll < 0.55:
        second, label, kind = f"{paternal} {maternal}, {given}", 1, "order"
    elif roll < 0.8:
        other = _pick(rng, "es_ES", "last_names", avoid=maternal)
        second, label, kind = f"{given} {paternal} {other}", 0, "maternal_differs"
    else:
        other = _pick(rng, "es_ES", "last_names", avoid=paternal)
        second, label, kind = f"{given} {other} {maternal}", 0, "paternal_differs"
    return base, second, label, kind, _key(paternal)


_SUFFIXES = {
    "junior": ("Jr.", "Jr", "Junior"), "senior": ("Sr.", "Sr", "Senior"),
    "2": ("II", "2nd", "the Second"), "3": ("III", "3rd", "the Third"),
    "4": ("IV", "4th", "the Fourth"),
}  # fmt: skip
_CLASH = {"junior": ("senior",), "senior": ("junior",), "2": ("3", "4"), "3": ("2", "4"),
          "4": ("2", "3")}  # fmt: skip


def generational(rng: random.Random) -> Made:
    given = _pick(rng, rng.choice(("en_US", "en_GB")), "first_names_male")
    family = _pick(rng, "en_US", "last_names")
    which = rng.choice(sorted(_SUFFIXES))
    comma = rng.choice(("", ","))
    base = f"{given} {family}{comma} {rng.choice(_SUFFIXES[which])}"
    if rng.random() < 0.5:
        second, label, kind = f"{given} {family} {rng.choice(_SUFFIXES[which])}", 1, "suffix_form"
    else:
        clash = rng.choice(_CLASH[which])
        second = f"{given} {family} {rng.choice(_SUFFIXES[clash])}"
        label, kind = 0, "generation_differs"
    return base, second, label, kind, _key(family)


RULES: dict[str, Callable[[random.Random], Made]] = {
    "east_slavic": east_slavic,
    "arabic": arabic,
    "afghan": afghan,
    "somali": somali,
    "korean": korean,
    "spanish": spanish,
    "generational": generational,
}


def pairs(n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` labelled person-name pairs, an equal share per rule; the same arguments give
    the same pairs. ``kind`` is ``rule:variation`` (``somali:grandfather_differs``)."""
    rng = random.Random(f"{SOURCE}:{seed}")
    out: list[Pair] = []
    for i in range(n):
        rule = list(RULES)[i % len(RULES)]
        name1, name2, label, kind, group = RULES[rule](rng)
        if name1 == name2:
            continue
        schema = "LegalEntity" if rng.random() < 0.2 else "Person"
        out.append(Pair(schema, name1, name2, label, f"{rule}:{kind}", group, SOURCE))
    return out

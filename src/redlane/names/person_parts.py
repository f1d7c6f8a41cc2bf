"""Parse a prepared person name into parts with roles, for "same given name, other father" checks.

A name's structure often carries family relations: the father's name after ``bin`` or ``s/o``,
a patronymic in the middle of a Russian name, a clan or nisbah after ``al-``. Two names that
share the given and family name but differ in such a slot are different people; two names that
hold the same parts in another order (family name first or last) are the same. This module only
assigns roles to the tokens :func:`redlane.names.prepare.prepare` made; the comparison lives in
:mod:`redlane.names.align`.

rigour's ``NamePartTag`` has these roles (``GIVEN``, ``FAMILY``, ``PATRONYMIC``, ``TRIBAL``,
``SUFFIX``…), but its tagger only sets them when the caller already knows them (FollowTheMoney's
``firstName``/``fatherName`` properties); from a whole-name string it leaves them ``UNSET``.
So the rules below read the conventions from the words themselves. Each cites its convention
(Wikipedia article names):

* **Arabic nasab** ("Arabic name"): ``X bin/ibn Y bin Z`` — Y is the father, Z the grandfather;
  ``bint``/``binti`` (daughter of), Maghrebi/Mauritanian ``ould``/``wuld`` ("Mauritanian
  name"), Malay ``bin``/``binti`` ("Malay names"), Hebrew ``ben``/``bat`` ("Hebrew name"),
  Welsh ``ap``/``ab`` ("Welsh surnames"): the word after the marker starts the father's slot,
  a second marker starts the grandfather's.
* **South Asian relation markers** ("Pashtun name"; Pakistani and Indian official usage):
  ``s/o`` (son of), ``d/o`` (daughter of), ``w/o`` (wife of), also written out: the words after
  the marker are the father's (or husband's) name, however many.
* **Nisbah / clan** ("Nisba (onomastics)", "Pashtun tribes"): the word after ``al``/``el``
  (``al-Hashimi``, ``Al Saud``), and words ending in ``-zai``/``-zay`` ("descendants of") or
  ``-khel``/``-khail`` (clan), are the clan or tribe slot.
* **East Slavic patronymic** ("Patronymic", "Russian name", "Ukrainian name"): a word ending
  ``-ovich``/``-evich``/``-ovych``/``-ovna``/``-evna``/``-ivna``/``-ichna`` is the father's
  name, whether the name is written "given patronymic family" or "family given patronymic".
* **Azerbaijani and Turkic patronymic** ("Azerbaijani name"): ``oglu``/``ogly`` (son),
  ``qizi``/``kyzy`` (daughter) *after* the father's name: the word before it is the father.
* **Icelandic patronymic** ("Icelandic name"): ``-sson`` and ``-dottir`` mark the father's
  (or mother's) name, which Icelanders use in place of a family name. A single-``s`` ``-son``
  (Johnson, Anderson) is an ordinary family name in English and Scandinavian use.
* **South Slavic** ("Slavic naming customs"): ``-ović``/``-ević`` were patronymics but are
  inherited family names today, so they stay ``family``.
* **Generational suffixes** ("Suffix (name)"): ``Jr``/``Junior``, ``Sr``/``Senior``, ``II``,
  ``III``, ``3rd``, ``third``… after the name. ``Sr`` is read as the first generation and
  ``Jr`` as the second, so ``Jr`` ↔ ``Sr`` and ``II`` ↔ ``III`` differ.
* **East Asian order** ("Chinese name", "Korean name", "Japanese name", "Vietnamese name"):
  the family name comes first (``Kim Jong-un``, ``Nguyen Van Duc``), and given names are
  written joined, hyphenated or spaced (``Jong-un``/``Jongun``/``Jong Un``). When the first
  word is a common East Asian family name it is the family name; otherwise the last word is.
  The aligner already pairs words in any order and re-joins split syllables; the roles let
  a reason say "name order" when a family name moved from the front to the back.
* **Comma order** ("Personal name", library catalogue form): ``Smith, John`` — family first.

Everything not covered is ``given`` (first word), ``family`` (last) or ``middle``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from redlane.names.numerals import ordinal_value, roman_is_unambiguous, roman_value

__all__ = [
    "CLAN",
    "FAMILY",
    "FATHER",
    "GENERATION",
    "GIVEN",
    "GRANDFATHER",
    "INITIAL",
    "MARKER",
    "MIDDLE",
    "RELATIONS",
    "SPOUSE",
    "PersonParts",
    "parse_person",
]

GIVEN = "given"
MIDDLE = "middle"
FAMILY = "family"
FATHER = "father"  # father's name or patronymic
GRANDFATHER = "grandfather"
SPOUSE = "spouse"  # after w/o
CLAN = "clan"  # clan, tribe or nisbah
GENERATION = "generation"  # Jr, Sr, II, III
INITIAL = "initial"
MARKER = "marker"  # bin, ibn, s/o, al…: carries no name itself
#: Roles whose words say who someone's relatives are: a different word there is another person.
RELATIONS = (FATHER, GRANDFATHER, SPOUSE, CLAN)

# Nasab markers: the next word starts the father's slot, a second one the grandfather's.
_NASAB = frozenset({"bin", "ibn", "bint", "binti", "binte", "ibnu", "ould", "wuld", "walad", "ap"})
# Markers that are also given names (Ben, Bat, Ab): only a marker between two name words.
_NASAB_INNER = frozenset({"ben", "bat", "ab", "ibn", "bin", "bint"})
# Two-word relation markers after tokenising: "s/o" -> "s", "o"; "son of".
_RELATION_PAIRS: dict[tuple[str, str], str] = {
    ("s", "o"): FATHER,
    ("d", "o"): FATHER,
    ("son", "of"): FATHER,
    ("daughter", "of"): FATHER,
    ("w", "o"): SPOUSE,
    ("wife", "of"): SPOUSE,
}
_TURKIC_AFTER = frozenset({"oglu", "ogly", "ogli", "uly", "qizi", "kizi", "kyzy", "gizi"})
_NISBAH = frozenset({"al", "el", "ul"})
_CLAN_ENDINGS = ("zai", "zay", "khel", "khail", "khil")
_PATRONYMIC_ENDINGS = (
    "ovich", "evich", "ovych", "evych", "ovna", "evna", "ivna", "ichna", "ovitch", "evitch",
    "sson", "dottir", "dotter",
)  # fmt: skip
_GENERATION_WORDS: dict[str, int] = {"sr": 1, "senior": 1, "snr": 1, "jr": 2, "junior": 2, "jnr": 2}
# Common family names that come first in East Asian names (the most frequent Chinese, Korean
# and Vietnamese surnames; "List of common Chinese surnames", "List of Korean surnames",
# "Vietnamese name").
_EAST_ASIAN_FAMILY = frozenset(
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng "
    "liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye "
    "xi mao qian kong cui meng shi fu fan xia tan qin wen dai "
    "cheng wei su lu ding ren shen yao jiao jin kim lee yi park pak bak choi choe jung jeong "
    "kang cho jo yoon yun jang lim im shin sin oh seo han kwon hwang ahn an song hong ko go "
    "moon mun yang bae baek nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly"
    .split()
)  # fmt: skip


class PersonParts(NamedTuple):
    """One role per token of the prepared name, and its generation (0 = none)."""

    roles: tuple[str, ...]
    generation: int
    related: bool = False  # has a father, grandfather, spouse or clan slot, or a generation
    east_asian: bool = False  # a common East Asian family name first or last, given names

    def has(self, role: str) -> bool:
        return role in self.roles


def _generation(word: str, last: bool) -> int:
    """Generation a suffix word stands for (0 = not a suffix). Numbers only in the last slot."""
    found = _GENERATION_WORDS.get(word)
    if found:
        return found
    if not last:
        return 0
    if roman_is_unambiguous(word):
        return roman_value(word) or 0
    if word.isdigit() and 0 < len(word) <= 1:
        return int(word)
    found = ordinal_value(word)
    return found if found is not None and found < 10 else 0


@lru_cache(maxsize=65_536)
def parse_person(texts: tuple[str, ...], comma_first: bool = False) -> PersonParts:
    """Roles for the tokens ``texts`` (lower-case ASCII, as prepared). ``comma_first``: the raw
    name had a comma after its first word (``Smith, John``). Never raises."""
    n = len(texts)
    roles: list[str] = [""] * n
    generation = 0
    # Generational suffixes: at the end, or anywhere after the first word for Jr/Sr.
    for i in range(n - 1, 0, -1):
        value = _generation(texts[i], last=i == n - 1 or texts[i] in _GENERATION_WORDS)
        if value and not generation:
            roles[i] = GENERATION
            generation = value
    # Relation markers and the slots they open.
    slot = ""
    fathers_seen = 0
    i = 0
    while i < n:
        word = texts[i]
        if roles[i]:
            i += 1
            continue
        pair = (word, texts[i + 1]) if i + 1 < n else None
        if pair in _RELATION_PAIRS and i > 0 and i + 2 < n:
            roles[i] = roles[i + 1] = MARKER
            slot = _RELATION_PAIRS[pair]
            fathers_seen += slot == FATHER
            i += 2
            continue
        inner = 0 < i < n - 1
        if (word in _NASAB and i + 1 < n and (i > 0 or word in ("ibn", "bint", "ould"))) or (
            word in _NASAB_INNER and inner
        ):
            roles[i] = MARKER
            slot = FATHER if fathers_seen == 0 else GRANDFATHER
            fathers_seen += 1
            i += 1
            continue
        if word in _NISBAH and i + 1 < n:
            roles[i] = MARKER
            roles[i + 1] = CLAN
            i += 2
            continue
        if word in _TURKIC_AFTER and i > 0:
            roles[i] = MARKER
            if roles[i - 1] in ("", GIVEN, MIDDLE, FAMILY):
                roles[i - 1] = FATHER
            i += 1
            continue
        if slot:
            roles[i] = slot
        i += 1
    for i, word in enumerate(texts):
        if roles[i]:
            continue
        if len(word) == 1:
            roles[i] = INITIAL
        elif len(word) > 6 and word.endswith(_PATRONYMIC_ENDINGS):
            roles[i] = FATHER
        elif len(word) > 5 and word.endswith(_CLAN_ENDINGS):
            roles[i] = CLAN
    # What is left: given, middle, family, by the order the name is written in.
    free = [i for i in range(n) if not roles[i]]
    if free:
        family_at = free[-1] if len(free) > 1 else -1
        if comma_first or (len(free) > 1 and texts[free[0]] in _EAST_ASIAN_FAMILY):
            family_at = free[0]
        patronymic_first = any(roles[j] == FATHER for j in range(n)) and not any(
            roles[j] == MARKER for j in range(n)
        )
        if patronymic_first and len(free) == 2 and roles[-1] == FATHER:
            # Russian "Petrov Ivan Ivanovich": family, given, patronymic
            family_at = free[0]
        first_given = True
        for i in free:
            if i == family_at:
                roles[i] = FAMILY
            elif first_given:
                roles[i] = GIVEN
                first_given = False
            else:
                roles[i] = MIDDLE
    related = bool(generation) or any(r in RELATIONS for r in roles)
    east_asian = (
        n >= 2
        and GIVEN in roles
        and any(roles[i] == FAMILY and texts[i] in _EAST_ASIAN_FAMILY for i in (0, n - 1))
    )
    return PersonParts(tuple(roles), generation, related, east_asian)

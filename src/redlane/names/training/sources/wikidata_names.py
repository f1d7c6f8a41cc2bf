"""Person names across scripts and spellings, labelled by Wikidata through rigour's symbols.

rigour (MIT) tags a name word with the Wikidata items of the given or family name it spells
(``NAME:Q…`` symbols). Two words sharing an item are the same name written differently
(``Leonid``/``Леонид``/``Леонід``, ``Khadija``/``Kadija``/``خديجة``): positives. Words
whose item sets are disjoint are other names: the negatives (same family name with another
given name, same given name with another family name, a near-spelled other name).

Gendered forms of one name (``Mikheev``/``Mikheeva``) share an item but name different people,
so they are left out. The words come from faker's name lists (``lexicon``); the labels do not.
"""

from __future__ import annotations

import random
from collections import defaultdict
from functools import cache

from rapidfuzz.distance import Levenshtein

from redlane.names.training.pairs import Pair, _gendered, split_of
from redlane.names.training.sources.lexicon import LOCALES, ascii_key, name_symbols, words

__all__ = ["SOURCE", "pairs"]

SOURCE = "wikidata_names"


@cache
def _groups(role: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Wikidata item → its spellings among the lexicon's ``role`` words (two or more)."""
    by_item: dict[str, set[str]] = defaultdict(set)
    for locale in LOCALES:
        for word in words(locale, role):
            for item in name_symbols(word)[0]:
                by_item[item].add(word)
    return tuple(
        (item, tuple(sorted(spellings)))
        for item, spellings in sorted(by_item.items())
        if len({ascii_key(w) for w in spellings}) > 1 or len(spellings) > 2
    )


@cache
def _known(role: str) -> tuple[str, ...]:
    """Every lexicon word of ``role`` that names at least one Wikidata item."""
    return tuple(sorted({w for loc in LOCALES for w in words(loc, role) if name_symbols(w)[0]}))


def _script(word: str) -> str:
    from rigour._core import text_scripts

    return min(text_scripts(word), default="")


def _same(a: str, b: str) -> bool:
    return bool(name_symbols(a)[0] & name_symbols(b)[0])


def _kind(a: str, b: str) -> str:
    """``script`` when the two are written in different scripts, else ``spelling``."""
    return "script" if _script(a) != _script(b) else "spelling"


def _unlike(a: str, b: str) -> bool:
    """Two spellings worth a pair: not the same letters, not each other's gendered form."""
    return a.lower() != b.lower() and not _gendered(ascii_key(a), ascii_key(b))


def _spellings(rng: random.Random, role: str) -> tuple[str, str, str]:
    """An item and two of its spellings that are not each other's gendered form."""
    groups = _groups(role)
    while True:
        item, spellings = groups[rng.randrange(len(groups))]
        a, b = rng.sample(spellings, 2)
        if _unlike(a, b):
            return item, a, b


def _full_names(rng: random.Random) -> tuple[str, tuple[str, str], tuple[str, str]]:
    """A family-name item and one person's (given, family) written twice, each time with both
    words in one script (people write a name in one script; mixing them would be a tell)."""
    given, family = _groups("given"), _groups("family")
    while True:
        _, gs = given[rng.randrange(len(given))]
        item, fs = family[rng.randrange(len(family))]
        common = sorted({_script(w) for w in gs} & {_script(w) for w in fs})
        if not common:
            continue
        s1, s2 = rng.choice(common), rng.choice(common)
        g1, g2 = (rng.choice([w for w in gs if _script(w) == s]) for s in (s1, s2))
        f1, f2 = (rng.choice([w for w in fs if _script(w) == s]) for s in (s1, s2))
        if (_unlike(g1, g2) or _unlike(f1, f2)) and not (
            _gendered(ascii_key(f1), ascii_key(f2)) or _gendered(ascii_key(g1), ascii_key(g2))
        ):
            return item, (g1, f1), (g2, f2)


@cache
def _in_script(role: str, script: str) -> tuple[tuple[str, str], ...]:
    return tuple((w, ascii_key(w)) for w in _known(role) if _script(w) == script)


def _other(rng: random.Random, role: str, word: str, script: str, near: bool) -> str | None:
    """A known ``role`` name in ``script`` sharing no Wikidata item with ``word``.

    Wikidata misses links between spellings (``Hermann``/``Herman``), so an unlinked name is
    taken as another name only when it is more than two edits away, or (``near``) within two
    edits and clearly another name: the other gender's form or another first letter, the rule
    the generator uses. Kept to one script: a near spelling in another script is more likely
    a gap in the data than another name."""
    key = ascii_key(word)
    pool = [
        w
        for w, k in _in_script(role, script)
        if k != key
        and (
            (
                Levenshtein.distance(k, key, score_cutoff=2) <= 2
                and (_gendered(k, key) or k[:1] != key[:1])
            )
            if near
            else Levenshtein.distance(k, key, score_cutoff=3) > 2
        )
    ]
    for _ in range(5):
        if not pool:
            return None
        other = rng.choice(pool)
        if not _same(other, word):
            return other
        pool.remove(other)
    return None


def _schema(rng: random.Random) -> str:
    return "LegalEntity" if rng.random() < 0.2 else "Person"


def _one(rng: random.Random) -> Pair | None:
    roll = rng.random()
    schema = _schema(rng)
    if roll < 0.25:  # one name word in two spellings or scripts
        item, a, b = _spellings(rng, rng.choice(("given", "family")))
        return Pair(schema, a, b, 1, _kind(a, b), item, SOURCE)
    item, (g1, f1), (g2, f2) = _full_names(rng)
    if roll < 0.5:  # a full name written twice
        second = [g2, f2] if rng.random() < 0.7 else [f2, g2]
        kind = _kind(g1 + f1, g2 + f2) + ("" if second[0] == g2 else "+order")
        return Pair(schema, f"{g1} {f1}", " ".join(second), 1, kind, item, SOURCE)
    if roll < 0.7:  # same family name, another given name
        other = _other(rng, "given", g1, _script(g2), near=False)
        kind = "same_family"
    elif roll < 0.85:  # a near-spelled other given name, same family name, one script
        other, f2 = _other(rng, "given", g1, _script(g1), near=True), f1
        kind = "near_given"
    else:  # same given name, another family name (more than two edits away)
        f3 = _other(rng, "family", f1, _script(g2), near=False)
        if f3 is None or split_of(sorted(name_symbols(f3)[0])[0]) != split_of(item):
            return None
        return Pair(schema, f"{g1} {f1}", f"{g2} {f3}", 0, "same_given", item, SOURCE)
    if other is None:
        return None
    return Pair(schema, f"{g1} {f1}", f"{other} {f2}", 0, kind, item, SOURCE)


def pairs(n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` labelled person-name pairs; the same arguments give the same pairs."""
    rng = random.Random(f"{SOURCE}:{seed}")
    out: list[Pair] = []
    for _ in range(n):
        pair = _one(rng)
        if pair is not None:
            out.append(pair)
    return out

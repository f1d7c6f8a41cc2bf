"""Given names and nicknames from the ``nicknames`` package (Apache-2.0): a hand-curated
English list (``aaron`` → ``ron``, ``ronnie``), independent of rigour's nickname sets, which
the comparator itself uses as evidence. Optional: the source is listed only when the package
is installed (``pyproject``: ``nicknames>=1.0.1,<2``).

A full name with the formal given name against the same name with one of its nicknames is a
positive; against a nickname of another name (no nickname in common, neither a nickname of
the other) a negative; the nickname with another family name too. Family names are faker's.
"""

from __future__ import annotations

import random
from functools import cache
from importlib.util import find_spec

from redlane.names.training.pairs import Pair
from redlane.names.training.sources.lexicon import ascii_key, words

__all__ = ["SOURCE", "available", "pairs"]

SOURCE = "nicknames_package"


def available() -> bool:
    return find_spec("nicknames") is not None


@cache
def _table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Formal name → its nicknames (at least two letters each), title-cased."""
    from nicknames import NickNamer  # type: ignore[import-not-found, unused-ignore]

    lookup: dict[str, set[str]] = NickNamer().nickname_lookup
    return tuple(
        sorted(
            (formal.title(), tuple(sorted(n.title() for n in nicks if len(n) > 1)))
            for formal, nicks in lookup.items()
            if formal.isalpha() and any(len(n) > 1 and n.isalpha() for n in nicks)
        )
    )


def _related(a: str, b: str) -> bool:
    table = dict(_table())
    na, nb = set(table.get(a, ())) | {a}, set(table.get(b, ())) | {b}
    return bool(na & nb)


def pairs(n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` labelled person-name pairs; the same arguments give the same pairs."""
    rng = random.Random(f"{SOURCE}:{seed}")
    table = _table()
    families = words("en_US", "family") + words("en_GB", "family")
    out: list[Pair] = []
    for _ in range(n):
        formal, nicks = table[rng.randrange(len(table))]
        nicks = tuple(x for x in nicks if x.isalpha())
        if not nicks:
            continue
        family = families[rng.randrange(len(families))]
        schema = "LegalEntity" if rng.random() < 0.2 else "Person"
        base, group = f"{formal} {family}", ascii_key(family)
        roll = rng.random()
        if roll < 0.5:
            nick = rng.choice(nicks)
            out.append(Pair(schema, base, f"{nick} {family}", 1, "nickname", group, SOURCE))
        elif roll < 0.8:
            other, other_nicks = table[rng.randrange(len(table))]
            other_nicks = tuple(x for x in other_nicks if x.isalpha())
            if not other_nicks or _related(formal, other):
                continue
            nick = rng.choice(other_nicks)
            if _related(formal, nick) or nick.lower()[:3] == formal.lower()[:3]:
                continue
            out.append(Pair(schema, base, f"{nick} {family}", 0, "other_nickname", group, SOURCE))
        else:
            other_family = families[rng.randrange(len(families))]
            if ascii_key(other_family)[:3] == group[:3]:
                continue
            second = f"{rng.choice(nicks)} {other_family}"
            out.append(Pair(schema, base, second, 0, "nickname+other_family", group, SOURCE))
    return out

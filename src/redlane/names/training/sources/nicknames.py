"""Given names and their nicknames, labelled by rigour's nickname sets (``NICK`` symbols).

rigour (MIT) tags ``Robert`` and ``Bob`` with the same ``NICK:BOB`` symbol. A full name with
the formal given name against the same name with one of its nicknames is a positive; against
a nickname of another given name (no nickname set in common), a negative; against the
nickname with another family name, a negative. Family names are faker's (``lexicon``).
"""

from __future__ import annotations

import random
from functools import cache

from redlane.names.training.pairs import Pair, _gendered
from redlane.names.training.sources.lexicon import ascii_key, name_symbols, words

__all__ = ["SOURCE", "pairs"]

SOURCE = "rigour_nicknames"
_LOCALES = ("en_US", "en_GB")


@cache
def _formal() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Given name → the nicknames rigour knows for it (other than the name itself)."""
    out: dict[str, tuple[str, ...]] = {}
    for locale in _LOCALES:
        for given in words(locale, "given", limit=1_000):
            nicks = sorted(
                n.title()
                for n in name_symbols(given)[1]
                if n.lower() != given.lower() and not _gendered(n.lower(), given.lower())
            )
            if nicks:
                out[given] = tuple(nicks)
    return tuple(sorted(out.items()))


def _families() -> tuple[str, ...]:
    return words("en_US", "family") + words("de_DE", "family") + words("it_IT", "family")


def pairs(n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` labelled person-name pairs; the same arguments give the same pairs."""
    rng = random.Random(f"{SOURCE}:{seed}")
    formal, families = _formal(), _families()
    out: list[Pair] = []
    for _ in range(n):
        given, nicks = formal[rng.randrange(len(formal))]
        family = families[rng.randrange(len(families))]
        schema = "LegalEntity" if rng.random() < 0.2 else "Person"
        base = f"{given} {family}"
        roll = rng.random()
        if roll < 0.5:
            nick = rng.choice(nicks)
            second = f"{nick} {family}" if rng.random() < 0.8 else f"{family}, {nick}"
            out.append(Pair(schema, base, second, 1, "nickname", ascii_key(family), SOURCE))
            continue
        if roll < 0.8:
            other_given, other_nicks = formal[rng.randrange(len(formal))]
            mine = name_symbols(given)
            if mine[1] & name_symbols(other_given)[1] or mine[0] & name_symbols(other_given)[0]:
                continue
            nick = rng.choice(other_nicks)
            if name_symbols(nick)[1] & mine[1]:
                continue
            kind = "other_nickname"
        else:
            nick = rng.choice(nicks)
            other_family = families[rng.randrange(len(families))]
            if ascii_key(other_family)[:3] == ascii_key(family)[:3]:
                continue
            out.append(
                Pair(
                    schema,
                    base,
                    f"{nick} {other_family}",
                    0,
                    "nickname+other_family",
                    ascii_key(family),
                    SOURCE,
                )  # fmt: skip
            )
            continue
        out.append(Pair(schema, base, f"{nick} {family}", 0, kind, ascii_key(family), SOURCE))
    return out

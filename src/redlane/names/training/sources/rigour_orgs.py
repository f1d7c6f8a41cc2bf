"""Organisation and vessel names, labelled by rigour's legal-form and ordinal vocabularies.

* legal forms: rigour (MIT) knows that ``Gesellschaft mit beschränkter Haftung`` is written
  ``GmbH``, ``Limited Liability Company`` ``LLC``, ``Sendirian Berhad`` ``Sdn Bhd``. Each long
  form below is kept only when rigour's ``replace_org_types_display`` turns it into a short one,
  so the equivalence is rigour's. A brand with the long form against the same brand with the
  short form (or none) is a positive; against another brand, a negative.
* ordinals: rigour's ordinal table (``3`` = ``III`` = ``3rd`` = ``Third`` = ``No. 3``): a name
  with one spelling of a number against another spelling of it is a positive, against a
  spelling of another number a negative (``Kaufman III`` / ``Kaufman 2``).

Brands are faker family names (``lexicon``); the labels come from rigour's tables.
"""

from __future__ import annotations

import random
from functools import cache

from rapidfuzz.distance import Levenshtein

from redlane.names.training.pairs import Pair
from redlane.names.training.sources.lexicon import ascii_key, words

__all__ = ["SOURCE", "pairs"]

SOURCE = "rigour_orgs"
# Queries to rigour, not labels: rigour decides which of these have a short form.
_LONG_FORMS = (
    "Limited Liability Company", "Public Limited Company", "Joint Stock Company",
    "Closed Joint Stock Company", "Open Joint Stock Company", "Limited Partnership",
    "Gesellschaft mit beschränkter Haftung", "Aktiengesellschaft", "Kommanditgesellschaft",
    "Société Anonyme", "Société à responsabilité limitée", "Société par actions simplifiée",
    "Sociedad Anónima", "Sociedad de Responsabilidad Limitada", "Società per azioni",
    "Società a responsabilità limitata", "Besloten Vennootschap", "Naamloze Vennootschap",
    "Spółka z ograniczoną odpowiedzialnością", "Spółka akcyjna", "Aktiebolag", "Osakeyhtiö",
    "Anpartsselskab", "Proprietary Limited", "Sendirian Berhad", "Incorporated", "Limited",
    "Perseroan Terbatas", "Sociedade Anónima", "Limitada",
)  # fmt: skip
_BRAND_LOCALES = ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "tr_TR")


@cache
def legal_forms() -> tuple[tuple[str, str], ...]:
    """(long, short) legal forms as rigour writes them."""
    from rigour.names import replace_org_types_display

    out = []
    for long in _LONG_FORMS:
        shown = replace_org_types_display(f"Brand {long}")
        short = shown.removeprefix("Brand ")
        if shown.startswith("Brand ") and short != long and len(short) <= len(long) // 2:
            out.append((long, short))
    return tuple(out)


@cache
def ordinals() -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Number → its Latin-script spellings in rigour's ordinal table (1 to 20)."""
    from rigour._core import ordinals_dict

    table = ordinals_dict()
    out = []
    for number in range(1, 21):
        forms = tuple(
            f for f in table.get(number, []) if f.isascii() and f[:1].isalnum() and ":" not in f
        )
        if len(forms) > 1:
            out.append((number, forms))
    return tuple(out)


@cache
def _brands() -> tuple[str, ...]:
    return tuple(sorted({w for loc in _BRAND_LOCALES for w in words(loc, "family") if w.isascii()}))


def _brand(rng: random.Random) -> list[str]:
    pool = _brands()
    return [pool[rng.randrange(len(pool))] for _ in range(1 if rng.random() < 0.6 else 2)]


def _other_brand(rng: random.Random, brand: list[str]) -> list[str]:
    """Another brand: one of its words replaced by a word more than two edits away."""
    pool = _brands()
    while True:
        word = pool[rng.randrange(len(pool))]
        i = rng.randrange(len(brand))
        if Levenshtein.distance(ascii_key(word), ascii_key(brand[i])) > 2:
            return brand[:i] + [word] + brand[i + 1 :]


def _legal_pair(rng: random.Random) -> Pair:
    long, short = rng.choice(legal_forms())
    brand = _brand(rng)
    schema = rng.choice(("Company", "Company", "Organization", "LegalEntity"))
    group = ascii_key(brand[0])
    base = " ".join([*brand, long])
    if rng.random() < 0.5:
        if rng.random() < 0.8:
            second, kind = " ".join([*brand, short]), "legal_abbreviation"
        else:
            second, kind = " ".join(brand), "legal_dropped"
        if rng.random() < 0.3:
            second = second.upper()
        return Pair(schema, base, second, 1, kind, group, SOURCE)
    other = _other_brand(rng, brand)
    kind = "one_word" if len(brand) > 1 else "other_brand"
    second = " ".join([*other, short if rng.random() < 0.5 else long])
    return Pair(schema, base, second, 0, kind, group, SOURCE)


def _ordinal_pair(rng: random.Random) -> Pair:
    table = ordinals()
    number, forms = rng.choice(table)
    brand = _brand(rng)[:1]
    schema = rng.choice(("Vessel", "Company"))
    group = ascii_key(brand[0])
    a = rng.choice(forms)
    if rng.random() < 0.5:
        b = rng.choice([f for f in forms if f.lower() != a.lower()])
        return Pair(schema, f"{brand[0]} {a}", f"{brand[0]} {b}", 1, "ordinal", group, SOURCE)
    other = rng.choice([forms for n, forms in table if n != number])
    b = rng.choice(other)
    return Pair(schema, f"{brand[0]} {a}", f"{brand[0]} {b}", 0, "number", group, SOURCE)


def pairs(n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` labelled organisation/vessel pairs; the same arguments give the same pairs."""
    rng = random.Random(f"{SOURCE}:{seed}")
    return [_legal_pair(rng) if rng.random() < 0.7 else _ordinal_pair(rng) for _ in range(n)]

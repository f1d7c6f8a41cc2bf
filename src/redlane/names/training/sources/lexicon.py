"""Name words to look up in rigour: faker's per-locale given- and family-name lists.

faker supplies only the *words*; which words are the same name comes from rigour's symbols
(Wikidata person-name items, ``NAME:Q…``; nickname sets, ``NICK:…``), so the labels are
rigour's and Wikidata's, not this project's.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import import_module

from anyascii import anyascii

__all__ = ["LOCALES", "ascii_key", "name_symbols", "words"]

# Latin, Cyrillic, Greek, Arabic, Persian, Hebrew, Devanagari, Georgian, Armenian, Han, Hangul.
LOCALES = (
    "en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "tr_TR", "az_AZ", "ru_RU", "uk_UA",
    "bg_BG", "el_GR", "ar_SA", "fa_IR", "he_IL", "hi_IN", "ka_GE", "hy_AM", "zh_CN", "ko_KR",
)  # fmt: skip
_ATTRS = {
    "given": ("first_names", "first_names_male", "first_names_female"),
    "family": ("last_names", "last_names_male", "last_names_female"),
}
# Looking a word up in rigour costs about 1 ms: a stable sample of each list keeps a source
# build to a few seconds while leaving thousands of words across scripts.
PER_LIST = 200


def _stable(word: str) -> bytes:
    return hashlib.blake2b(word.encode(), digest_size=6).digest()


@cache
def words(locale: str, role: str, limit: int = PER_LIST) -> tuple[str, ...]:
    """One-word names of faker's ``locale`` lists for ``role`` (``given`` or ``family``), at most
    ``limit`` of them (a hash-ordered sample, the same on every run)."""
    provider = import_module(f"faker.providers.person.{locale}").Provider
    out: set[str] = set()
    for attr in _ATTRS[role]:
        values = getattr(provider, attr, None)
        if values is None or isinstance(values, property):
            continue
        out.update(str(v).strip() for v in values)
    kept = sorted((w for w in out if len(w) > 1 and w.isalpha()), key=_stable)[:limit]
    return tuple(sorted(kept))


@cache
def name_symbols(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """rigour's ``NAME`` (Wikidata QIDs) and ``NICK`` symbol ids covering the whole word."""
    from rigour.names import NameTypeTag, analyze_names

    names: set[str] = set()
    nicks: set[str] = set()
    for name in analyze_names(NameTypeTag.PER, [word], phonetics=False):
        if len(name.parts) != 1:
            continue
        for span in name.spans:
            category = span.symbol.category.value
            if category == "NAME":
                names.add(span.symbol.id)
            elif category == "NICK":
                nicks.add(span.symbol.id)
    return frozenset(names), frozenset(nicks)


def ascii_key(word: str) -> str:
    return anyascii(word).lower()

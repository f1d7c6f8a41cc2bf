"""Turn one raw name into comparable tokens, once (cached): the slow half of a comparison.

rigour does the linguistics: Unicode and case, transliteration, honorific and article prefixes,
the legal-form database, and its tagger, whose symbols say that two spellings are the same
given name in different scripts or transliterations (``NAME:Q…``, from Wikidata), that one is a
nickname of the other (``NICK:BOB``), that a word is a generic organisation word
(``SYMBOL:TRADE`` for "trading"/"trade", ``SYMBOL:INTL``) or an ordinal (``NUMERIC:1``).
Here those become :class:`Token` s with a weight: long distinctive words weigh most, generic
organisation words, particles and single letters least.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, NamedTuple

from anyascii import anyascii
from rigour.names import (
    NamePartTag,
    NameTypeTag,
    Symbol,
    analyze_names,
    remove_obj_prefixes,
    remove_org_prefixes,
    remove_person_prefixes,
    tokenize_name,
)
from rigour.names.check import is_generic_person_name
from rigour.text import is_stopword
from rigour.text.scripts import text_scripts

from redlane.names.org_words import OrgWords, org_words
from redlane.normalize._util import clean_text
from redlane.normalize.names import latinize, split_legal_forms

__all__ = ["Family", "Prepared", "Token", "prepare"]

Family = Literal["person", "org", "entity", "vessel"]

_TAGS: dict[str, NameTypeTag] = {
    "person": NameTypeTag.PER,
    "org": NameTypeTag.ORG,
    "entity": NameTypeTag.ENT,
    "vessel": NameTypeTag.OBJ,
}
_MAX_NAME = 300
_IDENTITY = ("NAME", "NICK", "SYMBOL", "NUM")  # symbol categories that identify a word
_GENERIC = ("SYMBOL", "ORGCLS")  # generic organisation words
_SEMI_GENERIC = ("DOMAIN", "LOC")  # industry and place words
# Visually confusable characters folded together for the "look-alike" test (0/O, 1/l/I, 5/S…).
_SKELETON = str.maketrans("01i|5$83@4762", "ollllsbeaatgz")
# "LuckyStar", "XinChengZhiYuan": a capital inside a word starts a new word (the aligner
# re-joins what should stay one word: "Mc Donald" ↔ "mcdonald").
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
# "Bus." (an abbreviation by prefix) and "I.B.M." (letters written as an acronym).
_DOTTED_WORD = re.compile(r"(\w{3,})\.")
_DOTTED_LETTERS = re.compile(r"(?<!\w)(?:\w\.){2,}")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


class Token(NamedTuple):
    text: str  # lower-case ASCII
    skeleton: str  # look-alike characters folded
    weight: float
    generic: bool
    numeric: bool
    symbols: frozenset[str]
    pos: int
    native: bool  # transliterated from a non-Latin script


class Prepared(NamedTuple):
    tokens: tuple[Token, ...]
    forms: frozenset[str]  # legal forms, rigour's generic vocabulary (llc, jsc, …)
    key: str  # token texts joined by spaces
    joined: str  # token texts joined without spaces
    sorted_key: str  # token texts sorted, joined by spaces
    scripts: frozenset[str]
    titled: bool  # a title or honorific was removed
    raw: str  # cleaned, case-folded input
    core_raw: str  # the same without legal forms
    org: OrgWords | None = None  # acronym/abbreviation facts (org and entity families only)

    @property
    def empty(self) -> bool:
        return not self.tokens


def _roman(text: str) -> int | None:
    if len(text) < 2 or len(text) > 6 or not text.isalpha() or text.strip("ivxlc"):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN[ch]
        nxt = _ROMAN[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    return total if total > 0 else None


@lru_cache(maxsize=65_536)
def _latin(text: str) -> str:
    return latinize(text)


@lru_cache(maxsize=65_536)
def _latin_words(form: str) -> list[str]:
    """Latin words for one name part in a script rigour keeps as is (Han, Kana, Arabic…).

    Han and Kana go character by character through anyascii (one syllable each, so
    ``习近平`` → ``xi jin ping``, which the aligner can re-join to ``jinping``); everything
    else through rigour/normality's transliteration.
    """
    if all(_is_syllabic(ch) for ch in form):
        return [w for ch in form for w in tokenize_name(anyascii(ch).lower())]
    return tokenize_name(_latin(form))


def _is_syllabic(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


# Base weight of a word by length (1, 2, 3, 4, 5+ letters); generic organisation words and
# particles weigh 0.3 of that, industry/place words and very common given names 0.6.
_BY_LENGTH = (0.0, 0.48, 0.61, 0.74, 0.87, 1.0)
_SYMBOLS: dict[Symbol, tuple[str, str]] = {}


def _symbol(symbol: Symbol) -> tuple[str, str]:
    """(category, identity key or "") of a rigour symbol, memoised."""
    info = _SYMBOLS.get(symbol)
    if info is None:
        category = symbol.category.value
        key = f"{category}:{symbol.id}" if category in _IDENTITY else ""
        info = _SYMBOLS[symbol] = (category, key)
    return info


_Analysed = tuple[tuple[str, frozenset[str], bool, bool, bool], ...]


@lru_cache(maxsize=131_072)
def _analyse_word(word: str, family: Family) -> _Analysed:
    """rigour's analysis of one word, memoised: per part (Latin text, identity symbols,
    generic, industry/place word, transliterated).

    Words are analysed one at a time (names share words, so this is what makes new names
    cheap); only symbols that cover a single word are used anyway.
    """
    names = analyze_names(
        _TAGS[family],
        [word],
        infer_initials=family == "person",
        phonetics=False,
        consolidate=False,
        rewrite=False,
    )
    if not names:
        return ()
    parsed = next(iter(names))
    symbols: dict[int, set[str]] = {}
    generic: set[int] = set()
    semi: set[int] = set()
    for span in parsed.spans:
        parts = span.parts
        if len(parts) != 1:
            continue
        index = parts[0].index
        category, key = _symbol(span.symbol)
        if key:
            symbols.setdefault(index, set()).add(key)
        if category in _GENERIC:
            generic.add(index)
        elif category in _SEMI_GENERIC:
            semi.add(index)
    out: list[tuple[str, frozenset[str], bool, bool, bool]] = []
    for part in parsed.parts:
        comparable = part.comparable
        index = part.index
        texts = [comparable] if comparable.isascii() else _latin_words(part.form)
        native = len(texts) != 1 or texts[0] != part.form
        syms = frozenset(symbols.get(index, ())) if len(texts) == 1 else frozenset()
        is_generic = index in generic or part.tag == NamePartTag.LEGAL
        out += [(t, syms, is_generic, index in semi, native) for t in texts if t]
    return tuple(out)


@lru_cache(maxsize=131_072)
def _word(text: str) -> tuple[str, bool, bool]:
    """(look-alike skeleton, is a particle/stopword, is a very common given name)."""
    return text.translate(_SKELETON), is_stopword(text), is_generic_person_name(text)


def _empty(raw: str, titled: bool = False) -> Prepared:
    return Prepared((), frozenset(), "", "", "", frozenset(), titled, raw, raw)


@lru_cache(maxsize=65_536)
def prepare(name: str, family: Family) -> Prepared:
    """Analyse ``name`` as a name of the given family (cached)."""
    raw = clean_text(name[: _MAX_NAME * 2], casefold=True)
    if raw is None:
        return _empty("")
    raw = raw[:_MAX_NAME]
    text = raw
    if _CAMEL.search(name):
        text = (clean_text(_CAMEL.sub(" ", name[: _MAX_NAME * 2]), casefold=True) or raw)[
            :_MAX_NAME
        ]
    forms: tuple[str, ...] = ()
    if family in ("org", "entity"):
        text, forms = split_legal_forms(text)
        text = remove_org_prefixes(text)
    titled = False
    if family == "person" or (family == "entity" and not forms):
        # rigour's honorific list is written in Latin script ("Mr", "Dr", "Herr", "Sheikh"…).
        stripped = remove_person_prefixes(text)
        titled = stripped != text
        text = stripped
    if family == "vessel":
        text = remove_obj_prefixes(text)
    tokens: list[Token] = []
    vessel = family == "vessel"
    for word in tokenize_name(text):
        for text_, syms, is_generic, semi, native in _analyse_word(word, family):
            skeleton, particle, common = _word(text_)
            numeric = text_.isdigit()
            if vessel and (value := _roman(text_)) is not None:
                numeric = True
                syms = syms | {f"NUM:{value}"}
            flat = is_generic or particle
            if numeric:
                weight = 1.0
            else:
                weight = _BY_LENGTH[min(len(text_), 5)]
                if flat:
                    weight *= 0.3
                elif semi or (common and not vessel):
                    weight *= 0.6
            tokens.append(Token(text_, skeleton, weight, flat, numeric, syms, len(tokens), native))
    texts_ = [t.text for t in tokens]
    org = None
    if family in ("org", "entity"):
        dotted: frozenset[str] = frozenset()
        groups: frozenset[str] = frozenset()
        if "." in text:
            dotted = frozenset(_DOTTED_WORD.findall(text))
            groups = frozenset(g.replace(".", "") for g in _DOTTED_LETTERS.findall(text))
        org = org_words(tokens, dotted, groups)
    return Prepared(
        tokens=tuple(tokens),
        forms=frozenset(forms),
        key=" ".join(texts_),
        joined="".join(texts_),
        sorted_key=" ".join(sorted(texts_)),
        scripts=frozenset(text_scripts(raw)),
        titled=titled,
        raw=raw,
        core_raw=" ".join(text.split()),
        org=org,
    )

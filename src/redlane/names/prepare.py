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

from redlane.names.numerals import NUMBER_MARKERS, cardinal_run, number_value, roman_value
from redlane.names.org_words import OrgWords, org_words
from redlane.names.person_parts import GENERATION, MARKER, PersonParts, parse_person
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
_LETTERS = re.compile(r"[^\W\d_]+")
# "M.A." in a person's name: initials written together, each a word ("M. A. Khan").
_JOINED_INITIALS = re.compile(r"(?<!\w)((?:[^\W\d_]\.){2,})")


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
    parts: PersonParts | None = None  # roles of the tokens, for person names
    org: OrgWords | None = None  # acronym/abbreviation facts (org and entity families only)

    @property
    def empty(self) -> bool:
        return not self.tokens


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
    if family == "person" and "." in name:
        name = _JOINED_INITIALS.sub(_spaced_initials, name)
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
    tokens = _numbers(tokens, family)
    texts_ = [t.text for t in tokens]
    parts = None
    if family == "person" or (family == "entity" and not forms):
        head = raw.split(",", 1)[0] if "," in raw else ""
        parts = parse_person(tuple(texts_), bool(head) and len(tokenize_name(head)) == 1)
        if family == "entity" and parts.generation:
            tokens = _as_generation(tokens, parts.roles)
        if MARKER in parts.roles:  # s/o, bin, al…: particles, however short
            tokens = [
                t._replace(weight=_BY_LENGTH[min(len(t.text), 5)] * 0.3, generic=True)
                if role == MARKER
                else t
                for t, role in zip(tokens, parts.roles, strict=True)
            ]
    org = None
    if family in ("org", "entity"):
        dotted: frozenset[str] = frozenset()
        groups: frozenset[str] = frozenset()
        if "." in text:
            dotted = frozenset(_DOTTED_WORD.findall(text))
            groups = frozenset(g.replace(".", "") for g in _DOTTED_LETTERS.findall(text))
        org = org_words(tokens, dotted, groups, _lettered(name))
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
        parts=parts,
        org=org,
    )


def _spaced_initials(found: re.Match[str]) -> str:
    return " ".join(f"{letter}." for letter in found[1].split(".") if letter) + " "


def _as_generation(tokens: list[Token], roles: tuple[str, ...]) -> list[Token]:
    """A name read as a person's (``LegalEntity`` without a legal form) compares its
    generational suffix as ``Person`` does, as a generation rather than a number:
    ``John Smith II`` ↔ ``John Smith Jr`` ↔ ``John Smith``, not ↔ ``John Smith III``."""
    return [
        t._replace(numeric=False, weight=_BY_LENGTH[min(len(t.text), 5)])
        if role == GENERATION and t.numeric and not t.text.isdigit()
        else t
        for t, role in zip(tokens, roles, strict=True)
    ]


def _lettered(name: str) -> frozenset[str]:
    """Two-letter words written with a small letter in a name that uses capitals (``Go``,
    ``My`` in "Go Travel Ltd"): acronyms are written in capitals, so these are words. A name
    all in one case says nothing."""
    if not any(ch.isupper() for ch in name):
        return frozenset()
    split = _CAMEL.sub(" ", name[: _MAX_NAME * 2])
    return frozenset(
        w.casefold() for w in _LETTERS.findall(split) if len(w) == 2 and w != w.upper()
    )


def _numbers(tokens: list[Token], family: Family) -> list[Token]:
    """Numbers written as words or Roman numerals get a ``NUM:n`` symbol, so ``seven`` pairs
    with ``7`` and ``xiv`` with ``14`` (see :mod:`redlane.names.numerals`); ``twenty one`` is
    merged into one token. Outside person names they count as numbers (a different number is
    a conflict); in person names they stay words (generations are compared apart)."""
    n = len(tokens)
    # Roman numerals never as the first word (Vi, Xi, Li are names); a vessel's last word may
    # be any Roman numeral ("Star V").
    values = [number_value(t.text, i > 0) for i, t in enumerate(tokens)]
    if family == "vessel" and n > 1 and values[-1] is None:
        values[-1] = roman_value(tokens[-1].text)
    if all(v is None for v in values):
        return tokens
    texts = [t.text for t in tokens]
    out: list[Token] = []
    person = family == "person"
    i = 0
    while i < n:
        token = tokens[i]
        value = values[i]
        run = cardinal_run(texts, i) if value is not None and not token.numeric else None
        if run is not None and run[1] > 1:
            value, used = run
            merged = "".join(texts[i : i + used])
            out.append(
                Token(
                    merged,
                    merged,
                    1.0,
                    False,
                    not person,
                    frozenset({f"NUM:{value}"}),
                    len(out),
                    token.native,
                )  # fmt: skip
            )
            i += used
            continue
        if value is not None:
            numeric = token.numeric or not person
            token = token._replace(
                symbols=token.symbols | {f"NUM:{value}"},
                numeric=numeric,
                weight=1.0 if numeric else token.weight,
                generic=False if numeric else token.generic,
                pos=len(out),
            )
        elif token.text in NUMBER_MARKERS and i + 1 < n and values[i + 1] is not None:
            # "No. 3", "Number 3": the word only announces the number
            token = token._replace(
                weight=_BY_LENGTH[min(len(token.text), 5)] * 0.3, generic=True, pos=len(out)
            )
        elif token.pos != len(out):
            token = token._replace(pos=len(out))
        out.append(token)
        i += 1
    return out

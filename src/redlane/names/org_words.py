"""Organisation names: distinctive vs generic words, acronyms and abbreviations.

Organisation names are written short in two conventional ways, and a comparator that only
knows typos and rigour's synonym list misses both:

* **acronyms** — the initial letters of a run of words, written joined (``IBM``), dotted
  (``I.B.M.``) or spaced (``I B M``), with or without the connectors ``of``/``and``/``the``
  (``BOA`` and ``BOFA``-style forms: "Bank of America" → ``BA`` or ``BOA``). Only 2–6 letters
  count: longer "acronyms" are words;
* **abbreviations** of one word — a prefix written with a full stop (``Bus.`` for Business,
  ``Corp.``) or a contraction that keeps the first letter and some later consonants (``Mfg``
  for Manufacturing, ``Std`` for Standard). rigour's symbols already cover the common generic
  ones (``Intl``, ``Natl``, ``Dept``, ``Co``); these rules cover the rest.

Words are classed as *generic* (rigour's organisation-word symbols, particles: ``Token.generic``)
or *distinctive* (everything else but numbers); the ``distinctive_min`` feature (``align._side``)
is the share of each name's distinctive weight that found a match, so that two names sharing
only generic words stay apart while added, dropped or reordered generic words cost little.

Per-name facts (:class:`OrgWords`) are computed once, inside ``prepare``'s cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol

__all__ = [
    "CONNECTORS",
    "could_spell",
    "OrgWords",
    "abbreviates",
    "acronym_run",
    "org_words",
    "same_stem",
]

# Words an acronym may skip: "Bank of America" → BA or BOA, "Müller und Söhne" → MS or MUS.
CONNECTORS = frozenset(
    "of and the for de du des la le et und der die das y e del di da van voor & at in on".split()
)
_VOWELS = frozenset("aeiouy")
_MIN_ACRONYM, _MAX_ACRONYM = 2, 6
# English inflections and the derivations common in company names (Bank/Banking,
# Product/Products, Industry/Industrial): the same word for a name, not a different one.
_SUFFIXES = frozenset("s es ing ings er ers al ic ics ical ies".split())


class _Word(Protocol):
    """What is needed of a token (``prepare.Token``), without importing it (no cycle)."""

    @property
    def text(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def generic(self) -> bool: ...
    @property
    def numeric(self) -> bool: ...
    @property
    def symbols(self) -> frozenset[str]: ...


class OrgWords(NamedTuple):
    """Per-name facts for the acronym and abbreviation passes (organisation families only)."""

    acronyms: tuple[tuple[int, int, str], ...]  # (first, last token position, letters)
    abbreviations: tuple[int, ...]  # positions of tokens shaped like an abbreviation
    dotted: frozenset[int]  # positions of tokens written with a trailing full stop
    initials: str  # first letter of every token: a cheap filter before searching a run


def _is_org_generic(word: _Word) -> bool:
    """An organisation word rigour knows (``co``, ``intl``): never read as an acronym."""
    return bool(word.symbols) and any(s.startswith("SYMBOL:") for s in word.symbols)


def _contraction_shape(text: str) -> bool:
    """``mfg``, ``std``, ``mgmt``: 3–5 letters, no vowel after the first letter."""
    return 3 <= len(text) <= 5 and text.isalpha() and not _VOWELS.intersection(text[1:])


@lru_cache(maxsize=131_072)
def _shape(text: str) -> tuple[bool, bool, bool]:
    """(a single letter, shaped like an acronym, shaped like a contraction), memoised per word."""
    alpha = text.isalpha()
    return (
        len(text) == 1 and alpha,
        _MIN_ACRONYM <= len(text) <= _MAX_ACRONYM and alpha,
        _contraction_shape(text),
    )


def org_words(
    words: Sequence[_Word],
    dotted_texts: frozenset[str],
    letter_groups: frozenset[str],
    lettered: frozenset[str] = frozenset(),
) -> OrgWords:
    """Acronym candidates and abbreviation-shaped words of one prepared name.

    ``dotted_texts`` are the (case-folded) words the raw name wrote with a trailing full stop,
    ``letter_groups`` the letters it wrote dotted (``d.i.`` → ``di``): those are acronyms even
    when they spell a connector. ``lettered`` are the two-letter words a mixed-case name wrote
    with small letters (``Go``, ``My``): words, not acronyms, which are written in capitals.
    """
    acronyms: list[tuple[int, int, str]] = []
    abbreviations: list[int] = []
    dotted: set[int] = set()
    run_start = -1
    texts = [w.text for w in words]
    for i, text in enumerate(texts):
        letter, acronym_shaped, contraction_shaped = _shape(text)
        if letter:
            if run_start < 0:
                run_start = i
            continue
        if run_start >= 0:
            if _MIN_ACRONYM <= i - run_start <= _MAX_ACRONYM:
                acronyms.append((run_start, i - 1, "".join(texts[run_start:i])))
            run_start = -1
        if not (acronym_shaped or contraction_shaped or dotted_texts) or _is_org_generic(words[i]):
            continue
        if acronym_shaped and (
            text in letter_groups
            or not (text in CONNECTORS or (len(text) == _MIN_ACRONYM and text in lettered))
        ):
            acronyms.append((i, i, text))
        if dotted_texts and text in dotted_texts:
            dotted.add(i)
            abbreviations.append(i)
        elif contraction_shaped:
            abbreviations.append(i)
    n = len(texts)
    if run_start >= 0 and _MIN_ACRONYM <= n - run_start <= _MAX_ACRONYM:
        acronyms.append((run_start, n - 1, "".join(texts[run_start:])))
    initials = "".join([t[:1] for t in texts])
    return OrgWords(tuple(acronyms), tuple(abbreviations), frozenset(dotted), initials)


def acronym_run(letters: str, words: Sequence[_Word], free: Sequence[bool]) -> list[int] | None:
    """Positions of a run of consecutive ``free`` words whose initials spell ``letters``.

    Connectors (``of``, ``and``…) inside the run may be spelled or skipped; the run holds at
    least two spelled words and starts and ends on a spelled word. Numbers never count (``3M``
    is not read). Returns the first run found, left to right, or None.
    """
    n = len(words)
    size = len(letters)

    def extend(k: int, at: int, spelled: int) -> list[int] | None:
        if at == size:
            return [] if spelled >= 2 else None
        if k >= n or not free[k] or words[k].numeric:
            return None
        text = words[k].text
        if text[0] == letters[at]:
            rest = extend(k + 1, at + 1, spelled + 1)
            if rest is not None:
                return [k, *rest]
        if text in CONNECTORS and at > 0:
            rest = extend(k + 1, at, spelled)
            if rest is not None:
                return [k, *rest]
        return None

    for start in range(n - 1):
        if free[start] and words[start].text[:1] == letters[0]:
            run = extend(start, 0, 0)
            if run is not None:
                return run
    return None


def could_spell(letters: str, initials: str) -> bool:
    """Whether ``letters`` is a subsequence of a name's initials (necessary for a run)."""
    at = 0
    for ch in letters:
        at = initials.find(ch, at) + 1
        if not at:
            return False
    return True


def abbreviates(short: str, long: str, dotted: bool) -> bool:
    """``short`` is an abbreviation of ``long``: a prefix written with a full stop
    (``bus.``/``business``) or a contraction keeping the first letter and later letters in
    order, with no vowel after the first (``mfg``/``manufacturing``, ``std``/``standard``).

    The long word is at least two letters longer; undotted prefixes don't count (``Sun`` is
    not ``Sunshine``)."""
    if len(short) < 3 or len(long) < len(short) + 2 or short[0] != long[0]:
        return False
    if long.startswith(short):
        return dotted
    if not _contraction_shape(short):
        return False
    it = iter(long[1:])
    return all(ch in it for ch in short[1:])


def same_stem(short: str, long: str) -> bool:
    """``long`` is ``short`` plus an inflection or common suffix (``bank``/``banking``).

    The short word has at least 4 letters (``Sun`` is not ``Suns``' stem by this rule: typos
    cover one letter anyway); a final ``y`` may turn into ``ies``/``ial`` (``industry``)."""
    if len(short) < 4 or len(long) <= len(short) or not short.isalpha():
        return False
    if long.startswith(short):
        return long[len(short) :] in _SUFFIXES
    if short.endswith("y") and long.startswith(short[:-1]):
        return long[len(short) - 1 :] in ("ies", "ial", "ical")
    return False

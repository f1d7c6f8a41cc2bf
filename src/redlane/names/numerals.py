"""Numbers as names write them: ``7`` ↔ ``seven``, ``21`` ↔ ``twenty one``, ``III`` ↔ ``3`` ↔
``third`` ↔ ``3rd``, so the aligner can pair them as one number and keep a *different* number a
strong non-match ("Star 7" ↔ "Star Seven" match, "Star 7" ↔ "Star 8" do not).

rigour's tagger already gives single words a ``NUM:n`` symbol (``seven``, ``third``, ``3rd``,
``ii``) but only per word, and ``twenty-one`` is two words once tokenised; Roman numerals beyond
its short list (``xiv``) are not tagged. This module is the English-only complement:

* cardinal words 0–999 (``one hundred and five``, ``twenty-one``), with :func:`words_of` as the
  inverse used by the tests and the pair generator;
* ordinals (``first`` … ``twentieth``, ``thirtieth``…, ``1st``, ``22nd``, ``3rd``, ``4th``);
* Roman numerals in canonical form (``xiv``, not ``iiii``) from I to MMMCMXCIX. Which Roman
  words count is the caller's choice (:func:`roman_is_unambiguous`): ``Vi``, ``Xi``, ``Di``,
  ``Li``, ``Mi`` and single letters are names and initials as often as numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "cardinal_run",
    "number_value",
    "ordinal_value",
    "roman_is_unambiguous",
    "roman_of",
    "roman_value",
    "words_of",
]

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_CARDINAL: dict[str, int] = {w: i for i, w in enumerate(_UNITS)}
_CARDINAL.update({w: 10 * i for i, w in enumerate(_TENS) if i >= 2})
_CARDINAL["fourty"] = 40  # a common misspelling in registers
_ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}  # fmt: skip
# Digits with an ordinal ending: English (3rd), and the written forms of French (3e, 3eme,
# 3er), Spanish/Italian/Portuguese (3o, 3ro, 3ra, 5to, 8va, 7ma), Dutch/German (5de, 5te, 5ste)
# ordinals ("Ordinal indicator", Wikipedia). Bare "o" and "a" are left out: "5a" is more often
# a unit or house letter than "quinta", and "5o" a look-alike of "50".
_ORDINAL_DIGITS = re.compile(
    r"^(\d{1,6})(st|nd|rd|th|e|eme|ème|er|re|º|ª|ro|ra|do|da|to|ta|vo|va|mo|ma|no|na|de|te|ste)$"
)
# Roman numerals with an English ordinal ending (Vth, XVIth; not French "e": Le, Vie, Lie are
# words); a number marker glued to its digits (No1, No.12, Nr5, #3).
_ROMAN_ORDINAL = re.compile(r"^([ivxlc]{1,7})(st|nd|rd|th)$")
_MARKED_DIGITS = re.compile(r"^(?:no|nr|n°|#)\.?(\d{1,6})$")
# Words that only announce the number after them ("No. 3", "Number 3", "Nr 3"): particles.
NUMBER_MARKERS = frozenset({"no", "nr", "num", "number", "nº", "n°", "#"})
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN_STEPS = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
    (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)  # fmt: skip
# Roman-looking words that are given or family names (Vi, Xi, Li, Di, Mi, Dix, Lil…) as often
# as numbers, and single letters (initials): never read as numerals outside a vessel's number slot.
_ROMAN_NAMES = frozenset({"vi", "xi", "li", "di", "mi", "dix", "lil", "mil", "mix", "liv", "cid"})


def roman_of(value: int) -> str:
    """Canonical lower-case Roman numeral of 1..3999."""
    if not 0 < value < 4000:
        raise ValueError(f"no Roman numeral for {value}")
    out: list[str] = []
    for step, letters in _ROMAN_STEPS:
        count, value = divmod(value, step)
        out.append(letters * count)
    return "".join(out)


@lru_cache(maxsize=4096)
def roman_value(text: str) -> int | None:
    """Value of a canonical Roman numeral (``xiv`` → 14); ``None`` for anything else
    (``iiii``, ``vx``, ``civil``)."""
    text = text.lower()
    if not text or len(text) > 15 or text.strip("ivxlcdm"):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN[ch]
        nxt = _ROMAN[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    if not 0 < total < 4000 or roman_of(total) != text:
        return None
    return total


def roman_is_unambiguous(text: str) -> bool:
    """A Roman numeral that is rarely a name or an initial: 2+ letters of I, V and X only
    (``ii``, ``iv``, ``xiv``, ``xxxix``), not ``vi``/``xi`` (Vietnamese and Chinese names)."""
    text = text.lower()
    return len(text) >= 2 and not text.strip("ivx") and text not in _ROMAN_NAMES


def ordinal_value(text: str) -> int | None:
    """``third`` → 3, ``3rd`` → 3, ``21st`` → 21; ``None`` otherwise."""
    text = text.lower()
    found = _ORDINAL_WORDS.get(text)
    if found is not None:
        return found
    m = _ORDINAL_DIGITS.match(text) or _MARKED_DIGITS.match(text)
    if m:
        return int(m.group(1))
    m = _ROMAN_ORDINAL.match(text)
    return roman_value(m.group(1)) if m else None


@lru_cache(maxsize=65_536)
def number_value(text: str, roman: bool = True) -> int | None:
    """The number one word stands for: digits, an English cardinal or ordinal word, or (when
    ``roman``) an unambiguous Roman numeral. Compound cardinals need :func:`cardinal_run`."""
    text = text.lower()
    if text.isdigit() and text.isascii():
        return int(text[:18])
    found = _CARDINAL.get(text)
    if found is not None:
        return found
    if text == "hundred":
        return 100
    found = ordinal_value(text)
    if found is not None:
        return found
    if roman and roman_is_unambiguous(text):
        return roman_value(text)
    return None


def _word_value(word: str) -> int | None:
    """A cardinal or ordinal word's number (``five``, ``fifth``)."""
    text = word.lower()
    return _CARDINAL.get(text, _ORDINAL_WORDS.get(text))


def cardinal_run(words: list[str] | tuple[str, ...], start: int) -> tuple[int, int] | None:
    """An English cardinal 0–999 written as words from ``words[start]``: (value, words used),
    or ``None``. ``twenty one`` → (21, 2); ``one hundred and five`` → (105, 4); a lone
    ``hundred`` is 100. Only runs of two or more words or a single cardinal word are read."""
    n = len(words)
    i = start
    value = 0
    head = words[i].lower() if i < n else ""
    if head in _CARDINAL and i + 1 < n and words[i + 1].lower() == "hundred":
        if not 0 < _CARDINAL[head] < 10:
            return None
        value, i = _CARDINAL[head] * 100, i + 2
        if i + 1 < n and words[i].lower() == "and" and _word_value(words[i + 1]) is not None:
            i += 1
    elif head == "hundred":
        value, i = 100, i + 1
    tail = words[i].lower() if i < n else ""
    tail_value = _CARDINAL.get(tail)
    if tail_value is None and value:  # "one hundred and third"
        tail_value = _ORDINAL_WORDS.get(tail)
    if tail_value is not None and (value == 0 or tail_value < 100):
        if value and tail_value == 0:
            return (value, i - start) if i > start else None
        part = tail_value
        i += 1
        unit = words[i].lower() if i < n else ""
        # "twenty one", and the compound ordinal "twenty first" (= 21st)
        unit_value = _CARDINAL.get(unit, _ORDINAL_WORDS.get(unit))
        if 20 <= part < 100 and part % 10 == 0 and unit_value is not None and 0 < unit_value < 10:
            part += unit_value
            i += 1
        value += part
    if i == start:
        return None
    return value, i - start


def words_of(value: int) -> list[str]:
    """English cardinal words of 0..999 (``105`` → ``one hundred and five``)."""
    if not 0 <= value < 1000:
        raise ValueError(f"{value} is outside 0..999")
    out: list[str] = []
    hundreds, rest = divmod(value, 100)
    if hundreds:
        out += [_UNITS[hundreds], "hundred"]
        if rest:
            out.append("and")
    if rest or not hundreds:
        if rest < 20:
            out.append(_UNITS[rest])
        else:
            tens, unit = divmod(rest, 10)
            out.append(_TENS[tens])
            if unit:
                out.append(_UNITS[unit])
    return out

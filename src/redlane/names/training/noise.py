"""Ways one name gets written differently: the transformations behind the labelled pairs.

Each works on a list of words and a ``random.Random`` and returns a new list (never mutates).
"""

from __future__ import annotations

import random
import string

from anyascii import anyascii

__all__ = [
    "casing",
    "drop_diacritics",
    "join_words",
    "lookalike",
    "punctuate",
    "render",
    "romanize",
    "typo",
]

_LOOKALIKE = {"o": "0", "l": "1", "i": "1", "s": "5", "e": "3", "a": "4", "b": "8", "g": "9"}
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}


def _pick(rng: random.Random, words: list[str], min_len: int) -> int | None:
    idx = [i for i, w in enumerate(words) if len(w) >= min_len and w.isalpha()]
    return rng.choice(idx) if idx else None


def _edit(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word)) if len(word) > 1 else 0
    op = rng.choice(("sub", "del", "ins", "swap"))
    letter = rng.choice(string.ascii_lowercase)
    if word[i].isupper():
        letter = letter.upper()
    if op == "sub":
        return word[:i] + letter + word[i + 1 :]
    if op == "del":
        return word[:i] + word[i + 1 :]
    if op == "ins":
        return word[:i] + letter + word[i:]
    i = min(i, len(word) - 2)
    j = i + 1
    chars = list(word)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def typo(rng: random.Random, words: list[str], edits: int = 1) -> list[str]:
    """One (or more) keyboard slips: substitution, deletion, insertion, neighbour swap."""
    out = list(words)
    for _ in range(edits):
        i = _pick(rng, out, 4)
        if i is None:
            return out
        out[i] = _edit(rng, out[i])
    return out


def lookalike(rng: random.Random, words: list[str]) -> list[str]:
    """A letter replaced by the digit that looks like it (o→0, l→1, s→5…)."""
    out = list(words)
    idx = [i for i, w in enumerate(out) if any(c.lower() in _LOOKALIKE for c in w[1:])]
    if not idx:
        return out
    i = rng.choice(idx)
    word = out[i]
    spots = [k for k in range(1, len(word)) if word[k].lower() in _LOOKALIKE]
    k = rng.choice(spots)
    out[i] = word[:k] + _LOOKALIKE[word[k].lower()] + word[k + 1 :]
    return out


def join_words(rng: random.Random, words: list[str]) -> list[str]:
    """Two neighbouring words written as one (``Lucky Star`` → ``LuckyStar``)."""
    if len(words) < 2:
        return list(words)
    i = rng.randrange(len(words) - 1)
    second = words[i + 1]
    glue = second if rng.random() < 0.5 else second.lower()
    return words[:i] + [words[i] + glue] + words[i + 2 :]


def drop_diacritics(rng: random.Random, words: list[str]) -> list[str]:
    """``Müller`` → ``Muller`` or the German ``Mueller``."""
    if rng.random() < 0.5:
        return ["".join(_GERMAN.get(c, c) for c in w) for w in words]
    return [anyascii(w) if not w.isascii() else w for w in words]


def romanize(rng: random.Random, words: list[str]) -> list[str]:
    """Native script → Latin, by one of two schemes (anyascii's, or rigour's via normalize)."""
    from redlane.normalize.names import latinize

    if rng.random() < 0.5:
        return [anyascii(w) for w in words]
    return [latinize(w).title().replace(" ", "") for w in words]


def casing(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.3:
        return text.upper()
    if roll < 0.45:
        return text.lower()
    return text


def punctuate(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.2:
        return text.replace(" ", "  ", 1)
    if roll < 0.35:
        return text.replace(" ", ", ", 1)
    if roll < 0.45:
        return text.replace(" ", "-", 1)
    if roll < 0.55:
        return text + "."
    return text


def render(rng: random.Random, words: list[str], noisy: bool = True) -> str:
    text = " ".join(w for w in words if w)
    if noisy:
        text = punctuate(rng, casing(rng, text))
    return text

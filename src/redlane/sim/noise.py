"""Character-level noise that people and systems put into the same name or address.

Clerks mistype (insert, delete, substitute, transpose), systems upper-case everything or strip
punctuation, and forms abbreviate. These are the errors entity resolution has to see through, so
they are applied at realistic, low rates on top of the structural variants made in ``names`` and
``contacts``.
"""

from __future__ import annotations

import random
import re

from anyascii import anyascii

LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Neighbouring keys on a QWERTY keyboard: most real substitutions hit a neighbour.
_NEIGHBOURS = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}


def typo(text: str, rng: random.Random) -> str:
    """One keyboard error at a letter position (never the first letter: people get that right)."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    if not positions:
        return text
    i = rng.choice(positions)
    ch = text[i]
    op = rng.random()
    if op < 0.3:  # substitute with a neighbouring key, keeping case
        pool = _NEIGHBOURS.get(ch.lower(), LETTERS)
        new = rng.choice(pool)
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
    if op < 0.55:  # delete
        return text[:i] + text[i + 1 :]
    if op < 0.8:  # insert a doubled letter
        return text[:i] + ch + text[i:]
    j = i + 1 if i + 1 < len(text) and text[i + 1].isalpha() else i - 1
    if j <= 0:
        return text
    a, b = sorted((i, j))
    return text[:a] + text[b] + text[a] + text[b + 1 :]


def case_change(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return text.upper()
    if r < 0.8:
        return text.lower()
    return text.title()


_PUNCT = re.compile(r"[.,]")


def strip_punctuation(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text).split())


def squeeze(text: str) -> str:
    return " ".join(text.split())


def maybe(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, for file names and URLs."""
    ascii_text = anyascii(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "x"

"""Postal addresses: one comparison key per address, postcodes, and known forwarder addresses.

The key is rigour's ``address_fingerprint``: case-folded tokens, keywords shortened to one form
(``Street``/``Str.``/``st`` → ``st``, ``Boulevard`` → ``blvd``, ``Suite`` → ``ste``), numbers as
plain digits, country names in any language as their code, and free text transliterated where a
systematic romanisation exists. Word order is kept (``17 … 1`` ≠ ``1 … 17``).

Parcel forwarders and consolidators give every customer the same street address plus a
personal unit or suite number, so :class:`ForwarderRegistry` compares addresses with the unit
designator and its value removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rigour.addresses import address_fingerprint, compare_address

from redlane.normalize._util import clean_text, fixpoint

__all__ = ["ForwarderMatch", "ForwarderRegistry", "address", "address_core", "postcode"]

# Unit designators after rigour's keyword shortening (suite → ste, apartment and flat → apt,
# unit → unt, room → rm, floor → fl, P.O. Box → pobox) and the value after each: a token with a
# digit, optionally behind a short letter code ("Suite RL-88213" → "ste rl 88213"; "Flat No. 4"
# → "apt no 4"), or a unit letter alone ("Flat D", "Flt H"). Not designators:
# - "No"/"Nr" alone: after a street it is the house number (Turkish "İnönü Caddesi No: 111",
#   German "Hauptstraße Nr. 5"); without it every house of a street shared one key;
# - "Building"/"Bldg": in Hong Kong's order (flat, floor, building name, street number, street:
#   "Flat D, 19/F, Fook Hing Building, 77 Queen's Road Central") the number after it is the
#   street's, and dropping it made every building of a road one address.
_UNIT = re.compile(
    r"(?:^|\s)(?:ste|apt|flt|unt|unit|rm|fl|flr|box|pobox|pmb|dept)"
    r"(?:(?:\s+[a-z]{1,3})?\s+[a-z]{0,3}\d[\w-]*|\s+[a-z])(?=\s|$)"
)
# A floor written "19/F" (Hong Kong): a unit, not a house number. Read before the fingerprint,
# which makes it "19 f", as it makes "12 F Street" (Washington) "12 f st".
_FLOOR = re.compile(r"(?i)(?<![\w/])\d+\s*/\s*F\b")
_POSTCODE = re.compile(r"[A-Z0-9]{2,10}")


def _address_step(text: str) -> str | None:
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    return address_fingerprint(cleaned)


def address(text: str | None) -> str | None:
    """``"123 Main Street, Apt 4B, Springfield"`` → ``"123 main st apt 4b springfield"``."""
    return fixpoint(_address_step, text)


def address_core(text: str | None) -> str | None:
    """The address key without unit, suite, room, floor, mailbox and PO-box designators."""
    key = address(_FLOOR.sub(" ", text) if text else text)
    if key is None:
        return None
    core = _UNIT.sub(" ", key)
    core = " ".join(core.split())
    return core or None


def postcode(text: str | None, country: str | None = None) -> str | None:
    """``"sw1a 1aa"`` → ``"SW1A1AA"``; ``"62704-1234"`` with country ``"US"`` → ``"62704"``.

    Upper-case letters and digits only, 2–10 of them, at least one digit. For the US the
    ZIP+4 extension is dropped, since half the feeds never have it.
    """
    cleaned = clean_text(text)
    if cleaned is None or len(cleaned) > 40:
        return None
    compact = "".join(ch for ch in cleaned.upper() if ch.isalnum())
    if not compact.isascii() or _POSTCODE.fullmatch(compact) is None:
        return None
    if not any(ch.isdigit() for ch in compact):
        return None
    if country is not None and country.strip().upper() == "US" and compact.isdigit():
        if len(compact) == 9:
            compact = compact[:5]
    return compact


@dataclass(frozen=True)
class ForwarderMatch:
    """A known forwarder address that an address resolves to."""

    label: str
    known: str
    score: float


class ForwarderRegistry:
    """Flags addresses of known parcel forwarders / consolidators, whatever the unit number.

    ``ForwarderRegistry({"ShipFast PDX": "1234 Forwarder Way, Portland OR 97201"})`` then
    ``.match("1234 FORWARDER WAY STE RL-88213 PORTLAND OR 97201")`` → a :class:`ForwarderMatch`.
    Exact core keys are looked up first; otherwise rigour's fuzzy ``compare_address`` between
    cores must reach ``threshold``.
    """

    def __init__(self, known: Mapping[str, str] | Iterable[str], threshold: float = 0.9) -> None:
        items = known.items() if isinstance(known, Mapping) else ((k, k) for k in known)
        self.threshold = threshold
        self._by_core: dict[str, tuple[str, str]] = {}
        for label, text in items:
            core = address_core(text)
            if core is not None:
                self._by_core.setdefault(core, (label, text))

    def __len__(self) -> int:
        return len(self._by_core)

    def match(self, text: str | None) -> ForwarderMatch | None:
        core = address_core(text)
        if core is None:
            return None
        hit = self._by_core.get(core)
        if hit is not None:
            return ForwarderMatch(hit[0], hit[1], 1.0)
        best: ForwarderMatch | None = None
        for known_core, (label, known) in self._by_core.items():
            score = compare_address(core, known_core)
            if score >= self.threshold and (best is None or score > best.score):
                best = ForwarderMatch(label, known, score)
        return best

    def is_forwarder(self, text: str | None) -> bool:
        return self.match(text) is not None

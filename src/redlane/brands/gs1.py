"""GS1 identifiers on goods: GTINs for product lines, SGTINs (GTIN + serial) for units.

Rights holders label units with GS1 identifiers; a scanner or an officer hands them to us in
one of several forms, all read by the ``biip`` library (check digits always verified):

* plain digits: a GTIN-8, -12 (UPC-A), -13 (EAN) or -14; spaces and hyphens are ignored;
* a GS1 element string, as printed under a barcode ``(01)09506000134352(21)ABC123`` or as a
  GS1-128 / DataMatrix scanner sends it ``010950600013435221ABC123`` (variable-length fields
  ended by FNC1, the ASCII group separator), with or without a symbology identifier (``]d2``,
  ``]C1``, ``]Q3``…);
* a GS1 Digital Link URI ``https://id.gs1.org/01/09506000134352/21/ABC123`` (any host).

What redlane keeps of it: AI (01) GTIN, normalised to GTIN-14 (it names a product line), and
AI (21) serial (it names a unit: the authentication code that :mod:`redlane.brands.codes`
hashes). Other AIs (lot, expiry…) are read and ignored. Error messages never repeat a serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from biip import BiipException, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import SymbologyIdentifier

from redlane.errors import RedlaneError

GTIN_AI: Final = "01"
SERIAL_AI: Final = "21"
GTIN_LENGTHS: Final = (8, 12, 13, 14)
# The scanner's stand-in for FNC1 between variable-length element strings.
GROUP_SEPARATOR: Final = "\x1d"
# How a code given to authentication is read: ``auto`` (GS1 when it is unmistakably GS1, see
# :func:`is_marked_gs1`), ``code`` (always the brand's own code) or ``gs1`` (always GS1).
CODE_FORMATS: Final = ("auto", "code", "gs1")

Form = Literal["gtin", "element_string", "digital_link"]
_PLAIN_GTIN_RE: Final = re.compile(r"^\d+$")
_SEPARATORS_RE: Final = re.compile(r"[\s\-]")
# A scanner's element string without parentheses: (01) + 14 digits, then (21) right after.
_BARE_SGTIN_RE: Final = re.compile(r"^01(\d{14})21\S")
# What biip raises on input it cannot read: its own errors, and a few plain ones on odd input
# (a lone "]" makes its symbology reader index past the end).
_BIIP_FAILURES: Final = (BiipException, ValueError, IndexError, KeyError)


class GS1Error(RedlaneError):
    STATUS = 422


@dataclass(frozen=True)
class GS1Id:
    """What a GS1 reading names: a product (GTIN-14) and, for a unit, its serial (AI 21)."""

    gtin: str
    serial: str | None
    form: Form


def gtin14(digits: str) -> str:
    """A GTIN of 8, 12, 13 or 14 digits as GTIN-14, its check digit verified."""
    if not _PLAIN_GTIN_RE.match(digits) or len(digits) not in GTIN_LENGTHS:
        raise GS1Error(
            f"GTIN {digits!r} must be 8, 12, 13 or 14 digits, not {len(digits)} characters"
        )
    try:
        gtin = Gtin.parse(digits)
    except ParseError as err:
        raise GS1Error(_check_digit_message(digits, str(err))) from err
    return gtin.as_gtin_14()


def _check_digit_message(digits: str, problem: str) -> str:
    found = re.search(r"Expected (\d), got (\d)", problem)
    if found:
        return (
            f"GTIN {digits} has a wrong check digit: expected {found[1]}, got {found[2]} "
            "(mistyped or not a GTIN)"
        )
    return f"GTIN {digits} is not valid: {problem}"


def read(raw: str) -> GS1Id:
    """Any of the forms in the module doc → GTIN-14 and serial; :class:`GS1Error` otherwise."""
    text = raw.strip()
    if not text:
        raise GS1Error("empty GS1 identifier")
    if text.startswith("]"):
        return _after_symbology(text)
    if text.lower().startswith(("http://", "https://")):
        return _from_elements(_digital_link(text), "digital_link")
    if text.startswith("("):
        return _from_elements(_human_readable(text), "element_string")
    compact = _SEPARATORS_RE.sub("", text)
    if _PLAIN_GTIN_RE.match(compact) and len(compact) <= max(GTIN_LENGTHS):
        return GS1Id(gtin14(compact), None, "gtin")
    return _from_elements(_scanned(text.lstrip(GROUP_SEPARATOR)), "element_string")


def read_gtin(raw: str) -> str:
    """A product's GTIN in any form, as GTIN-14; a unit's identifier (with a serial) is refused."""
    found = read(raw)
    if found.serial is not None:
        raise GS1Error(
            f"GTIN {found.gtin}: a product line takes the GTIN alone, not a unit's serial (AI 21)"
        )
    return found.gtin


def is_marked_gs1(raw: str) -> bool:
    """Whether a code read off goods is unmistakably GS1 rather than a brand's own code.

    Own codes are 6–64 letters and digits, so plain digits stay own codes; GS1 is what carries
    parentheses, a symbology identifier, a group separator, a URI, or starts like a scanned
    SGTIN: (01), a GTIN-14 with a right check digit, then (21)."""
    text = raw.strip()
    if text.startswith(("(", "]")) or GROUP_SEPARATOR in text:
        return True
    if text.lower().startswith(("http://", "https://")):
        return True
    bare = _BARE_SGTIN_RE.match(text)
    return bare is not None and _check_digit_ok(bare[1])


def _check_digit_ok(digits: str) -> bool:
    try:
        Gtin.parse(digits)
    except ParseError:
        return False
    return True


def _after_symbology(text: str) -> GS1Id:
    try:
        symbology = SymbologyIdentifier.extract(text)
    except _BIIP_FAILURES as err:
        raise GS1Error(f"unknown barcode symbology identifier {text[:3]!r}") from err
    rest = text[len(symbology) :]
    if not rest or rest.startswith("]"):
        raise GS1Error("nothing follows the symbology identifier")
    return read(rest)


def _digital_link(text: str) -> GS1ElementStrings:
    try:
        return GS1DigitalLinkURI.parse(text).element_strings
    except _BIIP_FAILURES as err:
        raise GS1Error(f"not a GS1 Digital Link URI: {_without_values(str(err))}") from err


def _human_readable(text: str) -> GS1ElementStrings:
    try:
        return GS1Message.parse_hri(text).element_strings
    except _BIIP_FAILURES as err:
        raise GS1Error(f"not a GS1 element string: {_without_values(str(err))}") from err


def _scanned(text: str) -> GS1ElementStrings:
    if not text[:2].isdigit():
        raise GS1Error(
            "not a GS1 identifier: expected digits (a GTIN), an element string such as"
            " (01)…(21)…, or a Digital Link URI"
        )
    try:
        return GS1Message.parse(text).element_strings
    except _BIIP_FAILURES as err:
        raise GS1Error(f"not a GS1 element string: {_without_values(str(err))}") from err


def _without_values(problem: str) -> str:
    """biip quotes the value it failed on; a serial must never be repeated back."""
    return re.sub(r"'[^']*'", "…", problem).rstrip(".")


def _from_elements(elements: GS1ElementStrings, form: Form) -> GS1Id:
    by_ai = {element.ai.ai: element.value for element in elements}
    if GTIN_AI not in by_ai:
        raise GS1Error("the GS1 identifier carries no GTIN (AI 01)")
    serial = by_ai.get(SERIAL_AI)
    return GS1Id(gtin14(by_ai[GTIN_AI]), serial or None, form)

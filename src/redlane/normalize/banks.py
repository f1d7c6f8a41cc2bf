"""Bank accounts: IBANs compacted and checksum-validated (ISO 13616 via rigour/python-stdnum)."""

from __future__ import annotations

import re

from rigour.ids import IBAN

from redlane.normalize._util import clean_text

__all__ = ["bank_account", "iban"]

_SEPARATORS = re.compile(r"[\s\-./_:]+")
_ACCOUNT = re.compile(r"[A-Z0-9]{4,34}")


def _compact(text: str | None) -> str | None:
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    compact = _SEPARATORS.sub("", cleaned).upper()
    if compact.startswith("IBAN"):
        compact = compact[4:]
    return compact or None


def iban(text: str | None) -> str | None:
    """``"de89 3704 0044 0532 0130 00"`` → ``"DE89370400440532013000"``; bad checksum → ``None``."""
    compact = _compact(text)
    if compact is None or not compact.isascii() or not compact.isalnum():
        return None
    try:
        return IBAN.normalize(compact)
    except Exception:  # noqa: BLE001 - totality
        return None


def bank_account(text: str | None) -> str | None:
    """An account number as one key: a valid IBAN, else the upper-case alphanumeric compact form.

    Text that looks like an IBAN (two letters, two digits) but fails the checksum gives
    ``None``: a mistyped IBAN must not become a key that links two parties.
    """
    compact = _compact(text)
    if compact is None or not compact.isascii() or _ACCOUNT.fullmatch(compact) is None:
        return None
    if compact[:2].isalpha() and compact[2:4].isdigit() and len(compact) >= 15:
        return iban(compact)
    if not any(ch.isdigit() for ch in compact):
        return None
    return compact

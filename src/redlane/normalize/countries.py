"""Countries → ISO 3166-1 alpha-2, from codes or names in many languages.

Names, alpha-3 codes, alpha-2 codes and common alternates (``UK``, ``Deutschland``,
``Россия``, ``Syrian Arab Republic``) are resolved by ``rigour.territories``; the answer is kept
only if it is a current ISO 3166-1 country per ``pycountry`` (plus ``XK``, Kosovo, which every
customs and postal system uses).
"""

from __future__ import annotations

import pycountry
from rigour.territories import lookup_territory

from redlane.normalize._util import clean_text

__all__ = ["country"]

_EXTRA = frozenset({"XK"})
_MAX_COUNTRY = 80


def _iso(code: str) -> str | None:
    code = code.upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    if code in _EXTRA or pycountry.countries.get(alpha_2=code) is not None:
        return code
    return None


def country(text: str | None) -> str | None:
    """``"Deutschland"`` / ``"DEU"`` / ``"de"`` → ``"DE"``; ``"UK"`` → ``"GB"``; else ``None``."""
    cleaned = clean_text(text)
    if cleaned is None or len(cleaned) > _MAX_COUNTRY:
        return None
    try:
        direct = _iso(cleaned)
        if direct is not None and direct != "UK":
            return direct
        if len(cleaned) == 3 and cleaned.isascii() and cleaned.isalpha():
            found = pycountry.countries.get(alpha_3=cleaned.upper())
            if found is not None:
                return _iso(str(found.alpha_2))
        territory = lookup_territory(cleaned)
        if territory is None:
            return None
        code = territory.code.split("-")[0]
        return _iso(code)
    except Exception:  # noqa: BLE001 - totality
        return None

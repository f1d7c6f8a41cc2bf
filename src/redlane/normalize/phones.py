"""Phone numbers → E.164 with ``phonenumbers`` (Google's libphonenumber metadata)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from redlane.normalize._util import MAX_INPUT

__all__ = ["phone"]

_MAX_PHONE = 250  # libphonenumber's own limit on input length
_E164 = phonenumbers.PhoneNumberFormat.E164

# Validity checks try the metadata patterns of every region sharing a country code; past the
# size of ``re``'s own cache they are recompiled over and over. The switch exists from
# phonenumbers 9.0.43 on (older versions simply keep ``re``'s behaviour).
_enable_pattern_cache = getattr(phonenumbers, "enable_pattern_cache", None)
if _enable_pattern_cache is not None:
    _enable_pattern_cache()

# E.164 string → whether ``phone`` returns it. Many raw spellings of one number ("+86 138…",
# "0086138…", "138-…") share it. Bounded: emptied when full, so a run of millions stays flat.
_VERDICTS: dict[str, bool] = {}
_MAX_VERDICTS = 1 << 17


@lru_cache(maxsize=1024)
def _region(default_region: str | None) -> str | None:
    if default_region is None:
        return None
    region = default_region.strip().upper()
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region
    return None


def _round_trips(out: str) -> bool:
    """``out`` parses back, from no region, to a number whose E.164 is ``out`` again."""
    again = phonenumbers.parse(out, None)
    return bool(phonenumbers.format_number(again, _E164) == out)


def _verdict(number: phonenumbers.PhoneNumber, out: str) -> bool:
    """``number`` (E.164 ``out``) is valid and ``out`` round-trips.

    A function of ``out`` alone, hence cacheable by it: validity depends only on the country
    code and the national significant number; E.164 is ``+`` followed by exactly those and
    country codes are prefix-free, so when ``out`` round-trips the parsed-back number has the
    same code and digits as ``number`` (and the same validity, which is why it is not asked
    twice); when it does not, the verdict is false whatever ``number`` is.
    """
    try:
        return bool(phonenumbers.is_valid_number(number)) and _round_trips(out)
    except Exception:  # noqa: BLE001 - totality: unparsable input has no number
        return False


def phone(text: str | None, default_region: str | None = None) -> str | None:
    """``"(030) 1234-5678"``, region ``"DE"`` → ``"+493012345678"``.

    A number written without a country code is read in ``default_region`` (an ISO alpha-2
    code; unknown regions are ignored). Returns ``None`` unless libphonenumber holds the
    number valid for its region, so placeholders like ``000 000 0000`` and numbers of the
    wrong length are dropped. Extensions are not kept. E.164 output parses back to itself
    whatever the region, so the function is idempotent.
    """
    if text is None or len(text) > MAX_INPUT:
        return None
    text = text.strip()
    if not text or len(text) > _MAX_PHONE:
        return None
    try:
        number = phonenumbers.parse(text, _region(default_region))
        out = phonenumbers.format_number(number, _E164)
    except Exception:  # noqa: BLE001 - totality: unparsable input has no number
        return None
    verdict = _VERDICTS.get(out)
    if verdict is None:
        verdict = _verdict(number, out)
        if len(_VERDICTS) >= _MAX_VERDICTS:
            _VERDICTS.clear()
        _VERDICTS[out] = verdict
    return out if verdict else None

"""Phone numbers → E.164 with ``phonenumbers`` (Google's libphonenumber metadata)."""

from __future__ import annotations

import phonenumbers

from redlane.normalize._util import MAX_INPUT

__all__ = ["phone"]

_MAX_PHONE = 250  # libphonenumber's own limit on input length


def _region(default_region: str | None) -> str | None:
    if default_region is None:
        return None
    region = default_region.strip().upper()
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region
    return None


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
        if not phonenumbers.is_valid_number(number):
            return None
        out = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        again = phonenumbers.parse(out, None)
        if phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164) != out:
            return None
        return out if phonenumbers.is_valid_number(again) else None
    except Exception:  # noqa: BLE001 - totality: unparsable input has no number
        return None

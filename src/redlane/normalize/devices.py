"""Device identifiers and IP addresses.

IPs go through :mod:`ipaddress` (IPv4-mapped IPv6 folded to IPv4, IPv6 compressed, ports and
brackets dropped). Device ids: advertising ids and other UUIDs in canonical lower-case form
(the all-zero "limit ad tracking" id is no id), MAC addresses as ``aa:bb:cc:dd:ee:ff``, IMEIs as
15 Luhn-checked digits, anything else as a lower-case alphanumeric compact form.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from redlane.normalize._util import clean_text

__all__ = ["device_id", "ip_address"]

_PORT4 = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$")
_PORT6 = re.compile(r"^\[([0-9a-fA-F:.]+(?:%[\w.]+)?)\](?::\d{1,5})?$")
_HEX = re.compile(r"[0-9a-f]+")
_COMPACT_DROP = re.compile(r"[\s\-:._/]+")
_ID = re.compile(r"[0-9a-z]{6,128}")


def ip_address(text: str | None) -> str | None:
    """``"::ffff:192.0.2.1"`` → ``"192.0.2.1"``; ``"[2001:DB8::1]:443"`` → ``"2001:db8::1"``."""
    cleaned = clean_text(text)
    if cleaned is None or len(cleaned) > 100:
        return None
    for pattern in (_PORT4, _PORT6):
        m = pattern.match(cleaned)
        if m:
            cleaned = m.group(1)
    try:
        ip = ipaddress.ip_address(cleaned)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def device_id(text: str | None) -> str | None:
    """Canonical form of a device identifier (UUID/IDFA/GAID, MAC, IMEI, other)."""
    cleaned = clean_text(text, casefold=True)
    if cleaned is None or len(cleaned) > 200 or not cleaned.isascii():
        return None
    compact = _COMPACT_DROP.sub("", cleaned.strip("{}"))
    if len(compact) == 32 and _HEX.fullmatch(compact):
        if set(compact) == {"0"}:
            return None
        return str(uuid.UUID(hex=compact))
    if (
        len(compact) == 12
        and _HEX.fullmatch(compact)
        and ":" in cleaned
        or (len(compact) == 12 and _HEX.fullmatch(compact) and cleaned.count("-") == 5)
    ):
        if set(compact) in ({"0"}, {"f"}):
            return None
        return ":".join(compact[i : i + 2] for i in range(0, 12, 2))
    if len(compact) == 15 and compact.isdigit() and _luhn(compact):
        return compact
    if _ID.fullmatch(compact) is None or len(set(compact)) == 1:
        return None
    return compact

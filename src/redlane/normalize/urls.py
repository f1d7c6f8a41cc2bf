"""URLs and social-media handles.

URLs: scheme, ``www.`` / ``m.`` and the fragment dropped; host lower-cased and IDNA-encoded;
default ports, tracking parameters (``utm_*``, ``fbclid``, ``gclid``…) and a trailing slash
removed; the remaining query parameters sorted. ``https://WWW.Shop.com/a/?utm_source=x&b=1``
→ ``shop.com/a?b=1``.

Handles: ``"@Some.Seller"``, ``"some.seller"`` and ``"https://instagram.com/some.seller/"`` all
→ ``"@some.seller"``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from redlane.normalize._util import clean_text, fixpoint

__all__ = ["SOCIAL_HOSTS", "TRACKING_PARAMS", "handle", "url"]

#: Query parameters that only track the click, never select the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "si",
        "spm", "scm", "share_id", "srsltid", "mkt_tok", "_hsenc", "_hsmi", "trk",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "hsa_")
#: Hosts whose first path segment is the account handle.
SOCIAL_HOSTS = frozenset(
    {
        "instagram.com", "facebook.com", "fb.com", "twitter.com", "x.com", "tiktok.com",
        "t.me", "telegram.me", "youtube.com", "pinterest.com", "threads.net", "vk.com",
        "weibo.com", "linkedin.com", "snapchat.com", "github.com", "reddit.com",
    }
)  # fmt: skip
_SKIP_SEGMENTS = frozenset({"in", "company", "user", "u", "c", "channel", "people", "pg"})
_HANDLE = re.compile(r"[a-z0-9_.\-]{1,64}")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_OTHER_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:(?!\d)")
_STRIP_HOST = ("www.", "m.", "mobile.")


def _host(netloc: str) -> str | None:
    if "@" in netloc:
        return None
    host = netloc
    port = ""
    if host.startswith("["):
        return None
    if ":" in host:
        host, _, port = host.partition(":")
        if not port.isdigit() or len(port) > 5:
            return None
    host = host.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None
    for prefix in _STRIP_HOST:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        return None
    if port and port not in ("80", "443"):
        host = f"{host}:{int(port)}"
    return host


def _url_step(text: str) -> str | None:
    cleaned = clean_text(text)
    if cleaned is None or " " in cleaned:
        return None
    if "://" not in cleaned:
        if _OTHER_SCHEME.match(cleaned):
            return None
        cleaned = "http://" + cleaned.lstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = _host(parts.netloc)
    if host is None:
        return None
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=False)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    out = host + path
    if query:
        out += "?" + urlencode(sorted(query))
    return out


def url(text: str | None) -> str | None:
    """A URL as a comparison key without scheme, ``www.``, fragment or tracking parameters."""
    return fixpoint(_url_step, text)


def _handle_step(text: str) -> str | None:
    cleaned = clean_text(text, casefold=True)
    if cleaned is None:
        return None
    value = cleaned.strip()
    if "/" in value or "." in value and not value.startswith("@"):
        key = url(value)
        if key is not None and "/" in key:
            host, _, path = key.partition("/")
            if host in SOCIAL_HOSTS or host.split(".", 1)[-1] in SOCIAL_HOSTS:
                segments = [s for s in path.split("?")[0].split("/") if s]
                segments = [s for s in segments if s not in _SKIP_SEGMENTS] or segments
                if segments:
                    value = segments[0]
    value = value.lstrip("@")
    if _HANDLE.fullmatch(value) is None or not any(ch.isalnum() for ch in value):
        return None
    return "@" + value


def handle(text: str | None) -> str | None:
    """A social handle as ``@handle`` (lower-case), from a handle, ``@handle`` or profile URL."""
    return fixpoint(_handle_step, text)

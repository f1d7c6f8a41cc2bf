"""E-mail addresses: one key per mailbox.

Case-folded; the domain is IDNA-encoded (``bücher.de`` → ``xn--bcher-kva.de``); ``+tag``
sub-addressing is dropped for every provider (it is never part of the mailbox where it is
supported); dots in the local part are dropped only for providers that ignore them (Gmail), and
provider alias domains are folded (``googlemail.com`` → ``gmail.com``).
"""

from __future__ import annotations

import re

from redlane.normalize._util import clean_text, fixpoint

__all__ = ["DOT_BLIND_DOMAINS", "DOMAIN_ALIASES", "email"]

#: Providers whose mailboxes ignore dots in the local part.
DOT_BLIND_DOMAINS = frozenset({"gmail.com"})
#: Alias domains that deliver to the same mailbox as the target.
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

_LOCAL = re.compile(r"[a-z0-9!#$%&'*/=?^_`{|}~.\-]+|[\w.\-]+")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def _domain(text: str) -> str | None:
    text = text.rstrip(".")
    if not text or len(text) > 253:
        return None
    try:
        ascii_domain = text.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        return None
    return DOMAIN_ALIASES.get(ascii_domain, ascii_domain)


def _step(text: str) -> str | None:
    cleaned = clean_text(text, casefold=True)
    if cleaned is None:
        return None
    cleaned = cleaned.strip().removeprefix("mailto:").strip("<>").strip()
    if " " in cleaned or cleaned.count("@") < 1:
        return None
    local, _, host = cleaned.rpartition("@")
    domain = _domain(host)
    if domain is None:
        return None
    local = local.split("+", 1)[0]
    if domain in DOT_BLIND_DOMAINS:
        local = local.replace(".", "")
    local = local.strip(".")
    if not local or len(local) > 64 or "@" in local or ".." in local:
        return None
    if _LOCAL.fullmatch(local) is None:
        return None
    return f"{local}@{domain}"


def email(text: str | None) -> str | None:
    """``" John.Doe+shop@GoogleMail.com "`` → ``"johndoe@gmail.com"``; not an address → ``None``."""
    return fixpoint(_step, text)

"""One holder per mailbox and per social handle.

E-mails are made from a name and handles from short word lists, so two unrelated actors could
be drawn the same address (two firms called "Phuong Nam …" both writing sales@phuongnam.net) or
the same handle. In the real world a mailbox, or a handle on one platform, has one holder; such
a draw is a generator defect, not a trap, and it made unrelated legitimate firms
indistinguishable. Every value held by identities of two or more actors stays with the first
actor (lowest index) and is redrawn, with a few digits added as people do when a name is taken,
for the others. Only colliding values change, from a stream of their own.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from redlane.sim.actors import Actor, Identity


def _email_key(value: str) -> str:
    return value.strip().lower()


def _handle_key(value: str) -> str:
    return value.strip().lstrip("@").lower()


def _email_with_digits(value: str, rng: random.Random) -> str:
    local, _, domain = value.partition("@")
    return f"{local}{rng.randint(2, 99_999)}@{domain}"


def _handle_with_digits(value: str, rng: random.Random) -> str:
    return f"{value}{rng.randint(2, 99_999)}"


def _distinct(
    identities: list[Identity],
    field: str,
    key: Callable[[str], str],
    redraw: Callable[[str, random.Random], str],
    rng: random.Random,
) -> int:
    holder: dict[str, int] = {}
    for ident in identities:  # the actor with the lowest index keeps the value
        k = key(getattr(ident, field))
        holder[k] = min(holder.get(k, ident.actor), ident.actor)
    changed = 0
    taken = set(holder)
    redrawn: dict[tuple[int, str], str] = {}
    for ident in identities:
        value = getattr(ident, field)
        k = key(value)
        if holder[k] == ident.actor:
            continue
        # one actor's identities that shared the value keep sharing its replacement
        new = redrawn.get((ident.actor, k))
        if new is None:
            new = redraw(value, rng)
            while key(new) in taken:
                new = redraw(value, rng)
            taken.add(key(new))
            redrawn[(ident.actor, k)] = new
        setattr(ident, field, new)
        changed += 1
    return changed


def distinct_contacts(
    actors: list[Actor], identities: list[Identity], rng: random.Random
) -> dict[str, int]:
    """Give every e-mail and handle one holder; returns how many identities changed each."""
    del actors  # identities carry their actor's index
    return {
        "email": _distinct(identities, "email", _email_key, _email_with_digits, rng),
        "handle": _distinct(identities, "handle", _handle_key, _handle_with_digits, rng),
    }

"""Name squatting: counterfeiters who trade under the exact name of a real, unrelated firm.

A front registering "Shenzhen Huaxin Trading Co., Ltd." borrows the standing of the real firm of
that name, whose address, phone, e-mail and bank account it does not have. Matching on the name
alone would fuse the legitimate firm with the ring. A share of the company identities of
counterfeit actors (current, past and reserve ones) take the name of a legitimate company of
their country, preferably a busy one (a known name is worth borrowing). Every draw comes from a
stream of its own, so with the share at 0 the rest of the world is drawn exactly as without.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from redlane.sim.actors import Actor, Identity
from redlane.sim.contacts import FREE_MAIL, new_email

# Legitimate firms whose name is worth borrowing: those that trade in their own name.
FIRM_ROLES = frozenset({"shipper", "manufacturer", "importer", "licensee"})


@dataclass(frozen=True)
class Squat:
    front_actor: int
    front_identity: int
    legit_actor: int
    legit_identity: int


def squat_names(
    actors: list[Actor], identities: list[Identity], share: float, rng: random.Random
) -> list[Squat]:
    """Rename a ``share`` of counterfeit company identities after a legitimate firm."""
    if share <= 0:
        return []
    firms: dict[str, tuple[list[int], list[float]]] = {}
    for a in actors:
        first = identities[a.identities[0]]
        if a.kind == "legit" and a.role in FIRM_ROLES and not first.person:
            ids, weights = firms.setdefault(a.country, ([], []))
            ids.append(first.index)
            weights.append(a.activity**0.5)  # busier firms are better known, not monopolies
    out: list[Squat] = []
    for a in actors:
        if a.kind != "counterfeit":
            continue
        for i in a.identities:
            ident = identities[i]
            if ident.person or rng.random() >= share or ident.country not in firms:
                continue
            ids, weights = firms[ident.country]
            firm = identities[rng.choices(ids, weights=weights)[0]]
            # The squatter has none of the firm's contact points (a shared consolidator
            # address or bank would make the two indistinguishable, not a squat).
            if any(getattr(ident, k) == getattr(firm, k) for k in ("address", "phone", "bank")):
                continue
            ident.name = firm.name
            ident.email = _other_email(ident, firm, rng)
            out.append(Squat(a.index, ident.index, firm.actor, firm.index))
    return out


def _other_email(ident: Identity, firm: Identity, rng: random.Random) -> str:
    """An e-mail made from the borrowed name that is not the firm's own."""
    for _ in range(5):
        email = new_email(ident.name, ident.country, rng)
        if email.lower() != firm.email.lower():
            return email
    local = firm.email.split("@", 1)[0]
    free = FREE_MAIL.get(ident.country, FREE_MAIL["default"])
    return f"{local}{rng.randint(10, 999)}@{rng.choice(free)}"

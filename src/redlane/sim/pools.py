"""Pre-rendered written forms of every identity, so millions of parties are index lookups.

Each identity gets ``VARIANTS`` forms of its name, address, phone and email: the first is how
it usually writes itself, the others are the noisy ways clerks, systems and the actor itself
write it. A party in a record picks one form per field, skewed towards the usual one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from redlane.sim.actors import Identity
from redlane.sim.contacts import email_variant, phone_text, phone_variant
from redlane.sim.names import name_variants
from redlane.sim.places import address_variant

VARIANTS = 6
VARIANT_CDF = np.array([0.5, 0.63, 0.75, 0.85, 0.93, 1.0])
ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IdentityPools:
    name: ObjArray  # identity * VARIANTS + variant
    address: ObjArray
    phone: ObjArray
    email: ObjArray
    country: ObjArray  # per identity
    actor: IntArray  # per identity

    def slot(self, ident: IntArray, rng: np.random.Generator) -> IntArray:
        """One variant slot per party, skewed towards the usual form."""
        variant = np.searchsorted(VARIANT_CDF, rng.random(len(ident)), side="right")
        out: IntArray = ident * VARIANTS + np.minimum(variant, VARIANTS - 1)
        return out

    def pick(self, ident: int, rng: random.Random) -> int:
        variant = int(np.searchsorted(VARIANT_CDF, rng.random(), side="right"))
        return ident * VARIANTS + min(variant, VARIANTS - 1)


def build_pools(identities: list[Identity], rng: random.Random) -> IdentityPools:
    names: list[str] = []
    addresses: list[str] = []
    phones: list[str] = []
    emails: list[str] = []
    for ident in identities:
        names += name_variants(ident.name, rng, VARIANTS)
        addresses.append(ident.address)
        addresses += [
            address_variant(ident.address, ident.country, rng) for _ in range(VARIANTS - 1)
        ]
        phones.append(phone_text(ident.phone, 0))
        phones += [phone_variant(ident.phone, rng) for _ in range(VARIANTS - 1)]
        emails.append(ident.email)
        emails += [email_variant(ident.email, rng) for _ in range(VARIANTS - 1)]
    return IdentityPools(
        name=np.array(names, dtype=object),
        address=np.array(addresses, dtype=object),
        phone=np.array(phones, dtype=object),
        email=np.array(emails, dtype=object),
        country=np.array([i.country for i in identities], dtype=object),
        actor=np.array([i.actor for i in identities], dtype=np.int64),
    )

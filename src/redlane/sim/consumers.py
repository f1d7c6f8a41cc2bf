"""The US consumers parcels are delivered to, built in bulk, and the reshippers some of them use.

Consignees are mostly private people, each written in one usual way and one noisy way (upper
case, "Last, First", an initial, a typo; abbreviated street, "#" for the apartment, ZIP+4).
Popularity is skewed: a few people receive many parcels. About 3% of consumers use a
reshipper's warehouse as their delivery address, so hundreds of unrelated people share it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from importlib import import_module

import numpy as np
import numpy.typing as npt
from anyascii import anyascii

from redlane.sim.noise import typo
from redlane.sim.places import ABBREVIATIONS, US_CITIES, US_STREETS, US_SUFFIXES

ObjArray = npt.NDArray[np.object_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_LOCALES = (("en_US", 0.8), ("es_MX", 0.1), ("en_IN", 0.05), ("zh_CN", 0.05))
_MAILBOX = re.compile(r"[^a-z0-9.]")
_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com")


@dataclass(frozen=True)
class Reshipper:
    """A US package-forwarding warehouse: street part and city part, units go in between."""

    street: str
    city: str


@dataclass(frozen=True)
class ConsumerPool:
    first_actor: int
    name: tuple[ObjArray, ObjArray]
    address: tuple[ObjArray, ObjArray]
    phone: tuple[ObjArray, ObjArray]
    email: tuple[ObjArray, ObjArray]
    cdf: FloatArray
    reshipper: IntArray  # index into the reshipper list, -1 for a home address

    @property
    def n(self) -> int:
        return len(self.cdf)

    def actor_id(self, i: int) -> str:
        return f"A-{self.first_actor + i + 1:07d}"

    def actor_ids(self) -> ObjArray:
        ids: ObjArray = np.array(
            [f"A-{self.first_actor + i + 1:07d}" for i in range(self.n)], dtype=object
        )
        return ids


def _names(locale: str, attr: str) -> tuple[list[str], FloatArray]:
    provider = import_module(f"faker.providers.person.{locale}").Provider
    if locale == "zh_CN":
        attr = "first_romanized_names" if attr == "first_names" else "last_romanized_names"
    values = getattr(provider, attr)
    names = list(values)
    if isinstance(values, dict):
        w = np.array([float(v) for v in values.values()])
    else:
        w = np.ones(len(names))
    return names, w / w.sum()


def _draw_names(n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    locale_idx = rng.choice(len(_LOCALES), size=n, p=[p for _, p in _LOCALES])
    first: list[str] = [""] * n
    last: list[str] = [""] * n
    for k, (locale, _) in enumerate(_LOCALES):
        rows = np.flatnonzero(locale_idx == k)
        for attr, out in (("first_names", first), ("last_names", last)):
            names, p = _names(locale, attr)
            picks = rng.choice(len(names), size=len(rows), p=p)
            for r, j in zip(rows.tolist(), picks.tolist(), strict=True):
                out[r] = names[j]
    return first, last


def make_reshippers(n: int, rng: random.Random) -> list[Reshipper]:
    out = []
    for _ in range(n):
        city, state, zip3 = rng.choice(US_CITIES)
        kind = rng.choice(("Commerce", "Industrial", "Logistics", "Airport", "Corporate"))
        road = rng.choice(("Way", "Drive", "Boulevard", "Parkway"))
        street = f"{rng.randint(100, 9999)} {kind} {road}"
        out.append(Reshipper(street, f"{city}, {state} {zip3}{rng.randint(0, 99):02d}"))
    return out


def make_consumers(
    n: int,
    first_actor: int,
    reshippers: list[Reshipper],
    rng: np.random.Generator,
    prng: random.Random,
) -> ConsumerPool:
    first, last = _draw_names(n, rng)
    weight = rng.lognormal(0.0, 0.9, size=n)
    cdf = np.cumsum(weight) / weight.sum()
    city_idx = rng.integers(0, len(US_CITIES), size=n).tolist()
    street_idx = rng.integers(0, len(US_STREETS), size=n).tolist()
    suffix_idx = rng.integers(0, len(US_SUFFIXES), size=n).tolist()
    number = rng.integers(1, 9999, size=n).tolist()
    zip_tail = rng.integers(0, 100, size=n).tolist()
    plus4 = rng.integers(1000, 9999, size=n).tolist()
    apt = rng.integers(-25, 40, size=n).tolist()  # negative: a house, no apartment
    reship = np.where(rng.random(n) < 0.03, rng.integers(0, max(len(reshippers), 1), size=n), -1)
    if not reshippers:
        reship[:] = -1
    has_phone = (rng.random(n) < 0.65).tolist()
    has_email = (rng.random(n) < 0.35).tolist()
    ops = rng.integers(0, 6, size=n).tolist()
    area = rng.integers(201, 989, size=n).tolist()
    line = rng.integers(2_000_000, 9_999_999, size=n).tolist()
    name0, name1, addr0, addr1, ph0, ph1, em0, em1 = ([""] * n for _ in range(8))
    reship_list = reship.tolist()
    for i in range(n):
        f, la = first[i], last[i]
        name0[i] = f"{f} {la}"
        name1[i] = name_variant(f, la, ops[i], prng)
        if reship_list[i] >= 0:
            rs = reshippers[reship_list[i]]
            unit = f"{first_actor + i + 1:07d}"[-5:]
            addr0[i] = f"{rs.street}, Suite {unit}, {rs.city}"
            addr1[i] = f"{rs.street} #{unit} {rs.city}".upper()
        else:
            addr0[i], addr1[i] = home_address(
                number[i],
                street_idx[i],
                suffix_idx[i],
                city_idx[i],
                apt[i],
                zip_tail[i],
                plus4[i],
            )
        if has_phone[i]:
            a, ln = area[i], str(line[i])
            ph0[i] = f"({a}) {ln[:3]}-{ln[3:]}"
            ph1[i] = f"+1{a}{ln}" if ops[i] % 2 else f"{a}-{ln[:3]}-{ln[3:]}"
        if has_email[i]:
            mail = _MAIL[(number[i] + i) % len(_MAIL)]
            raw = f"{f}.{la}" if ops[i] < 3 else f"{f[0]}{la}{zip_tail[i]}"
            local = mailbox(raw)
            em0[i] = f"{local}@{mail}"
            em1[i] = f"{local.capitalize()}@{mail}"
    arr = _objects
    return ConsumerPool(
        first_actor=first_actor,
        name=(arr(name0), arr(name1)),
        address=(arr(addr0), arr(addr1)),
        phone=(arr(ph0), arr(ph1)),
        email=(arr(em0), arr(em1)),
        cdf=cdf,
        reshipper=reship.astype(np.int64),
    )


def mailbox(text: str) -> str:
    """The local part of an e-mail address people make from their name."""
    return _MAILBOX.sub("", anyascii(text).lower())


def _objects(values: list[str]) -> ObjArray:
    out: ObjArray = np.array(values, dtype=object)
    return out


def home_address(
    number: int, street: int, suffix: int, city: int, apt: int, zip_tail: int, plus4: int
) -> tuple[str, str]:
    """A home address's usual and noisy forms (indices into the US street and city tables;
    ``apt`` <= 0 for a house)."""
    city_name, state, zip3 = US_CITIES[city]
    suffix_name = US_SUFFIXES[suffix]
    short = ABBREVIATIONS.get(suffix_name, (suffix_name,))[0]
    zip5 = f"{zip3}{zip_tail:02d}"
    head = f"{number} {US_STREETS[street]}"
    unit0 = f", Apartment {apt}" if apt > 0 else ""
    unit1 = f" #{apt}" if apt > 0 else ""
    return (
        f"{head} {suffix_name}{unit0}, {city_name}, {state} {zip5}",
        f"{head} {short}{unit1}, {city_name}, {state} {zip5}-{plus4}",
    )


def name_variant(first: str, last: str, op: int, rng: random.Random) -> str:
    if op == 0:
        return f"{first} {last}".upper()
    if op == 1:
        return f"{last}, {first}"
    if op == 2:
        return typo(f"{first} {last}", rng)
    if op == 3:
        return f"{first[0]}. {last}"
    if op == 4:
        return f"{first} {last}".lower()
    return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"

"""Namesakes: different people who bear exactly the same, very common name.

Wang Wei, Kim Minjun or James Smith are names thousands of people carry, so a name alone never
proves two parties are one person. A share of private small senders (and of US consignees)
take their name from a short list of a country's most common names, in groups of 2-8 people
per name. Some of a group live on one street of one city (different house numbers: the
hardest case for address matching), the others in other cities of the country. Each keeps a
phone and e-mail of its own. Every draw comes from a stream of its own, so with the shares at 0
the rest of the world is drawn exactly as without namesakes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from redlane.sim.actors import Actor, Identity
from redlane.sim.consumers import ConsumerPool, home_address, mailbox, name_variant
from redlane.sim.contacts import FREE_MAIL, new_email
from redlane.sim.lexicon import COMMON_PERSONS
from redlane.sim.names import Name, common_person
from redlane.sim.places import US_CITIES, US_STREETS, US_SUFFIXES, address, cities

# Group sizes 2-8, small groups commoner (two people with one name is the usual collision).
GROUP_SIZES = (2, 3, 4, 5, 6, 7, 8)
GROUP_WEIGHTS = (30, 25, 15, 10, 8, 7, 5)
SAME_STREET_P = 0.5  # share of groups in which two or three members live on one street
MAX_NUMBER = 180  # house numbers every country's address format allows


def plant_senders(
    actors: list[Actor],
    identities: list[Identity],
    small_senders: list[int],
    share: float,
    rng: random.Random,
) -> list[list[int]]:
    """Give a ``share`` of private small senders (per country) common names; returns the
    groups as lists of actor indices. A country whose list is used up (only in worlds larger
    than scale small) starts it again: more people, more bearers of each common name."""
    if share <= 0:
        return []
    by_country: dict[str, list[int]] = {}
    for a in small_senders:
        ident = identities[actors[a].identities[0]]
        if ident.person and ident.country in COMMON_PERSONS:
            by_country.setdefault(ident.country, []).append(a)
    # A mailbox is one person's: no namesake gets an address anyone already has.
    taken = {i.email.lower() for i in identities}
    groups: list[list[int]] = []
    for country in sorted(by_country):
        pool = by_country[country]
        names = _names(country, rng)
        chosen = rng.sample(pool, round(share * len(pool)))
        for k, members in enumerate(_groups(chosen, rng)):
            family, given = names[k % len(names)]
            name = common_person(country, family, given)
            for member, home in zip(members, _homes(country, len(members), rng), strict=True):
                ident = identities[actors[member].identities[0]]
                ident.name = name
                ident.address = home
            for m in members:
                ident = identities[actors[m].identities[0]]
                ident.email = _new_email(name, ident.country, taken, rng)
            groups.append(members)
    return groups


def plant_consumers(pool: ConsumerPool, share: float, rng: random.Random) -> list[list[int]]:
    """Give a ``share`` of consumers at a home address common US names; returns the groups as
    lists of consumer indices (a used-up list starts again, as for senders). Phones stay their
    own; e-mails are made distinct."""
    if share <= 0:
        return []
    homes = [i for i, r in enumerate(pool.reshipper.tolist()) if r < 0]
    names = _names("US", rng)
    taken = {str(e).lower() for e in pool.email[0].tolist() if e}
    groups: list[list[int]] = []
    for k, members in enumerate(_groups(rng.sample(homes, round(share * len(homes))), rng)):
        family, given = names[k % len(names)]
        plan = _plan(len(members), len(US_CITIES), rng)
        street = _us_street(rng)
        numbers = rng.sample(range(1, 9999), len(members))
        for k, (i, (city, on_street)) in enumerate(zip(members, plan, strict=True)):
            road, suffix, tail = street if on_street else _us_street(rng)
            apt = rng.randint(-25, 40)
            pool.address[0][i], pool.address[1][i] = home_address(
                numbers[k], road, suffix, city, apt, tail, rng.randint(1000, 9999)
            )
            pool.name[0][i] = f"{given} {family}"
            pool.name[1][i] = name_variant(given, family, rng.randrange(6), rng)
            if pool.email[0][i]:
                domain = str(pool.email[0][i]).split("@", 1)[1]
                local = mailbox(f"{given}.{family}{rng.randint(1, 9999)}")
                while f"{local}@{domain}" in taken:
                    local = mailbox(f"{given}.{family}{rng.randint(1, 99_999)}")
                taken.add(f"{local}@{domain}")
                pool.email[0][i] = f"{local}@{domain}"
                pool.email[1][i] = f"{local.capitalize()}@{domain}"
        groups.append(members)
    return groups


def _us_street(rng: random.Random) -> tuple[int, int, int]:
    """A street name, its suffix and the ZIP code's last two digits."""
    return rng.randrange(len(US_STREETS)), rng.randrange(len(US_SUFFIXES)), rng.randrange(100)


def _names(country: str, rng: random.Random) -> list[tuple[str, str]]:
    """Every family name with every given name, in a drawn order."""
    families, givens = COMMON_PERSONS[country]
    names = [(f, g) for f in families for g in givens]
    rng.shuffle(names)
    return names


def _groups(chosen: list[int], rng: random.Random) -> Iterator[list[int]]:
    """Consecutive groups of 2-8 from ``chosen`` (a lone leftover joins the last group)."""
    start = 0
    while len(chosen) - start >= 2:
        size = min(rng.choices(GROUP_SIZES, weights=GROUP_WEIGHTS)[0], len(chosen) - start)
        if len(chosen) - start - size == 1:
            size = size + 1 if size < GROUP_SIZES[-1] else size - 1
        yield chosen[start : start + size]
        start += size


def _plan(size: int, n_cities: int, rng: random.Random) -> list[tuple[int, bool]]:
    """Per member, a city index and whether it lives on the group's one street: in
    ``SAME_STREET_P`` of groups the first two or three do and the rest live in other cities."""
    if n_cities < 2 or rng.random() >= SAME_STREET_P:
        return [(rng.randrange(n_cities), False) for _ in range(size)]
    home = rng.randrange(n_cities)
    on_street = min(size, rng.randint(2, 3))
    others = [c for c in range(n_cities) if c != home]
    return [(home, True)] * on_street + [
        (rng.choice(others), False) for _ in range(size - on_street)
    ]


def _homes(country: str, size: int, rng: random.Random) -> list[str]:
    """Home addresses for a group: some on one street, the rest in other cities."""
    plan = _plan(size, cities(country), rng)
    street_seed = rng.getrandbits(64)
    numbers = rng.sample(range(1, MAX_NUMBER), size)
    out = []
    for (city, on_street), number in zip(plan, numbers, strict=True):
        # On one street, the street-level parts come from a stream the neighbours share.
        street = random.Random(street_seed) if on_street else None
        out.append(address(country, rng, False, street_rng=street, city=city, number=number))
    return out


def _new_email(name: Name, country: str, taken: set[str], rng: random.Random) -> str:
    """An e-mail made from the name that nobody has yet (a namesake adds digits, as people do
    when their name is taken)."""
    email = new_email(name, country, rng)
    for _ in range(5):
        if email.lower() not in taken:
            break
        email = new_email(name, country, rng)
    while email.lower() in taken:
        local = email.split("@", 1)[0]
        free = FREE_MAIL.get(country, FREE_MAIL["default"])
        email = f"{local}{rng.randint(100, 99_999)}@{rng.choice(free)}"
    taken.add(email.lower())
    return email

"""Everyone in the world: legit shippers and importers, authorised parties, gougers, rings,
and the freight forwarders some of them ship through.

Legit actors are the large majority and ship generic goods (and, when authorised, genuine
branded goods); a share of Chinese and Hong Kong shippers sit at busy forwarding warehouses, so
many unrelated companies share one address. Counterfeit actors come in rings of 1-30 built
around a few brands and preferred ports, with a shared pool of identifiers, a history of
takedowns that already made them change identity, and reserve identities for after seizures.
Forwarders (``redlane.sim.forwarders``) are added last, from a stream of their own, before the
consumers take the next actor indices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from redlane.sim.actors import REUSABLE, UNUSED, Actor, Identity, IdentityFactory, Ring, ring_shared
from redlane.sim.brands import AuthorizedParty, BrandBook
from redlane.sim.catalog import GENERIC
from redlane.sim.config import SimConfig, WorldSize
from redlane.sim.consumers import ConsumerPool, Reshipper, make_consumers, make_reshippers
from redlane.sim.forwarders import make_forwarders
from redlane.sim.items import ItemTable
from redlane.sim.places import address
from redlane.sim.ports import PORTS, weights

SHIPPER_COUNTRIES = {
    "CN": 0.45,
    "HK": 0.10,
    "GB": 0.06,
    "DE": 0.06,
    "KR": 0.05,
    "VN": 0.05,
    "IN": 0.06,
    "TR": 0.04,
    "IT": 0.04,
    "RU": 0.02,
}
RING_HOMES = {"CN": 0.5, "HK": 0.33, "TR": 0.05, "RU": 0.03, "IN": 0.03, "VN": 0.04, "KR": 0.03}
MAKER_COUNTRIES = {"CN": 0.5, "VN": 0.1, "IT": 0.15, "IN": 0.05, "TR": 0.05, "KR": 0.05, "DE": 0.1}
RING_SIZES = (
    (1, 0.25),
    (2, 0.15),
    (3, 0.15),
    (5, 0.15),
    (8, 0.1),
    (12, 0.1),
    (20, 0.06),
    (30, 0.04),
)
RESERVE_IDENTITIES = 3


@dataclass
class Population:
    actors: list[Actor]
    identities: list[Identity]
    rings: list[Ring]
    consumers: ConsumerPool
    reshippers: list[Reshipper]
    reshipper_actors: list[int]
    consolidators: list[str]
    legit_shippers: list[int]
    importers: list[int]
    members: list[int]
    gougers: list[int]
    small_senders: list[int] = field(default_factory=list)
    forwarders: list[int] = field(default_factory=list)


def _pick(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


class _Builder:
    def __init__(self, rng: random.Random, history: int) -> None:
        self.rng = rng
        self.history = history
        self.actors: list[Actor] = []
        self.factory = IdentityFactory(rng)

    def actor(self, kind: str, role: str, country: str, created: int) -> Actor:
        a = Actor(len(self.actors), f"A-{len(self.actors) + 1:07d}", kind, role, country, created)
        self.actors.append(a)
        return a

    def legit(
        self, role: str, country: str, *, person_p: float = 0.15, fixed_address: str | None = None
    ) -> Actor:
        created = -self.rng.randint(30, self.history)
        a = self.actor("legit", role, country, created)
        self.factory.new(
            a,
            person=self.rng.random() < person_p,
            country=country,
            start_day=created,
            fixed_address=fixed_address,
        )
        return a


def build_population(
    size: WorldSize,
    book: BrandBook,
    items: ItemTable,
    cfg: SimConfig,
    days: int,
    rng: random.Random,
    nprng: np.random.Generator,
    forwarder_rng: random.Random,
) -> Population:
    b = _Builder(rng, cfg.history_days)
    consolidators = [
        address(rng.choice(("CN", "CN", "HK")), rng) for _ in range(size.consolidators)
    ]
    cons_w = [1.0 / (i + 1) for i in range(len(consolidators))]
    generic = list(range(items.n_generic))

    legit: list[int] = []
    for _ in range(size.legit_shippers):
        country = _pick(rng, SHIPPER_COUNTRIES)
        fixed = None
        if country in ("CN", "HK") and rng.random() < 0.3:
            fixed = rng.choices(consolidators, weights=cons_w)[0]
        a = b.legit("shipper", country, fixed_address=fixed)
        a.activity = rng.lognormvariate(0, 1.6)
        a.items = rng.sample(generic, 3)
        a.sells = rng.random() < 0.55
        if rng.random() < cfg.parallel_trade_share:  # genuine branded goods
            a.items[2] = items.line_item(rng.randrange(items.n_lines))
        legit.append(a.index)
    small = _small_senders(b, size, cfg, items, days, consolidators, cons_w, legit)
    legit += small

    importers = [b.legit("importer", "US", person_p=0.0).index for _ in range(size.importers)]
    reshippers = make_reshippers(size.reshippers, rng)
    reshipper_actors = [
        b.legit("reshipper", "US", person_p=0.0, fixed_address=f"{r.street}, {r.city}").index
        for r in reshippers
    ]
    _authorize(b, book, items, legit, importers)

    gougers = []
    for _ in range(size.gougers):
        a = b.legit("gouger", rng.choice(("CN", "CN", "HK")), person_p=0.0)
        a.gouger = True
        a.sells = True
        a.items = [items.gouging_item(k) for k in rng.sample(range(items.n_gouging), 3)]
        a.activity = rng.lognormvariate(0, 0.5)
        gougers.append(a.index)

    rings, members = _rings(b, size.counterfeit_actors, book, items, consolidators, days)
    # Everyone who ships may use a forwarder (fronts receive, they do not ship).
    shippers = legit + [m for m in members if b.actors[m].role == "member"]
    forwarders = make_forwarders(b.actors, b.factory, shippers, cfg, forwarder_rng)
    consumers = make_consumers(size.consumers, len(b.actors), reshippers, nprng, rng)
    return Population(
        b.actors,
        b.factory.identities,
        rings,
        consumers,
        reshippers,
        reshipper_actors,
        consolidators,
        legit,
        importers,
        members,
        gougers,
        small,
        forwarders,
    )


def _authorize(
    b: _Builder, book: BrandBook, items: ItemTable, legit: list[int], importers: list[int]
) -> None:
    rng = b.rng
    by_country: dict[str, list[int]] = {}
    for i in legit:
        by_country.setdefault(b.actors[i].country, []).append(i)
    counter = 0
    for brand in book.brands:
        roles = ["manufacturer"] + [
            r
            for r, p in (("exporter", 0.5), ("licensee", 0.4), ("distributor", 0.6))
            if rng.random() < p
        ]
        for role in roles:
            if role == "distributor":
                actor = b.actors[rng.choice(importers)]
            elif role == "licensee":
                country = rng.choice(("US", "GB", "DE", "IT"))
                actor = b.legit("licensee", country, person_p=0.0)
            else:
                country = (
                    _pick(rng, MAKER_COUNTRIES)
                    if role == "manufacturer"
                    else rng.choice(("CN", "HK"))
                )
                pool = by_country.get(country, [])
                if pool and rng.random() < 0.5:
                    actor = b.actors[rng.choice(pool)]
                else:
                    actor = b.legit("manufacturer", country, person_p=0.0)
                    actor.items = rng.sample(range(items.n_generic), 3)
                    actor.activity = rng.lognormvariate(0, 1.0)
                    legit.append(actor.index)
                lines = [items.line_item(line) for line in brand.lines]
                actor.items[0] = rng.choice(lines)
                actor.items[1] = rng.choice(lines)
            counter += 1
            brand.authorized.append(AuthorizedParty(f"AP-{counter:05d}", role, actor.index))


def _rings(
    b: _Builder,
    n_members: int,
    book: BrandBook,
    items: ItemTable,
    consolidators: list[str],
    days: int,
) -> tuple[list[Ring], list[int]]:
    rng = b.rng
    appeal = [br.appeal for br in book.brands]
    port_w = weights(True).tolist()
    sizes, size_w = zip(*RING_SIZES, strict=True)
    rings: list[Ring] = []
    members: list[int] = []
    while len(members) < n_members:
        size = min(rng.choices(sizes, weights=size_w)[0], n_members - len(members))
        home = _pick(rng, RING_HOMES)
        first = rng.choices(range(len(book.brands)), weights=appeal)[0]
        same_cat = [
            br.index
            for br in book.brands
            if br.category == book.brands[first].category and br.index != first
        ]
        brands = [first]
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            pool = same_cat if same_cat and rng.random() < 0.7 else range(len(book.brands))
            choice = rng.choice(list(pool))
            if choice not in brands:
                brands.append(choice)
        ports = sorted(
            {rng.choices(range(len(PORTS)), weights=port_w)[0] for _ in range(rng.choice((1, 2)))}
        )
        ring = Ring(
            len(rings),
            f"R-{len(rings) + 1:04d}",
            home,
            [],
            brands,
            ports,
            ring_shared(home, rng, size),
        )
        lines = [items.line_item(line) for br in brands for line in book.brands[br].lines]
        for k in range(size):
            front = size >= 4 and k == size - 1 and rng.random() < 0.5
            country = "US" if front else home
            if not front and rng.random() < 0.15:
                country = {"CN": "HK", "HK": "CN"}.get(home, "CN")
            created = (
                -rng.randint(30, b.history)
                if rng.random() < 0.85 or days < 3
                else rng.randint(1, days - 1)
            )
            a = b.actor("counterfeit", "front" if front else "member", country, created)
            a.ring = ring.index
            a.activity = rng.lognormvariate(0, 1.0)
            a.items = (
                []
                if front
                else [rng.choice(lines) for _ in range(3)] + [rng.randrange(len(GENERIC))]
            )
            a.sells = not front and rng.random() < 0.85
            _member_identities(b, a, ring, consolidators, front)
            ring.members.append(a.index)
            members.append(a.index)
            if front:
                ring.front = a.index
        candidates = [m for m in ring.members if m != ring.front]
        if size >= 3 and candidates:
            ring.promoter = rng.choice(candidates)
        rings.append(ring)
    return rings, members


def _member_identities(
    b: _Builder, a: Actor, ring: Ring, consolidators: list[str], front: bool
) -> None:
    rng = b.rng
    shared = ring.shared
    fixed = rng.choice(consolidators) if not front and rng.random() < 0.2 else None
    history = min(3, int(rng.expovariate(1.2))) if a.created_day < -60 else 0
    starts = sorted(rng.randint(a.created_day + 30, -1) for _ in range(history))
    previous: Identity | None = None
    for start in [a.created_day, *starts] + [UNUSED] * RESERVE_IDENTITIES:
        person = rng.random() < (0.5 if front else 0.4)
        previous = b.factory.new(
            a,
            person=person,
            country=a.country,
            start_day=start,
            fixed_address=fixed if previous is None else None,
            shared=shared,
            # Phones and addresses are local; accounts, devices and IPs travel.
            shareable=REUSABLE if a.country == ring.home else ("bank", "device", "ip"),
            previous=previous,
        )


def _small_senders(
    b: _Builder,
    size: WorldSize,
    cfg: SimConfig,
    items: ItemTable,
    days: int,
    consolidators: list[str],
    cons_w: list[float],
    established: list[int],
) -> list[int]:
    """Many small legitimate senders, a share of them new in the window and some reselling
    genuine branded goods: most low-value shippers look like this, so being small, new or
    branded does not on its own single out a counterfeiter."""
    rng = b.rng
    if cfg.small_sender_share <= 0 or size.small_senders <= 0:
        return []
    out: list[int] = []
    for _ in range(size.small_senders):
        country = _pick(rng, SHIPPER_COUNTRIES)
        fixed = None
        if country in ("CN", "HK") and rng.random() < 0.4:
            fixed = rng.choices(consolidators, weights=cons_w)[0]
        a = b.legit("shipper", country, fixed_address=fixed, person_p=0.5)
        if days > 2 and rng.random() < cfg.new_sender_share:
            first = rng.randint(-25, days - 1)
            a.created_day = first
            b.factory.identities[a.identities[0]].start_day = first
        a.activity = rng.lognormvariate(0, 0.8)
        a.items = rng.sample(range(items.n_generic), 3)
        a.sells = rng.random() < 0.7
        if rng.random() < cfg.reseller_share:  # genuine branded goods, often cheap
            a.items[0] = items.line_item(rng.randrange(items.n_lines))
            a.items[1] = items.line_item(rng.randrange(items.n_lines))
        out.append(a.index)
    # Scale their activity so that they send ``small_sender_share`` of legitimate parcels.
    big = sum(b.actors[i].activity for i in established)
    small = sum(b.actors[i].activity for i in out)
    scale = cfg.small_sender_share / (1 - cfg.small_sender_share) * big / small
    for i in out:
        b.actors[i].activity *= scale
    return out

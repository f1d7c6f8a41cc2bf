"""One day of inbound parcels, drawn as arrays: who ships what to whom, declared how.

Nothing here is a per-parcel Python object. A day is a set of index arrays into the actor,
identity-variant, consumer, item and description pools, plus numeric arrays for units, values,
weights and times. Counterfeit parcels come from ring members (with some genuine cover parcels),
are misdescribed or carry wrong HS codes, are mostly undervalued and kept under de minimis, and
favour their ring's current ports; gouged essentials arrive only during the gouging episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from redlane.sim.adapt import RingPosture
from redlane.sim.consumers import ConsumerPool
from redlane.sim.items import ItemTable
from redlane.sim.pools import IdentityPools

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]
LEGIT, COVER, FAKE, GOUGE = 0, 1, 2, 3
# How a parcel reaches the carrier: from its sender, through a forwarder under the forwarder's
# own name, or through a forwarder "c/o" its address (``redlane.sim.forwarders``).
DIRECT, OWN_NAME, CARE_OF = 0, 1, 2
COVER_SHARE = 0.15  # share of ring members' parcels that are genuine cover goods
FX = {"USD": 1.0, "CNY": 7.2, "HKD": 7.8, "EUR": 0.92, "GBP": 0.79}
ASIA = ("CN", "HK", "KR", "VN", "IN")
DETAIL_SHARE = 0.35
DETAILS = (
    "black",
    "white",
    "red",
    "blue",
    "size M",
    "size L",
    "size XL",
    "2 pcs",
    "3 pcs",
    "set",
    "new",
    "for women",
    "for men",
    "kids",
    "1 pc",
    "pack of 2",
    "grey",
    "pink",
    "large",
    "small",
)


@dataclass(frozen=True)
class ParcelContext:
    items: ItemTable
    pools: IdentityPools
    consumers: ConsumerPool
    ident_accounts: IntArray
    seller_ids: ObjArray  # per marketplace account
    actor_items: IntArray  # (actors, 4): three goods slots, then a cover good
    actor_ring: IntArray
    actor_created: IntArray
    activity: FloatArray
    legit: IntArray
    members: IntArray
    gougers: IntArray
    importers: IntArray
    reshippers: IntArray
    ring_front: IntArray
    port_cdf: tuple[FloatArray, FloatArray]  # asian origin, other origin
    counterfeit_rate: float
    gouging_share: float
    gouging_window: tuple[int, int]
    replica_share: float = 0.0
    bargain_share: float = 0.0
    legit_undervalue_share: float = 0.12
    legit_vague_share: float = 0.0
    # Per actor: the forwarder (actor index) it is a client of, -1 for none; empty for none at all.
    actor_forwarder: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class DayState:
    active_ident: IntArray
    posture: RingPosture  # per ring: ports, stealth, split consignments, dormancy
    lookout: BoolArray  # per identity: on customs' lookout list


@dataclass
class DayParcels:
    kind: npt.NDArray[np.int8]
    shipper: IntArray
    shipper_ident: IntArray
    consignee: IntArray  # actor index (consumers included)
    consignee_ident: IntArray  # -1 for consumers
    consumer: IntArray  # consumer index, -1 for businesses
    item: IntArray
    units: IntArray
    pieces: IntArray
    true_usd: FloatArray
    msrp_usd: FloatArray
    declared_usd: FloatArray
    currency: ObjArray
    declared_value: FloatArray  # in ``currency``
    description: ObjArray
    hs6: ObjArray  # as declared ("" when left out)
    weight: FloatArray
    origin: ObjArray
    port: IntArray
    submitted: npt.NDArray[np.int64]  # seconds since the day's midnight
    arrival: npt.NDArray[np.int64]
    account: IntArray  # seller account, -1 when none
    ring: IntArray
    # Set by ``forwarders.route``: the forwarder (actor, identity; -1 when none) and the mode.
    forwarder: IntArray
    forwarder_ident: IntArray
    via: npt.NDArray[np.int8]  # DIRECT | OWN_NAME | CARE_OF

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def written_ident(self) -> IntArray:
        """The identity the waybill names as shipper: the forwarder's when it ships in its own
        name. Customs can only match (lookouts) what is written."""
        out: IntArray = np.where(self.via == OWN_NAME, self.forwarder_ident, self.shipper_ident)
        return out

    @property
    def counterfeit(self) -> BoolArray:
        out: BoolArray = self.kind == FAKE
        return out


def _cdf(weights: FloatArray) -> FloatArray:
    total = weights.sum()
    if total <= 0:
        return np.ones(len(weights)) if len(weights) else np.ones(1)
    out: FloatArray = np.cumsum(weights) / total
    return out


def _draw(pop: IntArray, cdf: FloatArray, rng: np.random.Generator, n: int) -> IntArray:
    idx = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(pop) - 1)
    out: IntArray = pop[idx]
    return out


def draw_day(
    ctx: ParcelContext, state: DayState, day: int, n: int, rng: np.random.Generator
) -> DayParcels:
    items = ctx.items
    in_gouge = ctx.gouging_window[0] <= day < ctx.gouging_window[1] and len(ctx.gougers) > 0
    p_gouge = ctx.gouging_share if in_gouge else 0.0
    p_ring = ctx.counterfeit_rate / (1 - COVER_SHARE)
    awake = state.posture.dormant_until[ctx.actor_ring[ctx.members]] <= day
    member_w = ctx.activity[ctx.members] * (ctx.actor_created[ctx.members] <= day) * awake
    if member_w.sum() <= 0:
        p_ring = 0.0
    r = rng.random(n)
    kind = np.full(n, LEGIT, dtype=np.int8)
    ring_rows = r < p_ring
    kind[ring_rows] = np.where(rng.random(int(ring_rows.sum())) < COVER_SHARE, COVER, FAKE)
    kind[(r >= p_ring) & (r < p_ring + p_gouge)] = GOUGE

    shipper = np.empty(n, dtype=np.int64)
    legit_rows = kind == LEGIT
    legit_w = ctx.activity[ctx.legit] * (ctx.actor_created[ctx.legit] <= day)
    shipper[legit_rows] = _draw(ctx.legit, _cdf(legit_w), rng, int(legit_rows.sum()))
    ring_mask = (kind == FAKE) | (kind == COVER)
    if ring_mask.any():
        shipper[ring_mask] = _draw(ctx.members, _cdf(member_w), rng, int(ring_mask.sum()))
    gouge_rows = kind == GOUGE
    if gouge_rows.any():
        shipper[gouge_rows] = _draw(
            ctx.gougers, _cdf(ctx.activity[ctx.gougers]), rng, int(gouge_rows.sum())
        )
    ident = state.active_ident[shipper]
    slot = rng.integers(0, 3, n)
    item = ctx.actor_items[shipper, np.where(kind == COVER, 3, slot)]
    ring = np.where(ring_mask, ctx.actor_ring[shipper], -1)
    brand = items.brand[item]
    fake = kind == FAKE
    ring_at = np.maximum(ring, 0)
    # Replicas are priced like discounted genuine goods; a stealthy ring's fakes are written and
    # declared like a legitimate seller's; a split ring sends no bulk parcels.
    replica = fake & (rng.random(n) < ctx.replica_share)
    stealthy = fake & (rng.random(n) < state.posture.stealth[ring_at])
    split = fake & state.posture.split[ring_at]
    bargain = (kind == LEGIT) & (brand >= 0) & (rng.random(n) < ctx.bargain_share)

    units, pieces = _units(np.where(split, LEGIT, kind).astype(np.int8), rng)
    lo, hi = items.price_lo[item], items.price_hi[item]
    genuine = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    unit_price = np.where(
        fake,
        np.where(replica, genuine * rng.uniform(0.25, 0.6, n), lo * rng.uniform(0.04, 0.25, n)),
        np.where(brand >= 0, genuine * rng.uniform(0.6, 1.0, n), genuine),
    )
    unit_price = np.where(bargain, genuine * rng.uniform(0.15, 0.5, n), unit_price)
    unit_price = np.where(kind == GOUGE, genuine * rng.uniform(3.0, 10.0, n), unit_price)
    true_usd: FloatArray = np.round(units * unit_price, 2).astype(np.float64)
    msrp: FloatArray = np.where(brand >= 0, np.round(units * genuine, 2), 0.0).astype(np.float64)
    declared = _declare(
        true_usd, fake & ~(replica | stealthy), kind, ctx.legit_undervalue_share, rng
    )

    origin = ctx.pools.country[ident].copy()
    hk = origin == "HK"
    origin[hk & (rng.random(n) < np.where(fake, 0.15, 0.25))] = "CN"
    currency, declared_value = _currency(origin, declared, rng)
    description, hs6 = _describe(
        items, item, np.where(stealthy, LEGIT, kind).astype(np.int8), ctx.legit_vague_share, rng
    )
    weight = np.round(
        units * items.weight[item] * rng.uniform(0.8, 1.3, n) + rng.uniform(0.05, 0.3, n), 2
    )

    asian = np.isin(origin, ASIA)
    port = np.where(
        asian,
        np.searchsorted(ctx.port_cdf[0], rng.random(n), side="right"),
        np.searchsorted(ctx.port_cdf[1], rng.random(n), side="right"),
    )
    port = np.minimum(port, len(ctx.port_cdf[0]) - 1)
    prefer = ring_mask & (rng.random(n) < 0.65)
    if prefer.any():
        port[prefer] = state.posture.ports[ring[prefer], rng.integers(0, 2, int(prefer.sum()))]

    consignee, consignee_ident, consumer = _consignees(ctx, state, kind, units, ring, split, rng)
    accounts = ctx.ident_accounts[ident]
    n_acc = (accounts >= 0).sum(axis=1)
    pick = np.minimum((rng.random(n) * np.maximum(n_acc, 1)).astype(np.int64), 2)
    account = np.where(n_acc > 0, accounts[np.arange(n), pick], -1)

    submitted = rng.integers(0, 86_400, n)
    arrival = submitted + rng.integers(6 * 3600, 40 * 3600, n)
    return DayParcels(
        kind,
        shipper,
        ident,
        consignee,
        consignee_ident,
        consumer,
        item,
        units,
        pieces,
        true_usd,
        msrp,
        declared,
        currency,
        declared_value,
        description,
        hs6,
        weight,
        origin,
        port.astype(np.int64),
        submitted,
        arrival,
        account,
        ring,
        np.full(n, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.full(n, DIRECT, dtype=np.int8),
    )


def _units(kind: npt.NDArray[np.int8], rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    n = len(kind)
    units = rng.geometric(0.6, n).astype(np.int64)
    fake = kind == FAKE
    size = rng.random(n)
    units = np.where(fake & (size > 0.6), rng.integers(3, 11, n), units)
    units = np.where(fake & (size > 0.9), rng.integers(10, 61, n), units)
    units = np.where(kind == GOUGE, rng.integers(5, 201, n), units)
    pieces = np.where(rng.random(n) < 0.9, 1, rng.integers(2, 4, n))
    pieces = np.where(units >= 10, np.maximum(pieces, rng.integers(1, 6, n)), pieces)
    return units.astype(np.int64), np.minimum(pieces, units).astype(np.int64)


def _declare(
    true_usd: FloatArray,
    fake: BoolArray,
    kind: npt.NDArray[np.int8],
    undervalue_share: float,
    rng: np.random.Generator,
) -> FloatArray:
    n = len(true_usd)
    u = rng.random(n)
    legit_factor = np.where(
        u < 1 - undervalue_share, rng.uniform(0.95, 1.0, n), rng.uniform(0.3, 0.9, n)
    )
    fake_factor = np.where(u < 0.65, rng.uniform(0.1, 0.5, n), rng.uniform(0.8, 1.0, n))
    declared = true_usd * np.where(fake, fake_factor, legit_factor)
    # Counterfeiters split and shave values to stay under the de minimis threshold.
    shave = fake & (declared > 800) & (rng.random(n) < 0.9)
    declared = np.where(shave, rng.uniform(350, 799, n), declared)
    declared = np.where(kind == GOUGE, true_usd, declared)
    out: FloatArray = np.maximum(np.round(declared, 2), 0.5)
    return out


def _currency(
    origin: ObjArray, usd: FloatArray, rng: np.random.Generator
) -> tuple[ObjArray, FloatArray]:
    n = len(origin)
    currency = np.full(n, "USD", dtype=object)
    u = rng.random(n)
    for country, code, p in (
        ("CN", "CNY", 0.06),
        ("HK", "HKD", 0.08),
        ("DE", "EUR", 0.3),
        ("IT", "EUR", 0.3),
        ("GB", "GBP", 0.3),
    ):
        currency[(origin == country) & (u < p)] = code
    rate = np.ones(n)
    for code, fx in FX.items():
        rate[currency == code] = fx
    return currency, np.round(usd * rate, 2)


def _describe(
    items: ItemTable,
    item: IntArray,
    kind: npt.NDArray[np.int8],
    vague_share: float,
    rng: np.random.Generator,
) -> tuple[ObjArray, ObjArray]:
    n = len(item)
    fake = kind == FAKE
    u = rng.random(n)
    described = items.branded.draw(item, rng.random(n))
    plain = items.plain.draw(item, rng.random(n))
    description = np.where((items.brand[item] >= 0) & (u < 0.4), plain, described)
    # Goods outside the brand catalogue take a vague description or wrong code from any
    # category: a careless sender's "gift" or "83.08" is not tied to what counterfeiters sell.
    n_cat = int(items.category.max()) + 1
    any_cat = rng.integers(0, max(n_cat, 1), n)
    cat = np.where(items.category[item] >= 0, items.category[item], any_cat)
    mis = items.misdescribed.draw(cat, rng.random(n))
    mode = rng.random(n)
    misdescribed = fake & (mode < 0.5)
    # Legitimate senders write vague descriptions too ("gift", "sample", "accessories"), and
    # pick a wrong or blank code as often as a careless counterfeiter does.
    vague = ~fake & (kind != GOUGE) & (mode < vague_share)
    description = np.where(vague, mis, description)
    description = np.where(
        fake, np.where(mode < 0.5, mis, np.where(mode < 0.85, plain, described)), description
    )
    true_hs = items.hs6[item]
    wrong = items.wrong_hs.draw(cat, rng.random(n))
    h = rng.random(n)
    legit_hs = np.where(
        h < 0.85, true_hs, np.where(h < 0.95, "", items.hs6[rng.integers(0, items.n_generic, n)])
    )
    legit_hs = np.where(vague & (h < 0.6), wrong, np.where(vague & (h < 0.85), "", legit_hs))
    fake_hs = np.where(
        misdescribed,
        np.where(h < 0.15, true_hs, np.where(h < 0.8, wrong, "")),
        np.where(h < 0.55, true_hs, np.where(h < 0.75, wrong, "")),
    )
    hs6: ObjArray = np.where(fake, fake_hs, legit_hs).astype(object)
    # Free text: senders add colour, size or count to the same goods, whoever they are.
    detail = rng.random(n) < DETAIL_SHARE
    if detail.any():
        words = np.array(DETAILS, dtype=object)[rng.integers(0, len(DETAILS), int(detail.sum()))]
        description = description.astype(object)
        description[detail] = description[detail] + " " + words
    return description.astype(object), hs6


def _consignees(
    ctx: ParcelContext,
    state: DayState,
    kind: npt.NDArray[np.int8],
    units: IntArray,
    ring: IntArray,
    split: BoolArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, IntArray]:
    n = len(kind)
    fake = kind == FAKE
    u = rng.random(n)
    bulk = fake & (units >= 10) & ~split
    front = np.where(ring >= 0, ctx.ring_front[np.maximum(ring, 0)], -1)
    business = np.full(n, -1, dtype=np.int64)
    to_front = bulk & (front >= 0) & (u < 0.8)
    business[to_front] = front[to_front]
    reship = np.where(fake, (u >= 0.92) | (bulk & (front < 0) & (u < 0.5)), u < 0.04) & (
        business < 0
    )
    if len(ctx.reshippers):
        business[reship] = ctx.reshippers[rng.integers(0, len(ctx.reshippers), int(reship.sum()))]
    b2b = (kind == LEGIT) & (u >= 0.04) & (u < 0.07) | (kind == GOUGE) & (u < 0.5)
    b2b &= business < 0
    business[b2b] = ctx.importers[rng.integers(0, len(ctx.importers), int(b2b.sum()))]
    consumer = np.where(
        business < 0,
        np.minimum(np.searchsorted(ctx.consumers.cdf, rng.random(n)), ctx.consumers.n - 1),
        -1,
    )
    ident = np.where(business >= 0, state.active_ident[np.maximum(business, 0)], -1)
    actor = np.where(business >= 0, business, ctx.consumers.first_actor + consumer)
    return actor.astype(np.int64), ident.astype(np.int64), consumer.astype(np.int64)

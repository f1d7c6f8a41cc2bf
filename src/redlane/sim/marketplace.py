"""Marketplace seller accounts, listings and takedowns over the history and the simulated days.

Counterfeit actors hold one to three concurrent accounts per identity; when the marketplace
closes them they return under their next identity (see ``actors``). Counterfeit listings
advertise real brands far below the genuine price range, often with the brand misspelled or
left out. Takedowns hit mostly counterfeit listings, with some complaint noise on legit ones.
Gougers list essentials at normal prices, then at many times that during the episode.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from redlane.sim.actors import UNUSED, Actor, Identity
from redlane.sim.brands import BrandBook
from redlane.sim.items import ItemTable
from redlane.sim.noise import maybe, typo

IntArray = npt.NDArray[np.int64]
MAX_ACCOUNTS = 3
CF_TITLES = (
    "{brand} {line} AAA quality",
    "Luxury {line} {brand} style 1:1",
    "{brand} {desc} - Original Quality",
    "Designer {desc} inspired by {brand}",
    "Top grade {brand} {desc} fast ship",
    "{brand} {line} mirror quality new 2025",
    "{desc} premium quality gift box",
)
LEGIT_TITLES = (
    "{desc}",
    "{desc} - new",
    "{brand} {desc}",
    "{desc} for men and women",
    "{desc} 2-pack",
    "High quality {desc}",
)


@dataclass
class Account:
    index: int
    seller_id: str
    actor: int
    identity: int
    counterfeit: bool
    opened_day: int = UNUSED
    closed_day: int | None = None
    close_reason: str = ""


@dataclass
class Listing:
    listing_id: str
    account: int
    item: int
    title: str
    brand_text: str | None
    line_text: str | None
    price: float
    listed_day: int
    listed_second: int
    counterfeit: bool
    gouging: bool


@dataclass
class Takedown:
    takedown_id: str
    account: int
    listing: int | None
    brand_text: str | None
    reason: str
    closed: bool
    day: int
    second: int


@dataclass
class Market:
    accounts: list[Account]
    ident_accounts: IntArray  # (identities, MAX_ACCOUNTS), -1 padded
    listings: list[Listing] = field(default_factory=list)
    takedowns: list[Takedown] = field(default_factory=list)


def open_accounts(actors: list[Actor], identities: list[Identity], rng: random.Random) -> Market:
    """One to three accounts per identity of every selling actor, with opaque ids."""
    plan: list[tuple[int, int, bool]] = []
    for a in actors:
        if not a.sells:
            continue
        cf = a.kind == "counterfeit"
        for ident in a.identities:
            n = 1 + int(maybe(rng, 0.35 if cf else 0.08)) + int(cf and maybe(rng, 0.1))
            plan += [(a.index, ident, cf)] * n
    ids = rng.sample(range(100_000, 1_000_000), len(plan))
    accounts = [
        Account(i, f"S-{sid:06d}", actor, ident, cf)
        for i, ((actor, ident, cf), sid) in enumerate(zip(plan, ids, strict=True))
    ]
    table = np.full((len(identities), MAX_ACCOUNTS), -1, dtype=np.int64)
    fill = np.zeros(len(identities), dtype=np.int64)
    for acc in accounts:
        if fill[acc.identity] < MAX_ACCOUNTS:
            table[acc.identity, fill[acc.identity]] = acc.index
            fill[acc.identity] += 1
    return Market(accounts, table)


def settle_accounts(
    market: Market, actors: list[Actor], identities: list[Identity], days: int, rng: random.Random
) -> None:
    """Opening and closing days once the identity timeline is final."""
    for acc in market.accounts:
        ident = identities[acc.identity]
        if ident.start_day >= days:
            continue
        created = actors[acc.actor].created_day
        acc.opened_day = ident.start_day + (
            rng.randint(0, 25) if not acc.counterfeit and ident.start_day < -30 else 0
        )
        acc.opened_day = max(acc.opened_day, created)
    for a in actors:
        if not a.sells:
            continue
        used = [i for i in a.identities if identities[i].start_day < days]
        for prev, nxt in zip(used, used[1:], strict=False):
            start = identities[nxt].start_day
            in_window = start > 0
            if in_window and not maybe(rng, 0.4):
                continue  # seized, moved on; the marketplace never heard of it
            for k in market.ident_accounts[prev]:
                if k < 0:
                    continue
                acc = market.accounts[int(k)]
                day = start - (rng.randint(0, 3) if in_window else rng.randint(1, 15))
                acc.closed_day = max(day, acc.opened_day + 1)
                acc.close_reason = "counterfeit" if in_window or maybe(rng, 0.8) else "ip_complaint"
        if a.kind == "legit" and maybe(rng, 0.01):
            for k in market.ident_accounts[a.identities[0]]:
                if k >= 0:
                    acc = market.accounts[int(k)]
                    acc.closed_day = rng.randint(acc.opened_day + 1, max(acc.opened_day + 2, days))
                    acc.close_reason = rng.choice(("policy", "other"))


def make_listings(
    market: Market,
    actors: list[Actor],
    book: BrandBook,
    items: ItemTable,
    days: int,
    gouge: tuple[int, int],
    rng: random.Random,
) -> None:
    ids = iter(rng.sample(range(1_000_000, 10_000_000), _listing_budget(market)))
    for acc in market.accounts:
        if acc.opened_day >= days:
            continue
        actor = actors[acc.actor]
        end = min(acc.closed_day if acc.closed_day is not None else days, days)
        n = 1 + _poisson(rng, 6.0 if acc.counterfeit else 4.0)
        for _ in range(n):
            listing = _listing(acc, actor, book, items, end, gouge, rng, next(ids, None))
            if listing is not None:
                market.listings.append(listing)
    _takedowns(market, days, rng)


def _listing_budget(market: Market) -> int:
    return min(9_000_000, 40 * len(market.accounts) + 1000)


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: lam is small here.
    limit, k, p = np.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _listing(
    acc: Account,
    actor: Actor,
    book: BrandBook,
    items: ItemTable,
    end: int,
    gouge: tuple[int, int],
    rng: random.Random,
    number: int | None,
) -> Listing | None:
    if number is None or not actor.items or end <= acc.opened_day:
        return None
    cf = acc.counterfeit
    item = rng.choice(actor.items[:3])
    b = int(items.brand[item])
    counterfeit_item = cf and b >= 0
    day = rng.randint(acc.opened_day, end - 1)
    if actor.gouger and min(gouge[1], end) > max(gouge[0], acc.opened_day) and maybe(rng, 0.6):
        day = rng.randint(max(gouge[0], acc.opened_day), min(gouge[1], end) - 1)
    lo, hi = float(items.price_lo[item]), float(items.price_hi[item])
    desc = rng.choice(
        items.plain.values[
            items.plain.start[item] : items.plain.start[item] + items.plain.count[item]
        ]
    )
    brand = book.brands[b].name if b >= 0 else None
    line = book.lines[item - items.n_generic].name if b >= 0 else None
    gouging = False
    if counterfeit_item:
        price = lo * rng.uniform(0.04, 0.3)
        title = rng.choice(CF_TITLES)
        shown = brand if maybe(rng, 0.6) else (typo(brand or "", rng) if maybe(rng, 0.4) else None)
    else:
        price = rng.uniform(lo, hi) * (1.0 if b >= 0 else rng.uniform(1.1, 1.8))
        title = rng.choice(LEGIT_TITLES if b >= 0 else LEGIT_TITLES[:1] + LEGIT_TITLES[3:])
        shown = brand
        if int(items.category[item]) == -2 and gouge[0] <= day < gouge[1]:
            price *= rng.uniform(3, 10)
            gouging = True
    text = title.format(brand=brand or "", line=line or desc, desc=desc).strip()
    text = " ".join(text.split())
    return Listing(
        f"L-{number:07d}",
        acc.index,
        item,
        text[:1].upper() + text[1:],
        shown,
        line if maybe(rng, 0.7) else None,
        round(price, 2),
        day,
        rng.randrange(86_400),
        counterfeit_item,
        gouging,
    )


def _takedowns(market: Market, days: int, rng: random.Random) -> None:
    n = 0

    def new_id() -> str:
        nonlocal n
        n += 1
        return f"T-{n:07d}"

    for li, listing in enumerate(market.listings):
        acc = market.accounts[listing.account]
        end = min(acc.closed_day if acc.closed_day is not None else days, days)
        p = 0.4 if listing.counterfeit else 0.01
        if not maybe(rng, p):
            continue
        day = listing.listed_day + int(rng.expovariate(1 / 45))
        if day >= end:
            continue
        if listing.counterfeit:
            reason = rng.choices(("counterfeit", "ip_complaint", "policy"), (0.75, 0.2, 0.05))[0]
        else:
            reason = rng.choices(("ip_complaint", "policy", "other"), (0.5, 0.3, 0.2))[0]
        market.takedowns.append(
            Takedown(
                new_id(),
                acc.index,
                li,
                listing.brand_text,
                reason,
                False,
                day,
                rng.randrange(86_400),
            )
        )
    last_listing: dict[int, int] = {}
    for li, listing in enumerate(market.listings):
        last_listing[listing.account] = li
    for acc in market.accounts:
        if acc.closed_day is None or acc.closed_day >= days or acc.opened_day >= days:
            continue
        li_close = last_listing.get(acc.index)
        brand = market.listings[li_close].brand_text if li_close is not None else None
        market.takedowns.append(
            Takedown(
                new_id(),
                acc.index,
                li_close,
                brand,
                acc.close_reason or "other",
                True,
                acc.closed_day,
                rng.randrange(86_400),
            )
        )
    market.takedowns.sort(key=lambda t: (t.day, t.second, t.takedown_id))
    for i, t in enumerate(market.takedowns):
        t.takedown_id = f"T-{i + 1:07d}"


def account_status(market: Market, days: int, rng: random.Random) -> list[str]:
    strikes = [0] * len(market.accounts)
    for t in market.takedowns:
        strikes[t.account] += 1
    out = []
    for acc in market.accounts:
        if acc.closed_day is not None and acc.closed_day < days:
            out.append("closed")
        elif strikes[acc.index] >= 2 and maybe(rng, 0.5):
            out.append("suspended")
        else:
            out.append("active")
    return out

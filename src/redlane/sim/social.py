"""Social-media posts that hype marketplace listings, mostly by counterfeit actors.

Counterfeit sellers advertise their own listings ("AAA quality, DM for link"), and a ring's
promoter advertises the other members' listings too, sometimes with a WhatsApp number: posts
link handles to listings, and so to sellers, across platforms. Legit sellers post now and then.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from redlane.sim.actors import Actor, Identity, Ring, active_identity
from redlane.sim.contacts import handle_variant, phone_text
from redlane.sim.marketplace import Market
from redlane.sim.noise import maybe

CF_PLATFORMS = (
    ("instagram", 0.3),
    ("tiktok", 0.25),
    ("telegram", 0.15),
    ("facebook", 0.1),
    ("wechat", 0.1),
    ("x", 0.05),
    ("youtube", 0.03),
    ("other", 0.02),
)
LEGIT_PLATFORMS = (("instagram", 0.4), ("facebook", 0.3), ("x", 0.15), ("youtube", 0.15))
CF_TEXTS = (
    "AAA quality {brand}, DM for link",
    "1:1 mirror {brand} only ${price}! link in bio",
    "Factory direct {brand}, same as original, {pct}% off",
    "{brand} super clone, fast shipping to US",
    "Best {brand} reps, DM",
    "Original quality {brand} wholesale, WhatsApp {phone}",
    "New drop: {brand} {what} ${price} shipped",
)
LEGIT_TEXTS = (
    "New {what} in stock at our store",
    "Summer sale: {what} from ${price}",
    "Free shipping on {what} this week",
)


@dataclass
class Post:
    post_id: str
    platform: str
    actor: int
    identity: int
    handle: str
    url: str
    day: int
    second: int
    text: str
    listing: int | None
    linked_url: str | None


def make_posts(
    market: Market,
    actors: list[Actor],
    identities: list[Identity],
    rings: list[Ring],
    days: int,
    rng: random.Random,
) -> list[Post]:
    posts: list[Post] = []
    for li, listing in enumerate(market.listings):
        acc = market.accounts[listing.account]
        owner = actors[acc.actor]
        posters: list[Actor] = []
        if listing.counterfeit:
            if maybe(rng, 0.25):
                posters.append(owner)
            ring = rings[owner.ring] if owner.ring >= 0 else None
            if ring is not None and ring.promoter >= 0 and maybe(rng, 0.15):
                posters.append(actors[ring.promoter])
        elif maybe(rng, 0.03):
            posters.append(owner)
        for poster in posters:
            day = listing.listed_day + rng.randint(0, 20)
            if day >= days:
                continue
            ident = identities[active_identity(poster, identities, day)]
            posts.append(
                _post(
                    li,
                    listing.counterfeit,
                    listing.brand_text,
                    listing.line_text,
                    listing.price,
                    poster,
                    ident,
                    day,
                    rng,
                )
            )
    posts.sort(key=lambda p: (p.day, p.second, p.url))
    for i, p in enumerate(posts):
        p.post_id = f"P-{i + 1:07d}"
    return posts


def _post(
    li: int,
    counterfeit: bool,
    brand: str | None,
    line: str | None,
    price: float,
    poster: Actor,
    ident: Identity,
    day: int,
    rng: random.Random,
) -> Post:
    table = CF_PLATFORMS if counterfeit else LEGIT_PLATFORMS
    platform = rng.choices([p for p, _ in table], weights=[w for _, w in table])[0]
    template = rng.choice(CF_TEXTS if counterfeit else LEGIT_TEXTS)
    text = template.format(
        brand=brand or "designer",
        what=line or "items",
        price=f"{price:.0f}",
        pct=rng.choice((50, 70, 80, 90)),
        phone=phone_text(ident.phone, rng.randrange(3)),
    )
    handle = handle_variant(ident.handle, rng)
    tag = ident.handle.lstrip("@").replace(".", "_")
    linked = None
    if maybe(rng, 0.4):
        linked = rng.choice(
            (
                f"https://t.me/{tag}",
                f"https://shop.example.net/{tag}",
                f"https://linktr.example.org/{tag}",
            )
        )
    return Post(
        "",
        platform,
        poster.index,
        ident.index,
        handle,
        f"https://social.example.com/{platform}/p/{rng.randrange(10**9):09d}",
        day,
        rng.randrange(86_400),
        text,
        li,
        linked,
    )

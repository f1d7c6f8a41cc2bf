"""Rights holders, their brands, recorded trademarks and product lines with genuine prices.

Several brands per holder, as with real fashion and electronics groups; a brand lives mainly in
one category but luxury houses also sell neighbouring lines (a watch house with jewellery, a
bag house with shoes). Genuine price ranges scale with the brand's tier: a luxury brand's
counterfeit is the most undervalued relative to what the goods would have been worth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from redlane.sim.catalog import CATEGORIES, HOLDER_COUNTRIES, brand_names
from redlane.sim.noise import slug

TIERS = {"luxury": (3.0, 6.0), "premium": (1.4, 2.4), "mass": (0.8, 1.2)}
# Neighbouring categories a house may also sell.
EXTENSIONS = {
    "apparel": ("handbags", "footwear", "cosmetics"),
    "handbags": ("apparel", "footwear"),
    "watches": ("jewellery",),
    "jewellery": ("watches",),
    "footwear": ("apparel",),
    "cosmetics": ("apparel",),
    "headphones": ("phone_accessories",),
    "phone_accessories": ("headphones",),
}
ROLES = ("manufacturer", "licensee", "exporter", "distributor")


@dataclass
class ProductLine:
    index: int
    brand: int
    category: int
    name: str
    hs6: str
    price_min: float
    price_max: float
    weight: float
    descriptions: tuple[str, ...]


@dataclass(frozen=True)
class Trademark:
    recordation_number: str
    mark: str
    registered_at: date
    expires_at: date | None


@dataclass(frozen=True)
class AuthorizedParty:
    party_id: str
    role: str
    actor: int


@dataclass
class Brand:
    index: int
    brand_id: str
    name: str
    holder: int
    category: int
    tier: str
    appeal: float  # how attractive the brand is to counterfeiters
    lines: list[int] = field(default_factory=list)
    trademarks: list[Trademark] = field(default_factory=list)
    authorized: list[AuthorizedParty] = field(default_factory=list)


@dataclass
class Holder:
    index: int
    name: str
    slug: str
    country: str
    brands: list[int] = field(default_factory=list)


@dataclass
class BrandBook:
    holders: list[Holder]
    brands: list[Brand]
    lines: list[ProductLine]


def make_brands(n: int, rng: random.Random) -> BrandBook:
    names = brand_names(n, rng)
    cat_weights = [c.counterfeit_share for c in CATEGORIES]
    cat_index = {c.key: i for i, c in enumerate(CATEGORIES)}
    brands: list[Brand] = []
    lines: list[ProductLine] = []
    tm_counter = 0
    for i, name in enumerate(names):
        cat = rng.choices(range(len(CATEGORIES)), weights=cat_weights)[0]
        category = CATEGORIES[cat]
        r = rng.random()
        tier = (
            "luxury" if r < category.luxury else "premium" if r < category.luxury + 0.3 else "mass"
        )
        appeal = rng.lognormvariate(0, 1.0) * (2.0 if tier == "luxury" else 1.0)
        brand = Brand(i, f"B-{i + 1:03d}", name, -1, cat, tier, appeal)
        wanted = rng.randint(1, min(5, len(category.lines) + 1))
        picks = [
            (cat, spec) for spec in rng.sample(category.lines, min(wanted, len(category.lines)))
        ]
        extra = EXTENSIONS.get(category.key, ())
        if extra and (tier == "luxury" or rng.random() < 0.2) and len(picks) < 5:
            ext = cat_index[rng.choice(extra)]
            picks.append((ext, rng.choice(CATEGORIES[ext].lines)))
        low, high = TIERS[tier]
        factor = rng.uniform(low, high)
        seen: list[str] = []
        for c, spec in picks:
            if spec.name in seen:
                continue
            seen.append(spec.name)
            pmin = max(1.0, round(spec.price[0] * factor))
            pmax = max(pmin + 1, round(spec.price[1] * factor * rng.uniform(0.8, 1.2)))
            line = ProductLine(
                len(lines),
                i,
                c,
                spec.name,
                spec.hs6,
                float(pmin),
                float(pmax),
                spec.weight,
                spec.descriptions,
            )
            lines.append(line)
            brand.lines.append(line.index)
        for k in range(rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0]):
            tm_counter += 1
            registered = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 24 * 365))
            mark = (name.upper(), f"{name.upper()} (stylized)", f"{name[0]} monogram")[k]
            expires = registered + timedelta(days=3652) if rng.random() < 0.9 else None
            if expires is not None and expires < date(2025, 6, 1):
                expires = expires + timedelta(days=3652)  # renewed
            number = f"TMK-{registered.year % 100:02d}-{tm_counter:05d}"
            brand.trademarks.append(Trademark(number, mark, registered, expires))
        brands.append(brand)
    holders = _group_holders(brands, rng)
    return BrandBook(holders, brands, lines)


def _group_holders(brands: list[Brand], rng: random.Random) -> list[Holder]:
    order = list(range(len(brands)))
    rng.shuffle(order)
    holders: list[Holder] = []
    pos = 0
    countries = [c for c, _, _ in HOLDER_COUNTRIES]
    weights = [w for _, _, w in HOLDER_COUNTRIES]
    forms = {c: f for c, f, _ in HOLDER_COUNTRIES}
    used_slugs: list[str] = []
    while pos < len(order):
        size = min(
            rng.choices((1, 2, 3, 4, 6, 8), weights=(0.3, 0.25, 0.2, 0.12, 0.08, 0.05))[0],
            len(order) - pos,
        )
        members = order[pos : pos + size]
        pos += size
        lead = brands[members[0]].name
        country = rng.choices(countries, weights=weights)[0]
        kind = (
            rng.choice(("Group", "Holdings", "Brands", "International", ""))
            if size > 1
            else rng.choice(("", "Design", "Audio", "Paris", "Milano", "Industries"))
        )
        name = " ".join(p for p in (lead, kind, forms[country]) if p)
        holder_slug = slug(name)
        if holder_slug in used_slugs:
            holder_slug = f"{holder_slug}-{len(holders) + 1}"
        used_slugs.append(holder_slug)
        holder = Holder(len(holders), name, holder_slug, country, sorted(members))
        for b in members:
            brands[b].holder = holder.index
        holders.append(holder)
    return holders

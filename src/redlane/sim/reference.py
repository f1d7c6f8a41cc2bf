"""Records of the slower feeds: marketplace accounts/listings/takedowns, social posts,
rights-holder recordations and the ports table, each with its party appearances for the truth.

Seller registrations are parties like any other: a registrant's name, address, phone and email
are drawn from the identity's written forms, so the marketplace's view of an actor is as noisy
as the carrier's. A second account under the same identity usually differs in its email alias.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from redlane.model.spec import MARKETPLACE, SOCIAL, TableSpec
from redlane.sim.actors import Actor, Identity, Ring
from redlane.sim.brands import BrandBook
from redlane.sim.contacts import bank_text, store_name
from redlane.sim.marketplace import Market
from redlane.sim.noise import maybe
from redlane.sim.pools import VARIANTS, IdentityPools
from redlane.sim.ports import PORTS
from redlane.sim.social import Post

SELLERS, LISTINGS, TAKEDOWNS = MARKETPLACE.tables
Link = tuple[str, str, str, str, str | None]  # table, record_key, role, actor_id, identity_id


def stamp(start: date, day: int, second: int) -> str:
    moment = datetime(start.year, start.month, start.day) + timedelta(days=day, seconds=second)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def marketplace_records(
    market: Market,
    status: list[str],
    actors: list[Actor],
    identities: list[Identity],
    rings: list[Ring],
    pools: IdentityPools,
    start: date,
    days: int,
    rng: random.Random,
) -> tuple[list[tuple[TableSpec, dict[str, Any]]], list[Link]]:
    records: list[tuple[TableSpec, dict[str, Any]]] = []
    links: list[Link] = []
    seen_identity: dict[int, int] = {}
    for acc in market.accounts:
        if acc.opened_day >= days:
            continue
        ident = identities[acc.identity]
        actor = actors[acc.actor]
        nth = seen_identity.get(acc.identity, 0)
        seen_identity[acc.identity] = nth + 1
        email_slot = pools.pick(ident.index, rng)
        if nth > 0 and email_slot % VARIANTS == 0:
            email_slot += rng.randrange(1, VARIANTS)
        tag = ident.handle.lstrip("@").replace(".", "_")
        stores: list[str] = []
        if acc.counterfeit and maybe(rng, 0.4):
            stores.append(f"https://shop.example.net/{tag}")
        if actor.ring >= 0 and maybe(rng, 0.2):
            stores.append(f"https://store.example.org/{rings[actor.ring].ring_id.lower()}")
        record = {
            "seller_id": acc.seller_id,
            "store_name": store_name(ident.name, acc.counterfeit, rng),
            "registrant_name": str(pools.name[pools.pick(ident.index, rng)]),
            "registrant_type": "person" if ident.person else "company",
            "business_address": _maybe(str(pools.address[pools.pick(ident.index, rng)]), 0.9, rng),
            "country": ident.country,
            "phone": _maybe(str(pools.phone[pools.pick(ident.index, rng)]), 0.8, rng),
            "email": _maybe(str(pools.email[email_slot]), 0.95, rng),
            "bank_account": _maybe(bank_text(ident.bank, rng.randrange(3)), 0.7, rng),
            "device_id": _maybe(ident.device, 0.65, rng),
            "ip_address": _maybe(ident.ip, 0.65, rng),
            "other_stores": stores or None,
            "registered_at": stamp(start, acc.opened_day, rng.randrange(86_400)),
            "status": status[acc.index],
        }
        records.append((SELLERS, record))
        links.append(("mp_sellers", acc.seller_id, "seller", actor.actor_id, ident.identity_id))
    for listing in market.listings:
        acc = market.accounts[listing.account]
        records.append(
            (
                LISTINGS,
                {
                    "listing_id": listing.listing_id,
                    "seller_id": acc.seller_id,
                    "title": listing.title,
                    "brand": listing.brand_text,
                    "product_line": listing.line_text,
                    "price": listing.price,
                    "currency": "USD",
                    "listed_at": stamp(start, listing.listed_day, listing.listed_second),
                    "url": f"https://market.example.com/l/{listing.listing_id[2:]}",
                },
            )
        )
    for t in market.takedowns:
        records.append(
            (
                TAKEDOWNS,
                {
                    "takedown_id": t.takedown_id,
                    "seller_id": market.accounts[t.account].seller_id,
                    "listing_id": market.listings[t.listing].listing_id
                    if t.listing is not None
                    else None,
                    "brand": t.brand_text,
                    "reason": t.reason,
                    "account_closed": t.closed,
                    "taken_down_at": stamp(start, t.day, t.second),
                },
            )
        )
    return records, links


def _maybe(value: str, p: float, rng: random.Random) -> str | None:
    return value if rng.random() < p else None


def social_records(
    posts: list[Post], market: Market, actors: list[Actor], identities: list[Identity], start: date
) -> tuple[list[tuple[TableSpec, dict[str, Any]]], list[Link]]:
    records: list[tuple[TableSpec, dict[str, Any]]] = []
    links: list[Link] = []
    table = SOCIAL.tables[0]
    for post in posts:
        listing = market.listings[post.listing].listing_id if post.listing is not None else None
        records.append(
            (
                table,
                {
                    "post_id": post.post_id,
                    "platform": post.platform,
                    "handle": post.handle,
                    "url": post.url,
                    "posted_at": stamp(start, post.day, post.second),
                    "text": post.text,
                    "linked_listing_id": listing,
                    "linked_url": post.linked_url,
                },
            )
        )
        links.append(
            (
                "social_posts",
                post.post_id,
                "social_handle",
                actors[post.actor].actor_id,
                identities[post.identity].identity_id,
            )
        )
    return records, links


def recordation_documents(
    book: BrandBook,
    actors: list[Actor],
    identities: list[Identity],
    pools: IdentityPools,
    rng: random.Random,
) -> tuple[list[tuple[str, dict[str, Any], int]], list[Link]]:
    """(relative path, document, rows) per rights holder, and the authorised parties' links."""
    docs: list[tuple[str, dict[str, Any], int]] = []
    links: list[Link] = []
    for holder in book.holders:
        brands = []
        rows = 0
        for b in holder.brands:
            brand = book.brands[b]
            parties = []
            for ap in brand.authorized:
                actor = actors[ap.actor]
                ident = identities[actor.identities[0]]
                parties.append(
                    {
                        "party_id": ap.party_id,
                        "role": ap.role,
                        "name": str(pools.name[pools.pick(ident.index, rng)]),
                        "address": str(pools.address[pools.pick(ident.index, rng)]),
                        "country": ident.country,
                    }
                )
                links.append(
                    (
                        "authorized_parties",
                        ap.party_id,
                        "authorized_party",
                        actor.actor_id,
                        ident.identity_id,
                    )
                )
            lines = [book.lines[i] for i in brand.lines]
            brands.append(
                {
                    "brand_id": brand.brand_id,
                    "name": brand.name,
                    "owner": holder.name,
                    "owner_country": holder.country,
                    "trademarks": [
                        {
                            "recordation_number": t.recordation_number,
                            "mark": t.mark,
                            "registered_at": t.registered_at.isoformat(),
                            "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                        }
                        for t in brand.trademarks
                    ],
                    "product_lines": [
                        {
                            "product_line": line.name,
                            "hs6": line.hs6,
                            "price_min": line.price_min,
                            "price_max": line.price_max,
                            "currency": "USD",
                        }
                        for line in lines
                    ],
                    "authorized_parties": parties,
                }
            )
            rows += 1 + len(brand.trademarks) + len(lines) + len(parties)
        doc = {"feed": "recordations", "rights_holder": holder.name, "brands": brands}
        docs.append((f"rights_holders/{holder.slug}.json", doc, rows))
    return docs, links


def ports_columns(capacity: list[tuple[int, int]]) -> dict[str, list[str]]:
    return {
        "port_code": [p.code for p in PORTS],
        "port_name": [p.name for p in PORTS],
        "country": ["US"] * len(PORTS),
        "inspections_per_day": [str(c[0]) for c in capacity],
        "document_checks_per_day": [str(c[1]) for c in capacity],
    }

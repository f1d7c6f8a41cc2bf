"""``generate_world``: build the world, run the days, write every partner feed and the truth.

Order matters for determinism and for consistency between feeds: brands and actors first (with
forwarders, namesakes and name squats, which rename identities before anything is written),
then marketplace accounts (parcels cite seller ids), then the days (which may activate reserve
identities), then the marketplace's listings and takedowns and the social posts on the final
identity timeline, then reference data and truth. Every stage draws from its own seeded stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from redlane.model.spec import PORTS as PORTS_FEED
from redlane.sim.brands import make_brands
from redlane.sim.config import VERSION, SimConfig, WorldSize, np_rng, py_rng
from redlane.sim.daily import Ids, OnDay, Traffic
from redlane.sim.distinct import distinct_contacts
from redlane.sim.items import build_items
from redlane.sim.marketplace import account_status, make_listings, open_accounts, settle_accounts
from redlane.sim.namesakes import plant_consumers, plant_senders
from redlane.sim.parcels import ParcelContext
from redlane.sim.pools import build_pools
from redlane.sim.population import SHIPPER_COUNTRIES, build_population
from redlane.sim.ports import ASIA, capacities, weights
from redlane.sim.reference import (
    marketplace_records,
    ports_columns,
    recordation_documents,
    social_records,
)
from redlane.sim.social import make_posts
from redlane.sim.squats import squat_names
from redlane.sim.truth import (
    actors_table,
    adaptations_table,
    brands_table,
    identities_table,
    infrastructure_table,
    injected_table,
    links_from_tuples,
    market_tables,
    name_squats_table,
    namesakes_table,
    resent_table,
    rings_table,
)
from redlane.sim.writers import FeedWriter, TruthWriter

Progress = Callable[[str, int, int], None]
FEED_DIRS = ("carrier", "customs", "marketplace", "rights_holders", "social", "truth")
OWN_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")
WEEKDAY = (1.05, 1.08, 1.06, 1.04, 1.0, 0.88, 0.86)  # Monday first


@dataclass(frozen=True)
class WorldSummary:
    files: dict[str, int]  # feed file (relative to OUT) -> rows written
    seconds: float
    parcels: int
    truth: dict[str, int] = field(default_factory=dict)  # truth table -> rows

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clear(out: Path) -> None:
    """Remove files an earlier world left in our folders, so no stale day file is ingested."""
    for name in FEED_DIRS:
        folder = out / name
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.suffix in OWN_SUFFIXES:
                    path.unlink()


def daily_counts(parcels: int, days: int, cfg: SimConfig, rng: np.random.Generator) -> list[int]:
    first = cfg.start_date.weekday()
    w = np.array([WEEKDAY[(first + d) % 7] for d in range(days)]) * rng.lognormal(0, 0.04, days)
    counts: list[int] = rng.multinomial(parcels, w / w.sum()).tolist()
    return counts


def generate_world(
    out: Path,
    seed: int,
    parcels: int,
    days: int = 30,
    progress: Progress | None = None,
    *,
    config: SimConfig | None = None,
    on_day: OnDay | None = None,
    react_from_day: int | None = None,
) -> WorldSummary:
    """Write a simulated world's partner feeds and truth/ under ``out``; same seed, same bytes.

    ``on_day`` lets a caller act between days (the closed loop): it is called after each day's
    files are written and returns the parcels it seized or held, which the rings react to. From
    day ``react_from_day`` on, only those do (customs' own historical seizures stop triggering).
    With ``on_day`` the marketplace, social and rights-holder feeds are written before the
    first day, from the identity timeline as planned then, so the caller can read them.
    """
    if parcels <= 0:
        raise ValueError(f"parcels must be positive, not {parcels}")
    if days <= 0:
        raise ValueError(f"days must be positive, not {days}")
    started = time.perf_counter()
    cfg = config or SimConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    size = WorldSize.for_parcels(parcels)
    tick("actors", 0, 4)
    book = make_brands(size.brands, py_rng(seed, "brands"))
    items = build_items(book)
    tick("actors", 1, 4)
    pop = build_population(
        size,
        book,
        items,
        cfg,
        days,
        py_rng(seed, "actors"),
        np_rng(seed, "consumers"),
        py_rng(seed, "forwarders"),
    )
    # Who-is-who traps, each from a stream of its own (docs/simulator.md): a share of 0 leaves
    # the world as it would be without the mechanic.
    name_rng = py_rng(seed, "namesakes")
    sender_groups = plant_senders(
        pop.actors, pop.identities, pop.small_senders, cfg.namesake_share, name_rng
    )
    consumer_groups = plant_consumers(pop.consumers, cfg.consumer_namesake_share, name_rng)
    squats = squat_names(
        pop.actors, pop.identities, cfg.name_squat_share, py_rng(seed, "name-squats")
    )
    if cfg.distinct_contacts:
        # after every renaming above, so no mailbox or handle is left with two holders
        distinct_contacts(pop.actors, pop.identities, py_rng(seed, "distinct-contacts"))
    tick("actors", 2, 4)
    market = open_accounts(pop.actors, pop.identities, py_rng(seed, "accounts"))
    pools = build_pools(pop.identities, py_rng(seed, "pools"))
    tick("actors", 3, 4)

    gouge_start = days // 3
    gouging = (gouge_start, min(days, gouge_start + cfg.gouging_days))
    actor_items = np.zeros((len(pop.actors), 4), dtype=np.int64)
    for a in pop.actors:
        if a.items:
            slots = (a.items + a.items)[:4] if len(a.items) < 4 else a.items[:4]
            actor_items[a.index] = slots
    members = [m for m in pop.members if pop.actors[m].role == "member"]
    seller_ids = np.array([acc.seller_id for acc in market.accounts] or [""], dtype=object)
    asia_w, other_w = weights(True), weights(False)
    ctx = ParcelContext(
        items=items,
        pools=pools,
        consumers=pop.consumers,
        ident_accounts=market.ident_accounts,
        seller_ids=seller_ids,
        actor_items=actor_items,
        actor_ring=np.array([a.ring for a in pop.actors], dtype=np.int64),
        actor_created=np.array([a.created_day for a in pop.actors], dtype=np.int64),
        activity=np.array([a.activity for a in pop.actors], dtype=np.float64),
        legit=np.array(pop.legit_shippers, dtype=np.int64),
        members=np.array(members, dtype=np.int64),
        gougers=np.array(pop.gougers, dtype=np.int64),
        importers=np.array(pop.importers, dtype=np.int64),
        reshippers=np.array(pop.reshipper_actors, dtype=np.int64),
        ring_front=np.array([r.front for r in pop.rings], dtype=np.int64),
        port_cdf=(np.cumsum(asia_w), np.cumsum(other_w)),
        counterfeit_rate=cfg.counterfeit_rate,
        gouging_share=cfg.gouging_share,
        gouging_window=gouging,
        replica_share=cfg.replica_share,
        bargain_share=cfg.bargain_share,
        legit_undervalue_share=cfg.legit_undervalue_share,
        legit_vague_share=cfg.legit_vague_share,
        actor_forwarder=np.array([a.forwarder for a in pop.actors], dtype=np.int64),
    )
    asia_share = sum(w for c, w in SHIPPER_COUNTRIES.items() if c in ASIA)
    capacity = capacities(parcels, days, cfg.inspection_rate, asia_share)
    tick("actors", 4, 4)

    feeds = FeedWriter(out, cfg.bad_row_rate)
    truth = TruthWriter(out / "truth")
    ids = Ids(
        actors=np.concatenate(
            [np.array([a.actor_id for a in pop.actors], dtype=object), pop.consumers.actor_ids()]
        ),
        identities=np.array([i.identity_id for i in pop.identities], dtype=object),
        brands=np.array([b.brand_id for b in book.brands], dtype=object),
        rings=np.array([r.ring_id for r in pop.rings] or [""], dtype=object),
        sellers=seller_ids,
    )
    initial_ports = [list(r.ports) for r in pop.rings]
    traffic = Traffic(
        ctx,
        book,
        pop.actors,
        pop.identities,
        pop.rings,
        cfg,
        seed,
        days,
        [c[0] for c in capacity],
        ids,
        feeds,
        truth,
    )
    reference_links: list[Any] = []

    def write_reference() -> Any:
        tick("marketplace", 0, 3)
        mrng = py_rng(seed, "marketplace")
        settle_accounts(market, pop.actors, pop.identities, days, mrng)
        make_listings(market, pop.actors, book, items, days, gouging, mrng)
        status = account_status(market, days, mrng)
        posts = make_posts(
            market, pop.actors, pop.identities, pop.rings, days, py_rng(seed, "social")
        )
        tick("marketplace", 1, 3)
        write = py_rng(seed, "write-reference")
        mp_records, mp_links = marketplace_records(
            market,
            status,
            pop.actors,
            pop.identities,
            pop.rings,
            pools,
            cfg.start_date,
            days,
            write,
        )
        feeds.jsonl("marketplace/marketplace.jsonl", mp_records, write)
        social, social_links = social_records(
            posts, market, pop.actors, pop.identities, cfg.start_date
        )
        feeds.jsonl("social/posts.jsonl", social, write)
        docs, ap_links = recordation_documents(book, pop.actors, pop.identities, pools, write)
        for rel, doc, rows in docs:
            feeds.json(rel, doc, rows)
        cols = ports_columns(capacity)
        feeds.csv(
            "customs/ports.csv", PORTS_FEED.tables[0], cols, cols["port_code"], write, bad_rate=0.0
        )
        tick("marketplace", 2, 3)
        reference_links.extend(mp_links + ap_links + social_links)
        return status

    if on_day is not None:
        status = write_reference()
    counts = daily_counts(parcels, days, cfg, np_rng(seed, "volume"))
    traffic.run(counts, progress, on_day=on_day, own_triggers_until=react_from_day)
    if on_day is None:
        status = write_reference()

    truth.append("party_links", links_from_tuples(reference_links))
    truth.close()
    truth.write("actors", actors_table(pop.actors, pop.identities, pop.rings, pop.consumers))
    truth.write(
        "rings", rings_table(pop.rings, pop.actors, book, initial_ports, traffic.ring_seizures)
    )
    truth.write("identities", identities_table(pop.identities, pop.actors))
    truth.write("infrastructure", infrastructure_table(pop.forwarders, pop.actors, pop.identities))
    planted = {pop.actors[a].actor_id for g in sender_groups for a in g} | {
        pop.consumers.actor_id(c) for g in consumer_groups for c in g
    }
    truth.write(
        "namesakes",
        namesakes_table(pop.actors, pop.identities, pop.consumers, planted, squats),
    )
    truth.write("name_squats", name_squats_table(squats, pop.actors, pop.identities))
    sellers, listings = market_tables(
        market, pop.actors, pop.identities, book, status, days, items.brand, items.n_generic
    )
    truth.write("sellers", sellers)
    truth.write("listings", listings)
    truth.write("brands", brands_table(book))
    truth.write("injected_errors", injected_table(feeds.injected))
    truth.write("resent", resent_table(feeds.resends))
    reactions = traffic.reactions.log if traffic.reactions is not None else []
    truth.write("adaptations", adaptations_table(reactions, ids.actors, ids.rings, cfg.start_date))
    tick("marketplace", 3, 3)

    files = dict(sorted(feeds.files.items()))
    truth_rows = dict(sorted(truth.rows.items()))
    world = {
        "version": VERSION,
        "seed": seed,
        "parcels": parcels,
        "days": days,
        "start_date": cfg.start_date.isoformat(),
        "config": {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(cfg).items()
        },
        "sizes": asdict(size),
        "gouging_days": list(gouging),
        "files": files,
        "truth": truth_rows,
        "injected_errors": len(feeds.injected),
        "resent_rows": len(feeds.resends),
    }
    (out / "truth" / "world.json").write_text(json.dumps(world, indent=2) + "\n", encoding="utf-8")
    return WorldSummary(files, time.perf_counter() - started, parcels, truth_rows)

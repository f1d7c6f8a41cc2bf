"""Ground truth as Parquet: who every party really is, what every parcel really held.

Only evaluation reads these tables. ``party_links`` maps each party appearance (table, natural
key, role) to its actor and identity: entity resolution is scored against it. ``shipments``
holds each parcel's hidden facts (counterfeit or not, true value, ring, inspection outcome).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redlane.sim.actors import UNUSED, Actor, Identity, Ring
from redlane.sim.adapt import Adaptation
from redlane.sim.brands import BrandBook
from redlane.sim.catalog import CATEGORIES
from redlane.sim.consumers import ConsumerPool
from redlane.sim.customs import Entries, Inspections
from redlane.sim.errors import Injected
from redlane.sim.marketplace import Market
from redlane.sim.names import render
from redlane.sim.parcels import COVER, FAKE, GOUGE, DayParcels
from redlane.sim.ports import PORTS
from redlane.sim.squats import Squat
from redlane.sim.writers import Resend

KIND_NAMES = np.array(["legit", "cover", "counterfeit", "gouging"], dtype=object)
VIA_NAMES = np.array([None, "own_name", "care_of"], dtype=object)  # parcels.DIRECT, OWN_NAME, ...
PORT_CODES = np.array([p.code for p in PORTS], dtype=object)


def id_array(values: np.ndarray[Any, Any], names: np.ndarray[Any, Any]) -> pa.Array:
    """Id strings for integer indices, null where the index is -1."""
    out = names[np.maximum(values, 0)].astype(object)
    out[values < 0] = None
    return pa.array(out.tolist(), type=pa.string())


def shipments_table(
    p: DayParcels,
    rows_hawb: np.ndarray[Any, Any],
    day: int,
    carrier: str,
    actor_ids: np.ndarray[Any, Any],
    identity_ids: np.ndarray[Any, Any],
    brand_ids: np.ndarray[Any, Any],
    ring_ids: np.ndarray[Any, Any],
    seller_ids: np.ndarray[Any, Any],
    item_hs6: np.ndarray[Any, Any],
    ent: Entries,
    entry_numbers: list[str],
    ins: Inspections,
    item_brand: np.ndarray[Any, Any],
    broken: np.ndarray[Any, Any],
    resent: np.ndarray[Any, Any],
) -> pa.Table:
    n = len(p)
    entry = np.full(n, None, dtype=object)
    entry[ent.rows] = entry_numbers
    reason = np.full(n, None, dtype=object)
    reason[ins.rows] = ins.reason
    outcome = np.full(n, None, dtype=object)
    outcome[ins.rows] = ins.outcome
    return pa.table(
        {
            "carrier": pa.array([carrier] * n, type=pa.string()),
            "hawb": pa.array(rows_hawb.tolist(), type=pa.string()),
            "day": pa.array(np.full(n, day, dtype=np.int32)),
            "port": pa.array(PORT_CODES[p.port].tolist(), type=pa.string()),
            "origin": pa.array(p.origin.tolist(), type=pa.string()),
            "kind": pa.array(KIND_NAMES[p.kind].tolist(), type=pa.string()),
            "is_counterfeit": pa.array(p.kind == FAKE),
            "price_gouging": pa.array(p.kind == GOUGE),
            "cover": pa.array(p.kind == COVER),
            "brand_id": id_array(item_brand[p.item], brand_ids),
            "true_hs6": pa.array(item_hs6[p.item].tolist(), type=pa.string()),
            "units": pa.array(p.units),
            "true_value": pa.array(p.true_usd),
            "msrp_value": pa.array(p.msrp_usd),
            "declared_value": pa.array(p.declared_usd),
            "shipper_actor_id": id_array(p.shipper, actor_ids),
            "shipper_identity_id": id_array(p.shipper_ident, identity_ids),
            "consignee_actor_id": id_array(p.consignee, actor_ids),
            "consignee_identity_id": id_array(p.consignee_ident, identity_ids),
            "seller_id": id_array(p.account, seller_ids),
            "ring_id": id_array(p.ring, ring_ids),
            "forwarder_actor_id": id_array(p.forwarder, actor_ids),
            "forwarding": pa.array(VIA_NAMES[p.via].tolist(), type=pa.string()),
            "entry_number": pa.array(entry.tolist(), type=pa.string()),
            "inspected": pa.array(reason != None),  # noqa: E711 - elementwise on an object array
            "selection_reason": pa.array(reason.tolist(), type=pa.string()),
            "outcome": pa.array(outcome.tolist(), type=pa.string()),
            "seized": pa.array(outcome == "seized"),
            "bad_row": pa.array(broken),
            "resent": pa.array(resent),
        }
    )


def links_table(
    table: str, keys: list[str], role: str, actors: pa.Array, identities: pa.Array
) -> pa.Table:
    return pa.table(
        {
            "table": pa.array([table] * len(keys), type=pa.string()),
            "record_key": pa.array(keys, type=pa.string()),
            "role": pa.array([role] * len(keys), type=pa.string()),
            "actor_id": actors,
            "identity_id": identities,
        }
    )


def links_from_tuples(rows: list[tuple[str, str, str, str, str | None]]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    return pa.table(
        {
            name: pa.array(list(c), type=pa.string())
            for name, c in zip(
                ("table", "record_key", "role", "actor_id", "identity_id"), cols, strict=True
            )
        }
    )


def actors_table(
    actors: list[Actor], identities: list[Identity], rings: list[Ring], consumers: ConsumerPool
) -> pa.Table:
    used = [sum(identities[i].start_day < UNUSED for i in a.identities) for a in actors]
    c_ids = consumers.actor_ids().tolist()
    n = consumers.n
    return pa.table(
        {
            "actor_id": [a.actor_id for a in actors] + c_ids,
            "kind": [a.kind for a in actors] + ["consumer"] * n,
            "role": [a.role for a in actors] + ["consumer"] * n,
            "ring_id": pa.array(
                [rings[a.ring].ring_id if a.ring >= 0 else None for a in actors] + [None] * n,
                type=pa.string(),
            ),
            "name": [identities[a.identities[0]].name.canonical for a in actors]
            + consumers.name[0].tolist(),
            "country": [a.country for a in actors] + ["US"] * n,
            "created_day": pa.array([a.created_day for a in actors] + [None] * n, type=pa.int32()),
            "identities": pa.array(used + [1] * n, type=pa.int32()),
            "sells": [a.sells for a in actors] + [False] * n,
            "is_gouger": [a.gouger for a in actors] + [False] * n,
            "reshipper_address": [False] * len(actors) + (consumers.reshipper >= 0).tolist(),
        }
    )


def rings_table(
    rings: list[Ring],
    actors: list[Actor],
    book: BrandBook,
    initial_ports: list[list[int]],
    seizures: list[int],
) -> pa.Table:
    def actor_id(i: int) -> str | None:
        return actors[i].actor_id if i >= 0 else None

    return pa.table(
        {
            "ring_id": [r.ring_id for r in rings],
            "size": pa.array([len(r.members) for r in rings], type=pa.int32()),
            "home_country": [r.home for r in rings],
            "brand_ids": [[book.brands[b].brand_id for b in r.brands] for r in rings],
            "initial_ports": [[PORTS[p].code for p in ports] for ports in initial_ports],
            "final_ports": [[PORTS[p].code for p in r.ports] for r in rings],
            "front_actor_id": pa.array([actor_id(r.front) for r in rings], type=pa.string()),
            "promoter_actor_id": pa.array([actor_id(r.promoter) for r in rings], type=pa.string()),
            "seizures": pa.array(seizures, type=pa.int32()),
        }
    )


def identities_table(identities: list[Identity], actors: list[Actor]) -> pa.Table:
    return pa.table(
        {
            "identity_id": [i.identity_id for i in identities],
            "actor_id": [actors[i.actor].actor_id for i in identities],
            "name": [i.name.canonical for i in identities],
            "native_name": pa.array(
                [render(i.name, native=True) if i.name.native else None for i in identities],
                type=pa.string(),
            ),
            "person": [i.person for i in identities],
            "country": [i.country for i in identities],
            "address": [i.address for i in identities],
            "phone_e164": [f"+{i.phone.cc}{i.phone.national}" for i in identities],
            "email": [i.email for i in identities],
            "bank_account": [i.bank for i in identities],
            "device_id": [i.device for i in identities],
            "ip_address": [i.ip for i in identities],
            "handle": [i.handle for i in identities],
            "start_day": pa.array(
                [i.start_day if i.start_day < UNUSED else None for i in identities], type=pa.int32()
            ),
            "used": [i.start_day < UNUSED for i in identities],
            "reused_from_previous": [list(i.reused) for i in identities],
            "shared_with_ring": [list(i.shared) for i in identities],
        }
    )


def market_tables(
    market: Market,
    actors: list[Actor],
    identities: list[Identity],
    book: BrandBook,
    status: list[str],
    days: int,
    item_brand: np.ndarray[Any, Any],
    n_generic: int,
) -> tuple[pa.Table, pa.Table]:
    live = [a for a in market.accounts if a.opened_day < days]
    sellers = pa.table(
        {
            "seller_id": [a.seller_id for a in live],
            "actor_id": [actors[a.actor].actor_id for a in live],
            "identity_id": [identities[a.identity].identity_id for a in live],
            "is_counterfeit": [a.counterfeit for a in live],
            "opened_day": pa.array([a.opened_day for a in live], type=pa.int32()),
            "closed_day": pa.array(
                [
                    a.closed_day if a.closed_day is not None and a.closed_day < days else None
                    for a in live
                ],
                type=pa.int32(),
            ),
            "status": [status[a.index] for a in live],
        }
    )
    ls = market.listings

    def brand_of(item: int) -> str | None:
        b = int(item_brand[item])
        return book.brands[b].brand_id if b >= 0 else None

    listings = pa.table(
        {
            "listing_id": [x.listing_id for x in ls],
            "seller_id": [market.accounts[x.account].seller_id for x in ls],
            "actor_id": [actors[market.accounts[x.account].actor].actor_id for x in ls],
            "is_counterfeit": [x.counterfeit for x in ls],
            "brand_id": pa.array([brand_of(x.item) for x in ls], type=pa.string()),
            "product_line": pa.array(
                [
                    book.lines[x.item - n_generic].name if item_brand[x.item] >= 0 else None
                    for x in ls
                ],
                type=pa.string(),
            ),
            "price": [x.price for x in ls],
            "listed_day": pa.array([x.listed_day for x in ls], type=pa.int32()),
            "price_gouging": [x.gouging for x in ls],
        }
    )
    return sellers, listings


def brands_table(book: BrandBook) -> pa.Table:
    return pa.table(
        {
            "brand_id": [b.brand_id for b in book.brands],
            "name": [b.name for b in book.brands],
            "rights_holder": [book.holders[b.holder].name for b in book.brands],
            "category": [CATEGORIES[b.category].key for b in book.brands],
            "tier": [b.tier for b in book.brands],
            "appeal": [b.appeal for b in book.brands],
        }
    )


def injected_table(rows: list[Injected]) -> pa.Table:
    return pa.table(
        {
            "file": pa.array([r.file for r in rows], type=pa.string()),
            "line": pa.array([r.line for r in rows], type=pa.int64()),
            "table": pa.array([r.table for r in rows], type=pa.string()),
            "record_key": pa.array([r.record_key for r in rows], type=pa.string()),
            "field": pa.array([r.field for r in rows], type=pa.string()),
            "kind": pa.array([r.kind for r in rows], type=pa.string()),
            "original": pa.array([r.original for r in rows], type=pa.string()),
            "value": pa.array([r.value for r in rows], type=pa.string()),
        }
    )


def resent_table(rows: list[Resend]) -> pa.Table:
    return pa.table(
        {
            "file": pa.array([r.file for r in rows], type=pa.string()),
            "line": pa.array([r.line for r in rows], type=pa.int64()),
            "original_file": pa.array([r.original_file for r in rows], type=pa.string()),
            "original_line": pa.array([r.original_line for r in rows], type=pa.int64()),
            "record_key": pa.array([r.record_key for r in rows], type=pa.string()),
        }
    )


def adaptations_table(
    rows: list[Adaptation],
    actor_ids: np.ndarray[Any, Any],
    ring_ids: np.ndarray[Any, Any],
    start: date,
) -> pa.Table:
    """One row per ring reaction: what triggered it, when it took effect, what changed."""

    def day(d: int) -> date:
        return start + timedelta(days=d)

    return pa.table(
        {
            "ring_id": pa.array([str(ring_ids[r.ring]) for r in rows], pa.string()),
            "actor_id": pa.array(
                [str(actor_ids[r.actor]) if r.actor >= 0 else None for r in rows], pa.string()
            ),
            "trigger": pa.array([r.trigger for r in rows], pa.string()),
            "trigger_date": pa.array([day(r.trigger_day) for r in rows], pa.date32()),
            "effective_date": pa.array([day(r.day) for r in rows], pa.date32()),
            "kind": pa.array([r.kind for r in rows], pa.string()),
            "old": pa.array([r.old for r in rows], pa.string()),
            "new": pa.array([r.new for r in rows], pa.string()),
        }
    )


def infrastructure_table(
    forwarders: list[int], actors: list[Actor], identities: list[Identity]
) -> pa.Table:
    """One row per forwarder: its identity as written canonically and how many clients it has."""
    clients: dict[int, int] = {}
    for a in actors:
        if a.forwarder >= 0:
            clients[a.forwarder] = clients.get(a.forwarder, 0) + 1
    idents = [identities[actors[f].identities[0]] for f in forwarders]
    return pa.table(
        {
            "actor_id": pa.array([actors[f].actor_id for f in forwarders], pa.string()),
            "kind": pa.array(["forwarder"] * len(forwarders), pa.string()),
            "name": pa.array([i.name.canonical for i in idents], pa.string()),
            "country": pa.array([i.country for i in idents], pa.string()),
            "address": pa.array([i.address for i in idents], pa.string()),
            "phone": pa.array([f"+{i.phone.cc}{i.phone.national}" for i in idents], pa.string()),
            "email": pa.array([i.email for i in idents], pa.string()),
            "clients": pa.array([clients.get(f, 0) for f in forwarders], pa.int32()),
        }
    )


def namesakes_table(
    actors: list[Actor],
    identities: list[Identity],
    consumers: ConsumerPool,
    planted: set[str],
    squats: list[Squat],
) -> pa.Table:
    """Every exact name (canonical form) borne by two or more distinct actors, one row per
    actor and name: the pairs entity resolution must keep apart although the names are equal.
    ``source`` says why: the namesake mechanic (``common_name``, actor ids in ``planted``), name
    squatting (``name_squat``), or chance (short name lists make real coincidences)."""
    seen: set[tuple[str, int]] = set()
    rows: list[tuple[str, str, str, str, bool]] = []
    for ident in identities:
        key = (ident.name.canonical, ident.actor)
        if ident.start_day >= UNUSED or key in seen:
            continue
        seen.add(key)
        actor = actors[ident.actor]
        rows.append((key[0], actor.actor_id, actor.kind, ident.country, ident.person))
    n = consumers.n
    cols = list(zip(*rows, strict=True)) if rows else [()] * 5
    # Consumers are most actors of a large world (and half of them share a name by chance at
    # scale medium): the grouping is done by Arrow, not row by row.
    table = pa.table(
        {
            "name": pa.array([*cols[0], *consumers.name[0].tolist()], pa.string()),
            "actor_id": pa.array([*cols[1], *consumers.actor_ids().tolist()], pa.string()),
            "kind": pa.array([*cols[2], *(["consumer"] * n)], pa.string()),
            "country": pa.array([*cols[3], *(["US"] * n)], pa.string()),
            "person": pa.array([*cols[4], *([True] * n)], pa.bool_()),
        }
    ).sort_by([("name", "ascending"), ("actor_id", "ascending")])
    names = table.column("name").combine_chunks()
    first = np.ones(len(names), dtype=np.bool_)
    if len(names) > 1:
        first[1:] = pc.not_equal(names.slice(1), names.slice(0, len(names) - 1)).to_numpy(
            zero_copy_only=False
        )
    run = np.cumsum(first) - 1  # which name each row bears, in name order
    shared = np.bincount(run, minlength=1)[run] > 1
    table = table.filter(pa.array(shared))
    group = np.unique(run[shared], return_inverse=True)[1] + 1
    squatters = {actors[s.front_actor].actor_id for s in squats} | {
        actors[s.legit_actor].actor_id for s in squats
    }
    ids = table.column("actor_id")
    is_planted = pc.is_in(ids, value_set=pa.array(sorted(planted), pa.string())).to_numpy(
        zero_copy_only=False
    )
    is_squat = pc.is_in(ids, value_set=pa.array(sorted(squatters), pa.string())).to_numpy(
        zero_copy_only=False
    )
    source = np.where(is_planted, "common_name", np.where(is_squat, "name_squat", "chance"))
    return pa.table(
        {
            "group": pa.array([f"NS-{g:05d}" for g in group.tolist()], pa.string()),
            "name": table.column("name"),
            "actor_id": ids,
            "kind": table.column("kind"),
            "country": table.column("country"),
            "person": table.column("person"),
            "source": pa.array(source.tolist(), pa.string()),
        }
    )


def name_squats_table(
    squats: list[Squat], actors: list[Actor], identities: list[Identity]
) -> pa.Table:
    """One row per counterfeit identity trading under a legitimate firm's exact name."""
    return pa.table(
        {
            "front_actor_id": pa.array(
                [actors[s.front_actor].actor_id for s in squats], pa.string()
            ),
            "front_identity_id": pa.array(
                [identities[s.front_identity].identity_id for s in squats], pa.string()
            ),
            "legit_actor_id": pa.array(
                [actors[s.legit_actor].actor_id for s in squats], pa.string()
            ),
            "legit_identity_id": pa.array(
                [identities[s.legit_identity].identity_id for s in squats], pa.string()
            ),
            "name": pa.array(
                [identities[s.front_identity].name.canonical for s in squats], pa.string()
            ),
            "country": pa.array(
                [identities[s.front_identity].country for s in squats], pa.string()
            ),
            "used": pa.array(
                [identities[s.front_identity].start_day < UNUSED for s in squats], pa.bool_()
            ),
        }
    )

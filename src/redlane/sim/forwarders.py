"""Freight forwarders (consolidators) as shippers of record for other people's parcels.

In the field, a small seller in Shenzhen hands parcels to a forwarder, who puts them on the
carrier's manifest. The waybill then names either the forwarder itself (its name, address,
phone; often the merchant's marketplace reference on the label) or the seller "c/o" the
forwarder (the seller's name at the forwarder's address, the forwarder's phone). One
forwarder's phone and address thus turn up with dozens of unrelated senders, legitimate and
counterfeit mixed: a shared identifier that does not make its users one actor or one ring.

The truth follows the waybill: an own-name party is the forwarder (``party_links``), a c/o
party is the client; the parcel itself (``shipments``: who is behind it, which ring) stays the
client's. Every draw here comes from streams of its own, so with the shares at 0 the rest of
the world is drawn exactly as without forwarders.
"""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt

from redlane.sim.actors import Actor, IdentityFactory
from redlane.sim.config import SimConfig
from redlane.sim.names import forwarder_name
from redlane.sim.parcels import CARE_OF, DIRECT, OWN_NAME, DayParcels
from redlane.sim.pools import IdentityPools

IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
# One forwarder per this many shipping actors (at least MIN_FORWARDERS): at the defaults each
# has 40-80 clients at every scale, of whom 20-50 ship in a month.
SHIPPERS_PER_FORWARDER = 400
MIN_FORWARDERS = 3
# The first two are the hubs every world has; the rest are drawn. Forwarding is concentrated
# in southern China and Hong Kong; a few work from other exporting countries.
HUBS = ("CN", "HK")
COUNTRIES = {
    "CN": 0.5,
    "HK": 0.35,
    "GB": 0.03,
    "DE": 0.03,
    "TR": 0.02,
    "KR": 0.03,
    "VN": 0.02,
    "IN": 0.02,
}
# Forwarders' software fills their own contact fields: kept far more often than a sender's.
KEEP_ADDRESS, KEEP_PHONE, KEEP_EMAIL = 0.98, 0.9, 0.5
CARE_OF_FORMS = ("c/o", "C/O", "care of")
CARE_OF_P = np.array([0.55, 0.3, 0.15])


def region(country: str) -> str:
    """Where a forwarder finds clients: mainland and Hong Kong sellers use either's forwarders
    (goods cross the border daily); elsewhere a forwarder serves its own country."""
    return "CN" if country in HUBS else country


def make_forwarders(
    actors: list[Actor],
    factory: IdentityFactory,
    shippers: list[int],
    cfg: SimConfig,
    rng: random.Random,
) -> list[int]:
    """Add forwarder actors and make a share of ``shippers`` their clients; returns their
    indices (none when either share is 0)."""
    if cfg.forwarder_client_share <= 0 or cfg.forwarded_parcel_share <= 0 or not shippers:
        return []
    n = max(MIN_FORWARDERS, round(len(shippers) / SHIPPERS_PER_FORWARDER))
    countries = list(COUNTRIES)
    weights = list(COUNTRIES.values())
    out: list[int] = []
    for k in range(n):
        country = HUBS[k] if k < len(HUBS) else rng.choices(countries, weights=weights)[0]
        created = -rng.randint(365, max(366, cfg.history_days))
        a = Actor(len(actors), f"A-{len(actors) + 1:07d}", "legit", "forwarder", country, created)
        actors.append(a)
        factory.new(
            a,
            person=False,
            country=country,
            start_day=created,
            name=forwarder_name(country, rng),
            rng=rng,
        )
        out.append(a.index)
    by_region: dict[str, list[int]] = {}
    for f in out:
        by_region.setdefault(region(actors[f].country), []).append(f)
    # Some forwarders are busier than others: the k-th of a region draws clients as 1/sqrt(k).
    busy = {r: [1.0 / (k + 1) ** 0.5 for k in range(len(fs))] for r, fs in by_region.items()}
    for i in shippers:
        served = region(actors[i].country)
        if served not in by_region or rng.random() >= cfg.forwarder_client_share:
            continue
        actors[i].forwarder = rng.choices(by_region[served], weights=busy[served])[0]
    return out


def route(
    p: DayParcels,
    actor_forwarder: IntArray,
    active_ident: IntArray,
    cfg: SimConfig,
    rng: np.random.Generator,
) -> None:
    """Decide which of a day's parcels go through their sender's forwarder, and how written."""
    n = len(p)
    if n == 0 or len(actor_forwarder) == 0:
        return
    fwd = actor_forwarder[p.shipper]
    sent = (fwd >= 0) & (rng.random(n) < cfg.forwarded_parcel_share)
    own = rng.random(n) < cfg.forwarder_own_name_share
    p.forwarder = np.where(sent, fwd, -1).astype(np.int64)
    p.forwarder_ident = np.where(sent, active_ident[np.maximum(fwd, 0)], -1).astype(np.int64)
    p.via = np.where(sent, np.where(own, OWN_NAME, CARE_OF), DIRECT).astype(np.int8)


def rewrite_shippers(
    aed: dict[str, list[str]],
    p: DayParcels,
    pools: IdentityPools,
    seller_ids: ObjArray,
    cfg: SimConfig,
    rng: np.random.Generator,
) -> None:
    """Write the shipper fields of forwarded parcels in the day's AED columns, in place."""
    own = np.flatnonzero(p.via == OWN_NAME)
    care = np.flatnonzero(p.via == CARE_OF)
    if len(own):
        fi = p.forwarder_ident[own]
        u = rng.random((4, len(own)))
        account = p.account[own]
        ref = np.where(
            (account >= 0) & (u[3] < cfg.forwarder_seller_ref_share),
            seller_ids[np.maximum(account, 0)],
            "",
        )
        _put(aed["shipper_name"], own, pools.name[pools.slot(fi, rng)])
        _put(
            aed["shipper_address"],
            own,
            _keep(pools.address[pools.slot(fi, rng)], u[0], KEEP_ADDRESS),
        )
        _put(aed["shipper_country"], own, pools.country[fi])
        _put(aed["shipper_phone"], own, _keep(pools.phone[pools.slot(fi, rng)], u[1], KEEP_PHONE))
        _put(aed["shipper_email"], own, _keep(pools.email[pools.slot(fi, rng)], u[2], KEEP_EMAIL))
        _put(aed["seller_ref"], own, ref)
    if len(care):
        # The client's own name and e-mail (as the day's rows already carry them, blank as
        # often as usual) at the forwarder's address, with the forwarder's phone.
        fi = p.forwarder_ident[care]
        forms = np.array(CARE_OF_FORMS, dtype=object)
        prefix = forms[rng.choice(len(forms), size=len(care), p=CARE_OF_P)]
        names = pools.name[pools.slot(fi, rng)]
        places = pools.address[pools.slot(fi, rng)]
        text = [
            f"{c} {n}, {a}"
            for c, n, a in zip(prefix.tolist(), names.tolist(), places.tolist(), strict=True)
        ]
        phone = _keep(pools.phone[pools.slot(fi, rng)], rng.random(len(care)), KEEP_PHONE)
        _put(aed["shipper_address"], care, np.array(text, dtype=object))
        _put(aed["shipper_country"], care, pools.country[fi])
        _put(aed["shipper_phone"], care, phone)


def _keep(values: ObjArray, u: npt.NDArray[np.float64], p: float) -> ObjArray:
    out: ObjArray = np.where(u < p, values, "")
    return out


def _put(column: list[str], rows: IntArray, values: ObjArray) -> None:
    for i, v in zip(rows.tolist(), values.tolist(), strict=True):
        column[i] = v

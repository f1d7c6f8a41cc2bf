"""A day's arrays turned into feed rows: AED, customs entries and inspections, as strings.

Every party field is an index into the pre-rendered variant pools, so building a million rows
is a few fancy-indexing operations and list conversions. Optional fields are left out at the
rates carriers and brokers actually leave them out (shipper emails are rare, phones common).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from redlane.sim.brands import BrandBook
from redlane.sim.catalog import NOTES_CLEARED, NOTES_OTHER, NOTES_SEIZED
from redlane.sim.customs import Entries, Inspections, importer_number
from redlane.sim.parcels import DayParcels, ParcelContext
from redlane.sim.ports import PORTS

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]
AIRLINES = {
    "CN": "784",
    "HK": "160",
    "KR": "180",
    "VN": "738",
    "IN": "098",
    "DE": "020",
    "GB": "125",
    "IT": "055",
    "TR": "235",
    "RU": "555",
}
PORT_CODES = np.array([p.code for p in PORTS], dtype=object)


@dataclass
class DayRows:
    aed: dict[str, list[str]]
    hawb: ObjArray
    consignee_name: ObjArray
    consignee_address: ObjArray
    entries: dict[str, list[str]]
    entry_numbers: list[str]
    inspections: dict[str, list[str]]
    inspection_ids: list[str]


def iso(day_start: np.datetime64, seconds: IntArray, *, with_time: bool = True) -> list[str]:
    stamps = day_start + seconds.astype("timedelta64[s]")
    if not with_time:
        return np.datetime_as_string(stamps, unit="D").tolist()  # type: ignore[no-any-return]
    return [s + "Z" for s in np.datetime_as_string(stamps, unit="s").tolist()]


def _money(values: npt.NDArray[np.float64]) -> list[str]:
    return [f"{v:.2f}" for v in values.tolist()]


def _blank(values: ObjArray, keep: npt.NDArray[np.bool_]) -> list[str]:
    out: list[str] = np.where(keep, values, "").tolist()
    return out


def _mawb(p: DayParcels, day: int, rng: np.random.Generator) -> ObjArray:
    origins = sorted(set(p.origin.tolist()))
    code = {c: i for i, c in enumerate(origins)}
    o = np.array([code[c] for c in p.origin.tolist()], dtype=np.int64)
    key = (o * len(PORTS) + p.port) * 4 + rng.integers(0, 4, len(p))
    uniq, inverse = np.unique(key, return_inverse=True)
    labels = []
    for k in uniq.tolist():
        origin = origins[k // 4 // len(PORTS)]
        serial = (day * 7919 + k * 104_729 + 1_000_003) % 10_000_000
        labels.append(f"{AIRLINES.get(origin, '176')}-{serial:07d}{serial % 7}")
    out: ObjArray = np.array(labels, dtype=object)[inverse]
    return out


def day_rows(
    ctx: ParcelContext,
    book: BrandBook,
    p: DayParcels,
    ent: Entries,
    ins: Inspections,
    day: int,
    hawb_start: int,
    inspection_start: int,
    carrier: str,
    start: date,
    rng: np.random.Generator,
) -> DayRows:
    n = len(p)
    pools, cons = ctx.pools, ctx.consumers
    day_start = np.datetime64(start, "s") + np.timedelta64(day * 86_400, "s")
    hawb = np.array([f"EX{hawb_start + i:010d}" for i in range(n)], dtype=object)
    s_name = pools.name[pools.slot(p.shipper_ident, rng)]
    s_addr = pools.address[pools.slot(p.shipper_ident, rng)]
    s_phone = pools.phone[pools.slot(p.shipper_ident, rng)]
    s_email = pools.email[pools.slot(p.shipper_ident, rng)]
    is_consumer = p.consumer >= 0
    ci = np.maximum(p.consumer, 0)
    bi = np.maximum(p.consignee_ident, 0)
    variant = rng.random(n) < 0.15

    def consignee(pool: ObjArray, pair: tuple[ObjArray, ObjArray]) -> ObjArray:
        personal = np.where(variant, pair[1][ci], pair[0][ci])
        out: ObjArray = np.where(is_consumer, personal, pool[pools.slot(bi, rng)])
        return out

    c_name = consignee(pools.name, cons.name)
    c_addr = consignee(pools.address, cons.address)
    c_phone = consignee(pools.phone, cons.phone)
    c_email = consignee(pools.email, cons.email)
    u = rng.random((6, n))
    business_keep = ~is_consumer
    seller = np.where(p.account >= 0, p.account, 0)
    aed = {
        "carrier": [carrier] * n,
        "awb": _mawb(p, day, rng).tolist(),
        "hawb": hawb.tolist(),
        "shipper_name": s_name.tolist(),
        "shipper_address": _blank(s_addr, u[0] < 0.95),
        "shipper_country": pools.country[p.shipper_ident].tolist(),
        "shipper_phone": _blank(s_phone, u[1] < 0.7),
        "shipper_email": _blank(s_email, u[2] < 0.4),
        "consignee_name": c_name.tolist(),
        "consignee_address": c_addr.tolist(),
        "consignee_country": ["US"] * n,
        "consignee_phone": _blank(c_phone, is_consumer | (business_keep & (u[3] < 0.6))),
        "consignee_email": _blank(c_email, is_consumer | (business_keep & (u[4] < 0.3))),
        "description": p.description.tolist(),
        "hs6": p.hs6.tolist(),
        "declared_value": _money(p.declared_value),
        "currency": p.currency.tolist(),
        "weight_kg": [f"{max(w, 0.01):.2f}" for w in p.weight.tolist()],
        "pieces": [str(x) for x in p.pieces.tolist()],
        "origin_country": p.origin.tolist(),
        "port_of_entry": PORT_CODES[p.port].tolist(),
        "expected_arrival": iso(day_start, p.arrival),
        "seller_ref": _blank(ctx.seller_ids[seller], (p.account >= 0) & (u[5] < 0.35)),
        "submitted_at": iso(day_start, p.submitted),
    }
    entries, entry_numbers = _entry_columns(p, ent, hawb, c_name, c_addr, day_start, rng)
    inspections, inspection_ids = _inspection_columns(
        ctx, book, p, ins, hawb, day_start, inspection_start, rng
    )
    return DayRows(aed, hawb, c_name, c_addr, entries, entry_numbers, inspections, inspection_ids)


def _texts(options: tuple[str, ...], m: int, rng: np.random.Generator) -> ObjArray:
    out: ObjArray = np.array(options, dtype=object)[rng.integers(0, len(options), m)]
    return out


def _entry_columns(
    p: DayParcels,
    ent: Entries,
    hawb: ObjArray,
    c_name: ObjArray,
    c_addr: ObjArray,
    day_start: np.datetime64,
    rng: np.random.Generator,
) -> tuple[dict[str, list[str]], list[str]]:
    r = ent.rows
    m = len(r)
    formal = ent.entry_type != "86"
    business = p.consumer[r] < 0
    numbers = [
        f"{f}-{s % 10_000_000:07d}-{s % 9}"
        for f, s in zip(ent.filer.tolist(), ent.serial.tolist(), strict=True)
    ]
    importer_id = [
        importer_number(int(a)) if b else ""
        for a, b in zip(p.consignee[r].tolist(), business.tolist(), strict=True)
    ]
    u = rng.random((3, m))
    cols = {
        "entry_number": numbers,
        "entry_type": ent.entry_type.tolist(),
        "port_code": PORT_CODES[p.port[r]].tolist(),
        "hawb": hawb[r].tolist(),
        "importer_name": c_name[r].tolist(),
        "importer_id": importer_id,
        "importer_address": _blank(c_addr[r], formal | (u[0] < 0.2)),
        "hts10": ent.hts10.tolist(),
        "description": _blank(p.description[r], formal | (u[1] < 0.7)),
        "entered_value": _money(p.declared_usd[r]),
        "currency": ["USD"] * m,
        "quantity": _blank(p.units[r].astype(str).astype(object), formal | (u[2] < 0.5)),
        "country_of_origin": p.origin[r].tolist(),
        "entry_date": iso(day_start, p.arrival[r], with_time=False),
        "filer_code": ent.filer.tolist(),
    }
    return cols, numbers


def _inspection_columns(
    ctx: ParcelContext,
    book: BrandBook,
    p: DayParcels,
    ins: Inspections,
    hawb: ObjArray,
    day_start: np.datetime64,
    first_id: int,
    rng: np.random.Generator,
) -> tuple[dict[str, list[str]], list[str]]:
    r = ins.rows
    m = len(r)
    seized = ins.outcome == "seized"
    brand_idx = ctx.items.brand[p.item[r]]
    names = np.array([b.name for b in book.brands] + [""], dtype=object)
    brand = names[np.where(brand_idx >= 0, brand_idx, len(book.brands))]
    stamps = iso(day_start, p.arrival[r] + ins.delay)
    ids = [f"I-{s[:4]}-{first_id + i:06d}" for i, s in enumerate(stamps)]
    other = np.where(
        ins.outcome == "other_violation", _texts(NOTES_OTHER, m, rng), _texts(NOTES_CLEARED, m, rng)
    )
    notes = np.where(seized, _texts(NOTES_SEIZED, m, rng), other)
    cols = {
        "inspection_id": ids,
        "hawb": hawb[r].tolist(),
        "port_code": PORT_CODES[p.port[r]].tolist(),
        "inspected_at": stamps,
        "selection_reason": ins.reason.tolist(),
        "outcome": ins.outcome.tolist(),
        "brand": _blank(brand, seized),
        "seized_quantity": _blank(p.units[r].astype(str).astype(object), seized),
        "seized_value": _blank(np.array(_money(p.msrp_usd[r]), dtype=object), seized),
        "currency": _blank(np.full(m, "USD", dtype=object), seized),
        "officer_id": ins.officer.tolist(),
        "notes": notes.tolist(),
    }
    return cols, ids

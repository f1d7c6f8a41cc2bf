"""Customs' side of a day: entries filed, which parcels officers inspected, what they found.

Most parcels under de minimis are never entered; some appear as type-86 rows with little data,
and values over $800 get informal (11) or formal (01) entries with an importer and an HTS10
that extends the HS6. Each port inspects up to its capacity, chosen the way targeting worked
before redlane: lookouts on previously seized shippers, officers' judgement (better than chance,
far from perfect), simple rules on origin and risky chapters, and random picks. Seizures feed
back: the seized identity goes on lookout, the actor may switch identity, the ring may move port.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from redlane.sim.catalog import GENERIC_MISDESCRIPTIONS, hts_suffix
from redlane.sim.items import ItemTable
from redlane.sim.parcels import FAKE, GOUGE, DayParcels, DayState

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]
RISKY_CHAPTERS = ("42", "61", "62", "64", "71", "91", "85", "33")
FILERS = ("KQ7", "F12", "EXB", "B3N", "DHX", "M9T", "A41", "Z2P", "UPX", "C77", "P0L", "W8R")
REASONS = ("lookout", "targeted", "rule", "random", "other")


@dataclass
class Entries:
    rows: IntArray  # parcel rows that were entered
    entry_type: ObjArray
    hts10: ObjArray
    filer: ObjArray
    serial: IntArray


@dataclass
class Inspections:
    rows: IntArray
    reason: ObjArray
    outcome: ObjArray
    delay: IntArray  # seconds after arrival
    officer: ObjArray


def file_entries(
    p: DayParcels, items: ItemTable, type86_rate: float, serial_start: int, rng: np.random.Generator
) -> Entries:
    n = len(p)
    formal = p.declared_usd > 800
    rows = np.flatnonzero(formal | (rng.random(n) < type86_rate))
    value = p.declared_usd[rows]
    entry_type = np.where(value > 2500, "01", np.where(value > 800, "11", "86")).astype(object)
    hs6 = p.hs6[rows]
    fallback = items.hs6[p.item[rows]]
    hs6 = np.where(hs6 == "", fallback, hs6)
    pick = rng.integers(0, 2, len(rows)).tolist()
    hts10 = np.array(
        [h + hts_suffix(h, k) for h, k in zip(hs6.tolist(), pick, strict=True)], dtype=object
    )
    filer = np.array(FILERS, dtype=object)[rng.integers(0, len(FILERS), len(rows))]
    serial = serial_start + np.arange(len(rows), dtype=np.int64)
    return Entries(rows, entry_type, hts10, filer, serial)


def inspect(
    p: DayParcels, state: DayState, capacity: list[int], rng: np.random.Generator
) -> Inspections:
    n = len(p)
    fake = p.counterfeit
    chapter = np.array([h[:2] for h in p.hs6.tolist()], dtype=object)
    asian = np.isin(p.origin, ("CN", "HK"))
    vague = np.isin(p.description, GENERIC_MISDESCRIPTIONS)
    rule = (
        asian
        & (np.isin(chapter, RISKY_CHAPTERS) | (chapter == "") | vague)
        & (p.declared_usd < 150)
    )
    # A lookout is matched on the name as written (a forwarder's, when it ships in its own
    # name): variants slip past it some of the time.
    lookout = state.lookout[p.written_ident] & (rng.random(n) < 0.6)
    # Officers' judgement: some signal, mostly noise.
    score = 0.8 * fake + 0.4 * rule + 0.3 * vague + rng.normal(0.0, 1.0, n)
    reason = np.full(n, "", dtype=object)
    for port, cap in enumerate(capacity):
        here = p.port == port
        if cap <= 0 or not here.any():
            continue
        budget = _split(cap, rng)
        free = here.copy()
        for name, mask, order, quota in (
            ("lookout", lookout & free, None, budget[0]),
            ("targeted", free, score, budget[1]),
            ("rule", rule & free, None, budget[2]),
        ):
            picked = _take(np.flatnonzero(mask & free), quota, order, rng)
            reason[picked] = name
            free[picked] = False
        left = cap - int((reason[here] != "").sum())
        picked = _take(np.flatnonzero(free), left, None, rng)
        reason[picked] = np.where(rng.random(len(picked)) < 0.05, "other", "random")
    rows = np.flatnonzero(reason != "")
    u = rng.random(len(rows))
    gouge = p.kind[rows] == GOUGE
    outcome = np.where(
        fake[rows],
        np.where(u < 0.92, "seized", "cleared"),
        np.where(u < np.where(gouge, 0.6, 0.03), "other_violation", "cleared"),
    )
    delay = rng.integers(3600, 30 * 3600, len(rows))
    officer = np.array(
        [
            f"OFF-{int(pt) + 1}{k:02d}"
            for pt, k in zip(
                p.port[rows].tolist(), rng.integers(0, 30, len(rows)).tolist(), strict=True
            )
        ],
        dtype=object,
    )
    return Inspections(rows, reason[rows], outcome.astype(object), delay, officer)


def _split(cap: int, rng: np.random.Generator) -> list[int]:
    """Capacity for lookouts, targeting and rules; what is left is random selection."""
    shares = np.array([0.1, 0.45, 0.2])
    base = np.floor(cap * shares).astype(np.int64)
    extra = rng.random(3) < (cap * shares - base)
    return [int(x) for x in base + extra]


def _take(
    candidates: IntArray, k: int, order: npt.NDArray[np.float64] | None, rng: np.random.Generator
) -> IntArray:
    if k <= 0 or len(candidates) == 0:
        return np.empty(0, dtype=np.int64)
    if len(candidates) <= k:
        return candidates
    if order is None:
        out: IntArray = rng.choice(candidates, size=k, replace=False)
        return out
    best: IntArray = candidates[np.argsort(-order[candidates], kind="stable")[:k]]
    return best


@dataclass(frozen=True)
class Seizure:
    day: int
    actor: int
    identity: int
    ring: int
    port: int
    written: int  # the identity the waybill names (goes on the lookout list)


def seizures(p: DayParcels, ins: Inspections, day: int) -> list[Seizure]:
    seized = ins.rows[(ins.outcome == "seized") & (p.kind[ins.rows] == FAKE)]
    written = p.written_ident
    return [
        Seizure(
            day,
            int(p.shipper[r]),
            int(p.shipper_ident[r]),
            int(p.ring[r]),
            int(p.port[r]),
            int(written[r]),
        )
        for r in seized.tolist()
    ]


def importer_number(actor: int) -> str:
    """A stable EIN-style importer number for a business."""
    return (
        f"{10 + actor * 7919 % 89:02d}-{1_000_000 + actor * 104_729 % 8_999_999:07d}"
        f"{'ABCDEFGHJK'[actor % 10]}{'ABCDEFGHJK'[actor // 10 % 10]}"
    )

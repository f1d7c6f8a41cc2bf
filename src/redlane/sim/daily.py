"""The simulated days: parcels arrive, customs enters and inspects them, actors react.

Each day is generated, written and forgotten before the next, so memory does not grow with the
number of parcels. Between days the world adapts: a seized identity goes on customs' lookout
list, the actor behind it may come back a few days later under its next identity, and its ring
may move to other ports. About half a percent of each day's AED rows are resent in the next
day's file, exactly as sent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from redlane.model.spec import CARRIER, CUSTOMS, INSPECTIONS
from redlane.sim.actors import UNUSED, Actor, Identity, Ring, active_identity
from redlane.sim.brands import BrandBook
from redlane.sim.config import SimConfig, np_rng, py_rng
from redlane.sim.customs import Entries, Inspections, file_entries, inspect, seizures
from redlane.sim.errors import plan
from redlane.sim.parcels import DayParcels, DayState, ParcelContext, draw_day
from redlane.sim.ports import PORTS, weights
from redlane.sim.records import day_rows
from redlane.sim.truth import id_array, links_table, shipments_table
from redlane.sim.writers import FeedWriter, Row, TruthWriter

Progress = Callable[[str, int, int], None]
ObjArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Ids:
    """Index -> id string lookups used to write the truth."""

    actors: ObjArray
    identities: ObjArray
    brands: ObjArray
    rings: ObjArray
    sellers: ObjArray


@dataclass
class Traffic:
    ctx: ParcelContext
    book: BrandBook
    actors: list[Actor]
    identities: list[Identity]
    rings: list[Ring]
    cfg: SimConfig
    seed: int
    days: int
    capacity: list[int]
    ids: Ids
    feeds: FeedWriter
    truth: TruthWriter
    ring_seizures: list[int] = field(default_factory=list)
    pending: dict[int, tuple[int, int]] = field(default_factory=dict)

    def run(self, counts: list[int], progress: Progress | None) -> None:
        state = DayState(
            active_ident=np.array(
                [active_identity(a, self.identities, 0) for a in self.actors], dtype=np.int64
            ),
            ring_ports=np.array(
                [[r.ports[0], r.ports[-1]] for r in self.rings], dtype=np.int64
            ).reshape(-1, 2),
            lookout=np.zeros(len(self.identities), dtype=np.bool_),
        )
        self.ring_seizures = [0] * len(self.rings)
        hawb_next, entry_next, inspection_next = 1, 1, 1
        resend: list[tuple[Row, str, int, str]] = []
        adapt = py_rng(self.seed, "adapt")
        for day in range(self.days):
            self._switch(state, day)
            rng = np_rng(self.seed, f"day-{day}")
            p = draw_day(self.ctx, state, day, counts[day], rng)
            ent = file_entries(p, self.ctx.items, self.cfg.type86_rate, entry_next, rng)
            ins = inspect(p, state, self.capacity, rng)
            rows = day_rows(
                self.ctx,
                self.book,
                p,
                ent,
                ins,
                day,
                hawb_next,
                inspection_next,
                self.cfg.carrier,
                self.cfg.start_date,
                rng,
            )
            hawb_next += len(p)
            entry_next += len(ent.rows)
            inspection_next += len(ins.rows)
            write = py_rng(self.seed, f"write-{day}")
            tag = (self.cfg.start_date + timedelta(days=day)).strftime("%Y%m%d")
            hawbs: list[str] = rows.hawb.tolist()
            later = plan(len(p), self.cfg.resend_rate, write) if day < self.days - 1 else []
            aed_rel = f"carrier/aed_{tag}.csv"
            lines, broken = self.feeds.csv(
                aed_rel,
                CARRIER.tables[0],
                rows.aed,
                hawbs,
                write,
                keep=frozenset(later),
                resent=resend,
            )
            header = CARRIER.tables[0].field_names()
            resend = [
                (tuple(rows.aed[h][i] for h in header), aed_rel, lines[i], hawbs[i]) for i in later
            ]
            self.feeds.csv(
                f"customs/entries_{tag}.csv",
                CUSTOMS.tables[0],
                rows.entries,
                rows.entry_numbers,
                write,
            )
            self.feeds.csv(
                f"customs/inspections_{tag}.csv",
                INSPECTIONS.tables[0],
                rows.inspections,
                rows.inspection_ids,
                write,
            )
            bad = np.zeros(len(p), dtype=np.bool_)
            bad[broken] = True
            again = np.zeros(len(p), dtype=np.bool_)
            again[later] = True
            self._truth(p, rows.hawb, day, ent, rows.entry_numbers, ins, bad, again)
            self._adapt(p, ins, state, day, adapt)
            if progress is not None:
                progress("parcels", day + 1, self.days)

    def _switch(self, state: DayState, day: int) -> None:
        for actor, (start, ident) in list(self.pending.items()):
            if start <= day:
                state.active_ident[actor] = ident
                del self.pending[actor]

    def _adapt(
        self, p: DayParcels, ins: Inspections, state: DayState, day: int, rng: random.Random
    ) -> None:
        for s in seizures(p, ins, day):
            state.lookout[s.identity] = True
            if s.ring >= 0:
                self.ring_seizures[s.ring] += 1
            actor = self.actors[s.actor]
            if s.actor not in self.pending and rng.random() < self.cfg.switch_after_seizure:
                spare = [i for i in actor.identities if self.identities[i].start_day == UNUSED]
                start = day + 1 + rng.randint(0, 3)
                if spare and start < self.days:
                    self.identities[spare[0]].start_day = start
                    self.pending[s.actor] = (start, spare[0])
            if s.ring >= 0 and rng.random() < self.cfg.port_shift_after_seizure:
                ring = self.rings[s.ring]
                options = [i for i in range(len(PORTS)) if i != s.port]
                w = weights(True)[options]
                picks = rng.choices(options, weights=w.tolist(), k=2)
                ring.ports = sorted(set(picks))
                state.ring_ports[s.ring] = [ring.ports[0], ring.ports[-1]]

    def _truth(
        self,
        p: DayParcels,
        hawb: ObjArray,
        day: int,
        ent: Entries,
        entry_numbers: list[str],
        ins: Inspections,
        bad: BoolArray,
        again: BoolArray,
    ) -> None:
        items = self.ctx.items
        self.truth.append(
            "shipments",
            shipments_table(
                p,
                hawb,
                day,
                self.cfg.carrier,
                self.ids.actors,
                self.ids.identities,
                self.ids.brands,
                self.ids.rings,
                self.ids.sellers,
                items.hs6,
                ent,
                entry_numbers,
                ins,
                items.brand,
                bad,
                again,
            ),
        )
        keys = hawb.tolist()
        ident_ids = self.ids.identities
        actor_ids = self.ids.actors
        ids = id_array
        self.truth.append(
            "party_links",
            links_table(
                "aed_shipments",
                keys,
                "shipper",
                ids(p.shipper, actor_ids),
                ids(p.shipper_ident, ident_ids),
            ),
        )
        self.truth.append(
            "party_links",
            links_table(
                "aed_shipments",
                keys,
                "consignee",
                ids(p.consignee, actor_ids),
                ids(p.consignee_ident, ident_ids),
            ),
        )
        r = ent.rows
        self.truth.append(
            "party_links",
            links_table(
                "customs_entries",
                entry_numbers,
                "importer",
                ids(p.consignee[r], actor_ids),
                ids(p.consignee_ident[r], ident_ids),
            ),
        )

"""The simulated days: parcels arrive, customs enters and inspects them, actors react.

Each day is generated, written and forgotten before the next, so memory does not grow with the
number of parcels. Between days the world adapts: a seized identity goes on customs' lookout
list and the ring reacts (``redlane.sim.adapt``). The triggers are customs' own historical
seizures, or, when a caller drives the days (the closed loop), the seizures and holds that the
caller reports for each day from ``on_day``. About half a percent of each day's AED rows are
resent in the next day's file, exactly as sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from redlane.model.spec import CARRIER, CUSTOMS, INSPECTIONS
from redlane.sim.actors import Actor, Identity, Ring, active_identity
from redlane.sim.adapt import TRIGGERS, Reactions, RingPosture, Trigger
from redlane.sim.brands import BrandBook
from redlane.sim.config import SimConfig, np_rng, py_rng
from redlane.sim.customs import Entries, Inspections, file_entries, inspect, seizures
from redlane.sim.errors import plan
from redlane.sim.forwarders import rewrite_shippers, route
from redlane.sim.parcels import OWN_NAME, DayParcels, DayState, ParcelContext, draw_day
from redlane.sim.records import day_rows
from redlane.sim.truth import id_array, links_table, shipments_table
from redlane.sim.writers import FeedWriter, Row, TruthWriter

Progress = Callable[[str, int, int], None]
# Called after each day is written with (day, that day's parcels, their hawbs); returns the
# triggers (seizures, holds) the caller's own decisions produced that day.
OnDay = Callable[[int, "DayParcels", list[str]], list["Touch"]]


@dataclass(frozen=True)
class Touch:
    """A parcel the caller seized or held: ``kind`` is 'seizure' or 'hold'."""

    hawb: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in TRIGGERS:
            raise ValueError(f"a touch is one of {', '.join(TRIGGERS)}, not {self.kind!r}")


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
    reactions: Reactions | None = None
    # Ring parcels of the last days: hawb -> (actor, identity, ring, port), so that a caller's
    # seizure, reported by hawb, reaches the ring behind it.
    _recent: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)

    def run(
        self,
        counts: list[int],
        progress: Progress | None,
        on_day: OnDay | None = None,
        own_triggers_until: int | None = None,
    ) -> None:
        """Generate every day. With ``on_day``, customs' own historical seizures trigger
        reactions only before day ``own_triggers_until``; after it, only what ``on_day``
        reports does."""
        posture = RingPosture.initial(self.rings)
        state = DayState(
            active_ident=np.array(
                [active_identity(a, self.identities, 0) for a in self.actors], dtype=np.int64
            ),
            posture=posture,
            lookout=np.zeros(len(self.identities), dtype=np.bool_),
        )
        self.reactions = Reactions(
            self.cfg,
            self.actors,
            self.identities,
            self.rings,
            self.days,
            py_rng(self.seed, "adapt"),
            posture,
        )
        own_until = self.days if own_triggers_until is None else own_triggers_until
        self.ring_seizures = [0] * len(self.rings)
        hawb_next, entry_next, inspection_next = 1, 1, 1
        resend: list[tuple[Row, str, int, str]] = []
        for day in range(self.days):
            self.reactions.apply(day, state.active_ident)
            rng = np_rng(self.seed, f"day-{day}")
            p = draw_day(self.ctx, state, day, counts[day], rng)
            # Forwarding has its own stream: switched off, the day is drawn as it always was.
            forwarding = np_rng(self.seed, f"forwarding-{day}")
            route(p, self.ctx.actor_forwarder, state.active_ident, self.cfg, forwarding)
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
            rewrite_shippers(rows.aed, p, self.ctx.pools, self.ctx.seller_ids, self.cfg, forwarding)
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
            self._remember(p, hawbs, day)
            for s in seizures(p, ins, day):
                state.lookout[s.written] = True
                if s.ring >= 0:
                    self.ring_seizures[s.ring] += 1
                if day < own_until:
                    self.reactions.trigger(
                        Trigger(day, "seizure", s.actor, s.identity, s.ring, s.port)
                    )
            if on_day is not None:
                for touch in on_day(day, p, hawbs):
                    self._touched(touch, day)
            if progress is not None:
                progress("parcels", day + 1, self.days)

    def _remember(self, p: DayParcels, hawbs: list[str], day: int) -> None:
        # Parcels arrive up to two days after submission: older ones cannot be touched anew.
        self._recent = {h: v for h, v in self._recent.items() if v[4] >= day - 3}
        for i in np.flatnonzero(p.ring >= 0).tolist():
            self._recent[hawbs[i]] = (
                int(p.shipper[i]),
                int(p.shipper_ident[i]),
                int(p.ring[i]),
                int(p.port[i]),
                day,
            )

    def _touched(self, touch: Touch, day: int) -> None:
        known = self._recent.get(touch.hawb)
        if known is None or self.reactions is None:
            return  # not a ring's parcel: nobody reacts
        actor, identity, ring, port = known[:4]
        if touch.kind == "seizure":
            self.ring_seizures[ring] += 1
        self.reactions.trigger(Trigger(day, touch.kind, actor, identity, ring, port))

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
        # The waybill's shipper party is whoever it names: a forwarder shipping in its own name
        # is that party (the parcel is still the client's, in ``shipments``).
        own = p.via == OWN_NAME
        self.truth.append(
            "party_links",
            links_table(
                "aed_shipments",
                keys,
                "shipper",
                ids(np.where(own, p.forwarder, p.shipper), actor_ids),
                ids(p.written_ident, ident_ids),
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

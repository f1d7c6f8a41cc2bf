"""How counterfeit rings react when the joint operation touches them.

A trigger is something a ring can see: one of its parcels seized or held (marketplace takedowns are
not modelled as triggers yet). After a lag drawn once per ring (some rings are quick, some slow),
the ring reacts with a mix of moves, each with its own probability (``SimConfig``, documented with
its reasoning in ``docs/simulator.md``): members rotate to their next identity (keeping some
identifiers they cannot easily change: the reserve identities carry one or two old ones), the ring
moves ports, writes generic descriptions and declares values like a legitimate seller (stealth),
splits consignments over private consignees instead of its front company, or goes dormant for a
while.

Every reaction is written to the truth (``adaptations``) with the trigger, the day it takes
effect, the kind of change and the old and new values, so the time from an adaptation to the
next hit on the ring can be measured.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from redlane.sim.actors import UNUSED, Actor, Identity, Ring
from redlane.sim.config import SimConfig
from redlane.sim.ports import PORTS, weights

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
TRIGGERS = ("seizure", "hold")
KINDS = ("identity", "port", "stealth", "split", "dormant")


@dataclass(frozen=True)
class Trigger:
    day: int
    kind: str  # one of TRIGGERS
    actor: int
    identity: int
    ring: int
    port: int


@dataclass(frozen=True)
class Adaptation:
    ring: int
    actor: int  # -1 for a ring-wide change
    trigger_day: int
    trigger: str
    day: int  # first day the change is in force
    kind: str  # one of KINDS
    old: str
    new: str


@dataclass
class RingPosture:
    """What each ring currently does differently; read by the day's parcel draw."""

    ports: IntArray  # (rings, 2) preferred ports
    stealth: FloatArray  # share of a ring's fakes written like legitimate goods
    split: BoolArray  # bulk fakes split over private consignees instead of the front
    dormant_until: IntArray  # the ring ships nothing before this day

    @classmethod
    def initial(cls, rings: list[Ring]) -> RingPosture:
        n = len(rings)
        return cls(
            ports=np.array([[r.ports[0], r.ports[-1]] for r in rings], dtype=np.int64).reshape(
                -1, 2
            ),
            stealth=np.zeros(n, dtype=np.float64),
            split=np.zeros(n, dtype=np.bool_),
            dormant_until=np.zeros(n, dtype=np.int64),
        )


@dataclass
class Reactions:
    """Schedules and applies rings' reactions to triggers."""

    cfg: SimConfig
    actors: list[Actor]
    identities: list[Identity]
    rings: list[Ring]
    days: int
    rng: random.Random
    posture: RingPosture
    log: list[Adaptation] = field(default_factory=list)
    # actor -> (day, identity): identity switches waiting for their day
    pending_identity: dict[int, tuple[int, int]] = field(default_factory=dict)
    _queue: list[tuple[int, Trigger]] = field(default_factory=list)
    _lag: dict[int, int] = field(default_factory=dict)
    _last: dict[int, int] = field(default_factory=dict)  # ring -> day of its last reaction
    _active: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def ring_lag(self, ring: int) -> int:
        """Days between a trigger and the ring's reaction, drawn once per ring."""
        if ring not in self._lag:
            lo, hi = self.cfg.reaction_lag_days
            self._lag[ring] = self.rng.randint(lo, hi)
        return self._lag[ring]

    def trigger(self, t: Trigger) -> None:
        if t.ring < 0:
            return
        self._queue.append((t.day + self.ring_lag(t.ring), t))

    def apply(self, day: int, active_ident: IntArray) -> None:
        """Carry out every reaction due by ``day`` and switch identities whose day has come."""
        self._active = active_ident
        due = [(d, t) for d, t in self._queue if d <= day]
        self._queue = [(d, t) for d, t in self._queue if d > day]
        for when, t in sorted(due, key=lambda x: (x[0], x[1].day, x[1].actor)):
            self._react(when, t)
        for actor, (start, ident) in list(self.pending_identity.items()):
            if start <= day:
                active_ident[actor] = ident
                del self.pending_identity[actor]

    def _react(self, day: int, t: Trigger) -> None:
        cfg, rng, ring = self.cfg, self.rng, self.rings[t.ring]
        # One ring reaction per cooldown: five seizures in a day are one lesson, not five.
        if day - self._last.get(t.ring, -(10**6)) < cfg.reaction_cooldown_days:
            self._rotate(day, t, [t.actor])
            return
        self._last[t.ring] = day
        touched = [t.actor] + [
            m for m in ring.members if m != t.actor and rng.random() < cfg.ring_rotate_share
        ]
        if rng.random() < cfg.switch_after_seizure:
            self._rotate(day, t, touched)
        if rng.random() < cfg.port_shift_after_seizure:
            options = [i for i in range(len(PORTS)) if i != t.port]
            w = weights(True)[options]
            picks = sorted(set(rng.choices(options, weights=w.tolist(), k=2)))
            old = self.posture.ports[t.ring].tolist()
            ring.ports = picks
            self.posture.ports[t.ring] = [picks[0], picks[-1]]
            self._note(day, t, -1, "port", _ports(old), _ports(picks))
        if rng.random() < cfg.stealth_after_trigger:
            old_level = float(self.posture.stealth[t.ring])
            level = min(1.0, old_level + rng.uniform(*cfg.stealth_step))
            self.posture.stealth[t.ring] = level
            self._note(day, t, -1, "stealth", f"{old_level:.2f}", f"{level:.2f}")
        if not self.posture.split[t.ring] and rng.random() < cfg.split_after_trigger:
            self.posture.split[t.ring] = True
            self._note(day, t, -1, "split", "front consignee", "private consignees")
        if rng.random() < cfg.dormancy_after_trigger:
            lo, hi = cfg.dormancy_days
            until = day + rng.randint(lo, hi)
            self.posture.dormant_until[t.ring] = max(int(self.posture.dormant_until[t.ring]), until)
            self._note(day, t, -1, "dormant", str(day), str(until))

    def _rotate(self, day: int, t: Trigger, actors: list[int]) -> None:
        for a in actors:
            if a in self.pending_identity:
                continue
            spare = [i for i in self.actors[a].identities if self.identities[i].start_day == UNUSED]
            if spare and day < self.days:
                old = self.identities[int(self._active[a])].identity_id
                self.identities[spare[0]].start_day = day
                self.pending_identity[a] = (day, spare[0])
                self._note(day, t, a, "identity", old, self.identities[spare[0]].identity_id)

    def _note(self, day: int, t: Trigger, actor: int, kind: str, old: str, new: str) -> None:
        self.log.append(Adaptation(t.ring, actor, t.day, t.kind, day, kind, old, new))


def _ports(idx: list[int]) -> str:
    return "|".join(PORTS[i].code for i in sorted(set(idx)))

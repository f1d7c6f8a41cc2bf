"""US ports of entry for express parcels, their traffic shares and inspection capacity.

Express hubs (CVG, MEM, SDF) and gateway airports take most inbound parcels; transpacific
traffic favours the West Coast and Anchorage, transatlantic the East Coast. Capacity is set so
that about the configured share of a port's average daily volume can be physically inspected,
which is what makes targeting matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Port:
    code: str
    name: str
    asia: float  # share of Asian-origin traffic
    other: float  # share of the rest


PORTS: tuple[Port, ...] = (
    Port("JFK", "New York JFK", 0.11, 0.22),
    Port("LAX", "Los Angeles LAX", 0.19, 0.07),
    Port("ORD", "Chicago O'Hare", 0.11, 0.13),
    Port("MIA", "Miami", 0.04, 0.10),
    Port("CVG", "Cincinnati/Northern Kentucky (express hub)", 0.11, 0.16),
    Port("ANC", "Anchorage", 0.10, 0.01),
    Port("SDF", "Louisville (express hub)", 0.09, 0.09),
    Port("MEM", "Memphis (express hub)", 0.10, 0.10),
    Port("EWR", "Newark", 0.05, 0.09),
    Port("SFO", "San Francisco SFO", 0.10, 0.03),
)
ASIA = frozenset({"CN", "HK", "KR", "VN", "IN", "JP"})


def weights(asian: bool) -> npt.NDArray[np.float64]:
    w = np.array([p.asia if asian else p.other for p in PORTS], dtype=np.float64)
    out: npt.NDArray[np.float64] = w / w.sum()
    return out


def capacities(parcels: int, days: int, rate: float, asia_share: float) -> list[tuple[int, int]]:
    """(inspections, document checks) per port per day for the world's average volume."""
    per_day = parcels / max(days, 1)
    share = asia_share * weights(True) + (1 - asia_share) * weights(False)
    out = []
    for s in share:
        inspections = max(1, math.ceil(per_day * s * rate))
        out.append((inspections, inspections * 4))
    return out

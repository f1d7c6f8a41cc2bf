"""Knobs of the simulated world: named scales, rates and how population sizes grow with volume.

Rates are calibrated from DESIGN.md §6 where public figures exist (origin shares, what is
seized) and are settings where the truth is unknown (the counterfeit base rate). Population
sizes grow sub-linearly with parcel volume, as real trade does: twice the parcels does not mean
twice the counterfeit rings, it mostly means busier shippers.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np

VERSION = "1"
START_DATE = date(2025, 6, 1)
SCALES: dict[str, int] = {"small": 20_000, "medium": 1_000_000, "large": 4_000_000}
MAX_PARCELS = 50_000_000


def parse_scale(scale: str) -> int:
    """Parcels for a named scale or a positive whole number given as text."""
    text = scale.strip().lower().replace("_", "").replace(",", "")
    if text in SCALES:
        return SCALES[text]
    try:
        value = int(text)
    except ValueError:
        names = ", ".join(f"{k} ({v:,})" for k, v in SCALES.items())
        raise ValueError(
            f"scale must be one of {names} or a positive number of parcels, not {scale!r}"
        ) from None
    if value <= 0:
        raise ValueError(f"scale must be a positive number of parcels, not {value}")
    if value > MAX_PARCELS:
        raise ValueError(f"scale {value:,} is above the limit of {MAX_PARCELS:,} parcels")
    return value


@dataclass(frozen=True)
class SimConfig:
    """Behavioural settings; defaults are what the CLI uses."""

    counterfeit_rate: float = 0.01
    # Share of rows per feed file deliberately broken (0 disables), and of AED rows resent.
    bad_row_rate: float = 0.002
    resend_rate: float = 0.005
    inspection_rate: float = 0.02
    # Share of de minimis parcels that customs sees as a type-86 entry row.
    type86_rate: float = 0.35
    start_date: date = START_DATE
    # Marketplace history before the first simulated day.
    history_days: int = 720
    carrier: str = "EXPR"
    gouging_days: int = 5
    # Share of a gouging day's parcels that are gouged essentials.
    gouging_share: float = 0.004
    # Reactions of a ring to a seizure, hold or takedown that touches it (redlane.sim.adapt;
    # docs/simulator.md gives the reasoning for each default). Probabilities per reaction.
    switch_after_seizure: float = 0.7  # the touched actor rotates to its next identity
    port_shift_after_seizure: float = 0.5  # the ring moves to other ports
    ring_rotate_share: float = 0.3  # each other member rotates too, with this probability
    stealth_after_trigger: float = 0.5  # generic descriptions, legitimate-looking values
    stealth_step: tuple[float, float] = (0.3, 0.6)  # how much more of its fakes go stealthy
    split_after_trigger: float = 0.3  # bulk goods split over private consignees
    dormancy_after_trigger: float = 0.15  # the ring stops shipping for a while
    dormancy_days: tuple[int, int] = (3, 10)
    reaction_lag_days: tuple[int, int] = (1, 4)  # drawn once per ring
    reaction_cooldown_days: int = 3  # a second trigger this soon rotates the actor only
    # Who a counterfeit is hard to tell from: fakes priced and declared like discounted genuine
    # goods (mid-tier replicas), genuine branded goods sold cheap (outlet stock, parallel
    # imports, used goods), and legitimate small senders who undervalue.
    replica_share: float = 0.3
    bargain_share: float = 0.12
    legit_undervalue_share: float = 0.2
    legit_vague_share: float = 0.06  # vague descriptions ("gift", "sample") on genuine parcels
    # Small legitimate senders: their share of legitimate parcels, the share of them that begin
    # inside the simulated window, and the share reselling genuine branded goods.
    small_sender_share: float = 0.45
    new_sender_share: float = 0.4
    reseller_share: float = 0.6
    # Established legitimate shippers with a line of genuine branded goods (parallel trade).
    parallel_trade_share: float = 0.1
    # Who a party really is (docs/simulator.md, "Identities that mislead"). Forwarders: the share
    # of shippers (in a country a forwarder serves) that are a forwarder's clients, the share of
    # a client's parcels sent through it, the share of those written under the forwarder's own
    # name (the rest "c/o" the forwarder), and how often such a parcel carries the client's
    # seller account (forwarders label consolidated parcels with the merchant's reference).
    forwarder_client_share: float = 0.2
    forwarded_parcel_share: float = 0.5
    forwarder_own_name_share: float = 0.5
    forwarder_seller_ref_share: float = 0.6
    # Private small senders (and US consignees) who bear one of a country's most common names.
    namesake_share: float = 0.25
    consumer_namesake_share: float = 0.03
    # Company identities of counterfeit actors that trade under a legitimate firm's exact name.
    name_squat_share: float = 0.1
    # One holder per e-mail address and per social handle (redlane.sim.distinct): off gives the
    # worlds of generators before it, where two unrelated actors could draw the same value.
    distinct_contacts: bool = True

    def __post_init__(self) -> None:
        for name in (
            "counterfeit_rate",
            "bad_row_rate",
            "resend_rate",
            "inspection_rate",
            "type86_rate",
            "gouging_share",
            "switch_after_seizure",
            "port_shift_after_seizure",
            "ring_rotate_share",
            "stealth_after_trigger",
            "split_after_trigger",
            "dormancy_after_trigger",
            "replica_share",
            "bargain_share",
            "legit_undervalue_share",
            "small_sender_share",
            "new_sender_share",
            "reseller_share",
            "parallel_trade_share",
            "forwarder_client_share",
            "forwarded_parcel_share",
            "forwarder_own_name_share",
            "forwarder_seller_ref_share",
            "namesake_share",
            "consumer_namesake_share",
            "name_squat_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.small_sender_share >= 1.0:
            raise ValueError("small_sender_share must be below 1 (established shippers remain)")


@dataclass(frozen=True)
class WorldSize:
    """Population sizes for a parcel volume."""

    brands: int
    legit_shippers: int
    importers: int
    counterfeit_actors: int
    consumers: int
    consolidators: int
    reshippers: int
    gougers: int
    small_senders: int = 0

    @classmethod
    def for_parcels(cls, parcels: int) -> WorldSize:
        root = math.sqrt(parcels)
        return cls(
            brands=_clip(root / 4, 20, 300),
            legit_shippers=_clip(4 * root, 150, 20_000),
            importers=_clip(0.5 * root, 30, 3_000),
            counterfeit_actors=_clip(0.8 * root, 40, 5_000),
            consumers=_clip(parcels / 3, 1_000, 600_000),
            consolidators=_clip(root / 12, 8, 200),
            reshippers=_clip(root / 40, 4, 60),
            gougers=_clip(root / 150, 3, 12),
            small_senders=_clip(20 * root, 400, 60_000),
        )


def _clip(value: float, low: int, high: int) -> int:
    return int(min(max(round(value), low), high))


def stage_seed(seed: int, stage: str) -> list[int]:
    """Independent streams per stage, so changing one stage does not reshuffle the others."""
    return [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, zlib.crc32(stage.encode())]


def np_rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng(stage_seed(seed, stage))


def py_rng(seed: int, stage: str) -> random.Random:
    """Python's generator for string work in loops: far cheaper per call than numpy's."""
    a, b, c = stage_seed(seed, stage)
    return random.Random((a << 64) | (b << 32) | c)

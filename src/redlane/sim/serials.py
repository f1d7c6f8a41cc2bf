"""Unit authentication codes for a simulated world, derived after the fact.

Reads a generated world's ``truth/shipments.parquet`` and draws, from its own random stream
(``[seed, STREAM]``, so the world's files are untouched and byte-identical per seed):

* every brand's **enrolled** codes: one per genuine branded unit shipped (up to
  :data:`UNITS_SCANNED` per parcel) plus a retail pool of units sold at home;
* what **counterfeit** parcels carry: per ring and brand, a small *clone set* of real codes
  (bought units, mostly from the retail pool, sometimes from a shipped genuine parcel) copied
  onto every fake (:data:`CLONED_SHARE` of fakes); made-up codes (:data:`INVENTED_SHARE`); or
  no code at all.

Nothing is written: :func:`draw_codes` returns the codes per parcel and per brand, which the
brand-protection evaluation (:mod:`redlane.lab.brands_eval`) enrols and scans. Codes are
random 12-character strings; the evaluation never stores them, only their keyed hashes.
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import duckdb
import numpy as np

STREAM: Final = 0x5E41A15
UNITS_SCANNED: Final = 3
RETAIL_CODES_PER_BRAND: Final = 40
CLONE_SET_SIZE: Final = (1, 3)
CLONED_SHARE: Final = 0.5
INVENTED_SHARE: Final = 0.3
# Share of clone-set codes copied from a unit shipped in the world rather than a retail unit.
FROM_SHIPPED_SHARE: Final = 0.2
_ALPHABET: Final = np.array(list(string.ascii_uppercase + string.digits))


@dataclass
class SerialWorld:
    enrolled: dict[str, list[str]] = field(default_factory=dict)  # brand_id → codes
    carried: dict[str, list[str]] = field(default_factory=dict)  # hawb → codes on its units
    kind: dict[str, str] = field(default_factory=dict)  # hawb → genuine|cloned|invented|none
    brand: dict[str, str] = field(default_factory=dict)  # hawb → brand_id


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    picks = rng.integers(0, len(_ALPHABET), size=(n, 12))
    return ["".join(row) for row in _ALPHABET[picks]]


def draw_codes(world: Path, seed: int) -> SerialWorld:
    """The codes of every branded parcel of the world at ``world`` (see the module)."""
    rng = np.random.default_rng([seed, STREAM])
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT hawb, brand_id, is_counterfeit, coalesce(ring_id, ''), units"
            f" FROM read_parquet('{world / 'truth' / 'shipments.parquet'}')"
            " WHERE brand_id IS NOT NULL ORDER BY day, hawb"
        ).fetchall()
    finally:
        con.close()
    out = SerialWorld()
    shipped: dict[str, list[str]] = defaultdict(list)
    for hawb, brand, fake, _ring, units in rows:
        out.brand[hawb] = brand
        if not fake:
            codes = _codes(rng, max(1, min(int(units or 1), UNITS_SCANNED)))
            out.carried[hawb], out.kind[hawb] = codes, "genuine"
            shipped[brand].extend(codes)
    for brand in sorted(set(out.brand.values())):
        out.enrolled[brand] = shipped[brand] + _codes(rng, RETAIL_CODES_PER_BRAND)
    clone_sets: dict[tuple[str, str], list[str]] = {}
    for hawb, brand, fake, ring, units in rows:
        if not fake:
            continue
        u = rng.random()
        n = max(1, min(int(units or 1), UNITS_SCANNED))
        if u < CLONED_SHARE:
            key = (ring or hawb, brand)
            if key not in clone_sets:
                clone_sets[key] = _clone_set(rng, out.enrolled[brand], shipped[brand])
            pool = clone_sets[key]
            out.carried[hawb] = [pool[int(i)] for i in rng.integers(0, len(pool), n)]
            out.kind[hawb] = "cloned"
        elif u < CLONED_SHARE + INVENTED_SHARE:
            out.carried[hawb], out.kind[hawb] = _codes(rng, n), "invented"
        else:
            out.carried[hawb], out.kind[hawb] = [], "none"
    return out


def _clone_set(rng: np.random.Generator, enrolled: list[str], shipped: list[str]) -> list[str]:
    size = int(rng.integers(CLONE_SET_SIZE[0], CLONE_SET_SIZE[1] + 1))
    retail = enrolled[len(shipped) :]
    picks = []
    for _ in range(size):
        source = shipped if shipped and rng.random() < FROM_SHIPPED_SHARE else retail
        picks.append(source[int(rng.integers(0, len(source)))])
    return picks

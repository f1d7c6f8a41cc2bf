"""The goods table parcels index into: generic goods, every brand's product lines, essentials.

Parcels are drawn as integer indices; this module turns the catalogue and the brand book into
flat numpy arrays (HS code, genuine price range, unit weight, brand) and flat pools of
descriptions with per-item offsets, so a day's descriptions are one fancy-indexing operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from redlane.sim.brands import BrandBook
from redlane.sim.catalog import CATEGORIES, GENERIC, GENERIC_MISDESCRIPTIONS, GOUGING, LineSpec

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Pool:
    """Strings grouped by owner: owner ``i`` has ``values[start[i] : start[i] + count[i]]``."""

    values: ObjArray
    start: IntArray
    count: IntArray

    @classmethod
    def of(cls, groups: Sequence[Sequence[str]]) -> Pool:
        counts = np.array([len(g) for g in groups], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        flat = np.array([s for g in groups for s in g] or [""], dtype=object)
        return cls(flat, starts, counts)

    def draw(self, owners: IntArray, u: FloatArray) -> ObjArray:
        pick = self.start[owners] + (u * self.count[owners]).astype(np.int64)
        out: ObjArray = self.values[pick]
        return out


@dataclass(frozen=True)
class ItemTable:
    n_generic: int
    n_lines: int
    hs6: ObjArray
    price_lo: FloatArray
    price_hi: FloatArray
    weight: FloatArray
    brand: IntArray  # -1 for unbranded goods
    category: IntArray  # catalogue category; -1 generic, -2 essentials
    plain: Pool  # accurate descriptions without a brand
    branded: Pool  # descriptions naming the brand (unbranded goods: same as plain)
    misdescribed: Pool  # per category: what counterfeiters declare instead
    wrong_hs: Pool  # per category: HS codes counterfeiters declare instead

    def line_item(self, line: int) -> int:
        return self.n_generic + line

    def gouging_item(self, k: int) -> int:
        return self.n_generic + self.n_lines + k

    @property
    def n_gouging(self) -> int:
        return len(GOUGING)


def build_items(book: BrandBook) -> ItemTable:
    hs6: list[str] = []
    lo: list[float] = []
    hi: list[float] = []
    weight: list[float] = []
    brand: list[int] = []
    category: list[int] = []
    plain: list[tuple[str, ...]] = []
    branded: list[tuple[str, ...]] = []

    def add(spec: LineSpec, b: int, cat: int, price: tuple[float, float], label: str) -> None:
        hs6.append(spec.hs6)
        lo.append(price[0])
        hi.append(price[1])
        weight.append(spec.weight)
        brand.append(b)
        category.append(cat)
        plain.append(spec.descriptions)
        branded.append(
            tuple(f"{label} {d}" for d in spec.descriptions) if label else spec.descriptions
        )

    for spec in GENERIC:
        add(spec, -1, -1, spec.price, "")
    for line in book.lines:
        name = book.brands[line.brand].name
        spec = LineSpec(
            line.name, line.hs6, (line.price_min, line.price_max), line.weight, line.descriptions
        )
        add(spec, line.brand, line.category, spec.price, name)
    for spec in GOUGING:
        add(spec, -1, -2, spec.price, "")
    mis = [c.misdescriptions + GENERIC_MISDESCRIPTIONS for c in CATEGORIES]
    return ItemTable(
        n_generic=len(GENERIC),
        n_lines=len(book.lines),
        hs6=np.array(hs6, dtype=object),
        price_lo=np.array(lo, dtype=np.float64),
        price_hi=np.array(hi, dtype=np.float64),
        weight=np.array(weight, dtype=np.float64),
        brand=np.array(brand, dtype=np.int64),
        category=np.array(category, dtype=np.int64),
        plain=Pool.of(plain),
        branded=Pool.of(branded),
        misdescribed=Pool.of(mis),
        wrong_hs=Pool.of([c.wrong_hs for c in CATEGORIES]),
    )

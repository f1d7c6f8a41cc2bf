"""Which explanation topics apply to each row and which cite something found, for every row
at once.

:func:`redlane.targeting.reasons.explain` names a topic only when it applies to the shipment
(a ring only when there is one) and offers it as a reason to inspect only when its sentence
cites evidence (a seizure, a low price), not a count of nothing. Asked row by row these
questions cost a plan of 20,000 parcels more Python time than writing its sentences; here they
are a few array operations per column, with the values the sentences read: a missing value or
column is NaN as a number (0 as a count, counts truncated toward zero as ``int`` does) and false
as a flag.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

# The shipper identifiers a seizure can be traced through: (feature prefix, label).
IDENTIFIERS: Final = (
    ("sname", "name"),
    ("sphone", "phone"),
    ("semail", "email"),
    ("saddr", "address"),
    ("seller", "seller account"),
)
_SELLER_SIGNS: Final = ("seller_takedowns", "seller_hype_posts", "seller_seized")


@runtime_checkable
class ColumnSource(Protocol):
    """Rows that can hand over a whole column (:class:`redlane.targeting.reasons.TableRows`)."""

    def column(self, name: str) -> list[Any]: ...

    def arrow_column(self, name: str) -> pa.ChunkedArray | None: ...

    def __len__(self) -> int: ...


class Columns:
    """Columns of a plan's rows as arrays, each read once: from Arrow when the rows are a table
    (:class:`~redlane.targeting.reasons.TableRows`), else value by value from the mappings."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self._rows = rows
        self._table: ColumnSource | None = rows if isinstance(rows, ColumnSource) else None
        self._n = len(rows)
        self._floats: dict[str, Floats] = {}

    def values(self, name: str) -> list[Any]:
        if self._table is not None:
            try:
                return self._table.column(name)
            except KeyError:
                return [None] * self._n
        return [row.get(name) for row in self._rows]

    def floats(self, name: str) -> Floats:
        """``_num`` of every row: the value as a float, NaN when missing or not a number."""
        cached = self._floats.get(name)
        if cached is not None:
            return cached
        arrow = self._table.arrow_column(name) if self._table is not None else None
        if arrow is not None and _numeric(arrow.type):
            # Arrow's int-to-float cast rounds as float() does; nulls become NaN.
            cast = pc.cast(arrow, pa.float64(), safe=False).fill_null(math.nan)
            out = np.asarray(cast.to_numpy(), dtype=np.float64)
        else:
            out = np.fromiter(
                (as_number(v) for v in self.values(name)), dtype=np.float64, count=self._n
            )
        self._floats[name] = out
        return out

    def counts(self, name: str) -> Floats:
        """``_i`` of every row: the number truncated toward zero, 0 when missing."""
        x = self.floats(name)
        return np.trunc(np.where(np.isnan(x), 0.0, x))

    def flags(self, name: str) -> Mask:
        """``bool(row.get(name))`` of every row."""
        return np.fromiter((bool(v) for v in self.values(name)), dtype=bool, count=self._n)


def _numeric(kind: pa.DataType) -> bool:
    types = pa.types
    return bool(types.is_integer(kind) or types.is_floating(kind) or types.is_boolean(kind))


def as_number(value: Any) -> float:
    """A value as a float; NaN for none or for text that is not a number."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def price_is_low(c: Columns) -> Mask:
    """Rows whose price sentence cites a low value: below their own line's genuine range, or
    less per kg than earlier parcels of their description."""
    usd = c.floats("declared_value")
    low, high = c.floats("genuine_min"), c.floats("genuine_max")
    genuine = c.flags("genuine_line_matched") & ~np.isnan(low) & ~np.isnan(high)
    peers = c.floats("value_per_kg_vs_descr")
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = usd / np.maximum(c.counts("pieces"), 1.0)
        below = np.where(genuine, unit < low, ~np.isnan(peers) & (peers < 0))
    return np.asarray(~np.isnan(usd) & below, dtype=bool)


def applies(topic: str, c: Columns, n: int) -> Mask:
    """Topics that would describe something the shipment does not have are never named."""
    if topic == "actor":
        return c.flags("shipper_actor_id")
    if topic == "ring":
        return c.flags("ring_id")
    if topic == "seller":
        return c.flags("seller_ref")
    return np.ones(n, dtype=bool)


def has_evidence(topic: str, c: Columns, n: int) -> Mask:
    """Whether the topic's sentence cites something found: "port JFK: 0 seizures in 60 days"
    may lower the risk but is never a reason to inspect."""
    with np.errstate(invalid="ignore"):
        if topic == "port":
            return c.counts("port_seized_60d") > 0
        if topic == "price":
            return price_is_low(c)
        if topic == "route":
            seized = c.counts("hs6_origin_seized") + c.counts("origin_seized") > 0
            return seized | (c.floats("origin_ne_shipper_country") > 0)
        if topic == "ring":
            return c.counts("ring_seized") > 0
        if topic == "actor":
            return c.counts("sactor_seized") > 0
        if topic == "identifiers":
            return _any_nonzero(c, [f"{key}_seized" for key, _ in IDENTIFIERS], n)
        if topic == "consignee":
            total = c.counts("cname_seized") + c.counts("caddr_seized")
            return total + c.counts("consignee_volume_30d") > 0
        if topic == "seller":
            return _any_nonzero(c, list(_SELLER_SIGNS), n) | (c.floats("listing_price_ratio") < 1)
    return np.ones(n, dtype=bool)


def _any_nonzero(c: Columns, names: list[str], n: int) -> Mask:
    out = np.zeros(n, dtype=bool)
    for name in names:
        out |= c.counts(name) != 0
    return out


def topic_masks(rows: Sequence[Any], topics: Sequence[str]) -> tuple[Mask, Mask]:
    """``(applies, has_evidence)``, rows × topics."""
    n, c = len(rows), Columns(rows)
    named = np.column_stack([applies(t, c, n) for t in topics]) if n else _empty(topics)
    found = np.column_stack([has_evidence(t, c, n) for t in topics]) if n else _empty(topics)
    return named.reshape(n, len(topics)), found.reshape(n, len(topics))


def _empty(topics: Sequence[str]) -> Mask:
    return np.zeros((0, len(topics)), dtype=bool)

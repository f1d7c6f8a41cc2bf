"""Officer sentences from LightGBM contributions (``pred_contrib``).

Features are grouped into topics (price, description, shipper history, ring, seller…); a
shipment's reasons are the topics with the largest positive contribution to its score, each
turned into one sentence with the shipment's own values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.targeting.features import FEATURES

Row = Mapping[str, Any]


class TableRows(Sequence[Row]):
    """The rows of an Arrow table as mappings that read its columns, each column turned into
    Python values the first time a row asks for it: sentences read a few dozen of the
    feature table's 170 columns, and a plan of 100,000 parcels spent seconds in ``to_pylist``
    making dictionaries of all of them."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table
        self._columns: dict[str, list[Any]] = {}

    def column(self, name: str) -> list[Any]:
        values = self._columns.get(name)
        if values is None:
            if name not in self._table.column_names:
                raise KeyError(name)
            values = self._columns[name] = self._table.column(name).to_pylist()
        return values

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def __getitem__(self, index: int) -> Row:  # type: ignore[override]
        size = len(self)
        if not -size <= index < size:
            raise IndexError(index)
        return _TableRow(self, index % size)


class _TableRow(Mapping[str, Any]):
    __slots__ = ("_rows", "_index")

    def __init__(self, rows: TableRows, index: int) -> None:
        self._rows, self._index = rows, index

    def __getitem__(self, name: str) -> Any:
        return self._rows.column(name)[self._index]

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping's own get goes through __getitem__ and an exception handler: the sentences
        # call get over a million times in a large plan.
        try:
            return self._rows.column(name)[self._index]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows._table.column_names)

    def __len__(self) -> int:
        return int(self._rows._table.num_columns)


def _num(row: Row, name: str) -> float:
    value = row.get(name)
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _i(row: Row, name: str) -> int:
    value = _num(row, name)
    return 0 if math.isnan(value) else int(value)


def _price(row: Row) -> str:
    gap, low, high = _num(row, "genuine_gap"), _num(row, "genuine_min"), _num(row, "genuine_max")
    what = " ".join(str(row.get(k)) for k in ("genuine_brand", "genuine_line") if row.get(k))
    if math.isnan(gap) or math.isnan(low):
        peers = _num(row, "value_per_kg_vs_descr")
        if not math.isnan(peers) and peers < 0:
            return (
                f"declared value {_num(row, 'declared_value'):.2f} USD for "
                f"{_num(row, 'weight_kg'):.2f} kg, {1 - math.exp(peers):.0%} less per kg than "
                f"earlier parcels described '{row.get('description') or ''}'"
            )
        return (
            f"declared value {_num(row, 'declared_value'):.2f} USD for "
            f"{_num(row, 'weight_kg'):.2f} kg, low for the goods"
        )
    unit = _num(row, "unit_value")
    if gap > 0:
        return (
            f"declared value {gap:.0%} below the genuine range for {what} "
            f"({unit:.2f} USD a piece vs {low:.0f}–{high:.0f} USD)"
        )
    return f"declared {unit:.2f} USD a piece against a genuine range of {low:.0f}–{high:.0f} USD"


def _description(row: Row) -> str:
    descr = row.get("description") or ""
    if _num(row, "brand_in_description") > 0 and row.get("genuine_brand"):
        return f"brand word '{row.get('genuine_brand')}' in the description '{descr}'"
    if _i(row, "descr_seized"):
        return (
            f"description '{descr}' on {_i(row, 'descr_seized')} earlier seizures "
            f"({_i(row, 'descr_inspected')} inspections)"
        )
    if _num(row, "vague_description") > 0:
        return f"vague goods description '{descr}'"
    if _num(row, "hs_missing") > 0:
        return f"no HS code declared for '{descr}'"
    if _num(row, "entry_hs_mismatch") > 0:
        return f"customs entry HS code differs from the advance data's {row.get('hs6')}"
    share = _num(row, "descr_hs_share")
    if not math.isnan(share) and share < 0.5:
        return f"HS {row.get('hs6')} is unusual for '{descr}' ({share:.0%} of earlier parcels)"
    return f"description '{descr}' with HS {row.get('hs6')}"


def _ring(row: Row) -> str:
    ring = row.get("ring_id") or "?"
    return (
        f"shipper linked to ring {ring}, {_i(row, 'ring_seized_60d')} seizures in 60 days "
        f"({_i(row, 'ring_seized')} in all)"
    )


def _actor(row: Row) -> str:
    return (
        f"shipper actor {row.get('shipper_actor_id')}: {_i(row, 'sactor_seized')} earlier "
        f"seizures in {_i(row, 'sactor_inspected')} inspections"
    )


def _identifiers(row: Row) -> str:
    parts = []
    for key, label in (
        ("sname", "name"),
        ("sphone", "phone"),
        ("semail", "email"),
        ("saddr", "address"),
        ("seller", "seller account"),
    ):
        seized = _i(row, f"{key}_seized")
        if seized:
            parts.append(f"{label} ({seized})")
    if parts:
        return (
            f"shipper identifiers seen in earlier seizures: {', '.join(parts)}; "
            f"{_i(row, 'identifier_seized_60d')} in the last 60 days"
        )
    inspected = _i(row, "sname_inspected")
    return f"shipper '{row.get('shipper_name')}' inspected {inspected} times before, none seized"


def _consignee(row: Row) -> str:
    return (
        f"consignee '{row.get('consignee_name')}' linked to "
        f"{_i(row, 'cname_seized') + _i(row, 'caddr_seized')} earlier seizures "
        f"({_i(row, 'consignee_volume_30d')} parcels to that address in 30 days)"
    )


def _route(row: Row) -> str:
    return (
        f"HS {row.get('hs6')} from {row.get('origin')}: {_i(row, 'hs6_origin_seized')} "
        f"seizures in {_i(row, 'hs6_origin_inspected')} past inspections"
        f" (origin {row.get('origin')}: {_i(row, 'origin_seized')} seizures)"
    )


def _new_shipper(row: Row) -> str:
    return (
        f"new shipper: first seen {_num(row, 'shipper_age_days'):.1f} days ago, "
        f"{_i(row, 'shipper_prior_volume')} earlier parcels, {_i(row, 'shipper_volume_7d')} "
        "in 7 days"
    )


def _seller(row: Row) -> str:
    bits = [f"seller {row.get('seller_ref')}"]
    age = _num(row, "seller_age_days")
    if not math.isnan(age):
        bits.append(f"account {age:.0f} days old")
    ratio = _num(row, "listing_price_ratio")
    if not math.isnan(ratio):
        bits.append(f"lists branded goods at {ratio:.0%} of the genuine price")
    if _i(row, "seller_takedowns"):
        bits.append(f"{_i(row, 'seller_takedowns')} marketplace takedowns")
    if _i(row, "seller_hype_posts"):
        bits.append(f"{_i(row, 'seller_hype_posts')} hype posts")
    return ", ".join(bits)


def _port(row: Row) -> str:
    return f"port {row.get('port')}: {_i(row, 'port_seized_60d')} seizures in 60 days"


TOPICS: Final[dict[str, Callable[[Row], str]]] = {
    "price": _price,
    "description": _description,
    "ring": _ring,
    "actor": _actor,
    "identifiers": _identifiers,
    "consignee": _consignee,
    "route": _route,
    "new_shipper": _new_shipper,
    "seller": _seller,
    "port": _port,
}


def topic_of(feature: str) -> str:
    if feature.startswith("ring_"):
        return "ring"
    if feature.startswith(("sactor_",)):
        return "actor"
    if feature.startswith(("sname_", "sphone_", "semail_", "saddr_", "identifier_")):
        return "identifiers"
    if feature.startswith(("seller", "has_seller", "listing_")):
        return "seller"
    if feature.startswith(("cname_", "caddr_", "cactor_", "consignee_")):
        return "consignee"
    if feature.startswith(("hs6_origin_", "hs4_", "origin", "hs2")):
        return "route"
    if feature.startswith(("shipper_", "phone_prior")):
        return "new_shipper"
    if feature.startswith("port"):
        return "port"
    if feature.startswith("descr_") or feature in {
        "brand_in_description",
        "vague_description",
        "description_length",
        "hs_missing",
        "descr_hs_share",
        "descr_prior_volume",
        "entry_hs_mismatch",
        "has_entry",
        "entry_type",
    }:
        return "description"
    return "price"


_TOPIC_INDEX: Final = [topic_of(f) for f in FEATURES]


def explain(
    rows: Sequence[Row], contributions: npt.NDArray[np.float64], top: int = 3
) -> list[list[str]]:
    """Up to ``top`` sentences per row, strongest first; at least one per row."""
    names = sorted(set(_TOPIC_INDEX))
    member = np.zeros((len(FEATURES), len(names)))
    for j, topic in enumerate(_TOPIC_INDEX):
        member[j, names.index(topic)] = 1.0
    by_topic = contributions[:, : len(FEATURES)] @ member
    out: list[list[str]] = []
    for i, row in enumerate(rows):
        order = [k for k in np.argsort(-by_topic[i]) if _applies(names[k], row)]
        best = by_topic[i, order[0]] if order else 0.0
        floor = max(MIN_CONTRIBUTION, RELATIVE_FLOOR * best)
        picked = [names[k] for k in order[:top] if by_topic[i, k] >= floor]
        out.append([TOPICS[t](row) for t in picked or [names[order[0]] if order else "price"]])
    return out


# A topic is named when its contribution reaches this (log-odds), and at least this share of
# the strongest topic's; a row always gets its strongest topic.
MIN_CONTRIBUTION: Final = 0.02
RELATIVE_FLOOR: Final = 0.15


def _applies(topic: str, row: Row) -> bool:
    """Topics that would describe something the shipment does not have are never named."""
    if topic == "actor":
        return bool(row.get("shipper_actor_id"))
    if topic == "ring":
        return bool(row.get("ring_id"))
    if topic == "seller":
        return bool(row.get("seller_ref"))
    return True

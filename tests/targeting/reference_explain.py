"""The per-row explanation planning had before its topic questions were asked of whole columns
(``redlane.targeting.evidence``): slow and obviously correct, kept only to compare against."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from redlane.targeting.features import FEATURES
from redlane.targeting.reasons import (
    _IDENTIFIERS,
    _TOPIC_INDEX,
    LOWERS,
    MIN_CONTRIBUTION,
    NOTHING_STANDS_OUT,
    RAISES,
    RELATIVE_FLOOR,
    TOPICS,
    Row,
    _genuine_range,
    _i,
    _num,
    _peers_per_kg,
)


def reference_explain(
    rows: Sequence[Row], contributions: np.ndarray, top: int = 3
) -> list[list[str]]:
    names = sorted(set(_TOPIC_INDEX))
    member = np.zeros((len(FEATURES), len(names)))
    for j, topic in enumerate(_TOPIC_INDEX):
        member[j, names.index(topic)] = 1.0
    by_topic = contributions[:, : len(FEATURES)] @ member
    out: list[list[str]] = []
    for i, row in enumerate(rows):
        named = [k for k in np.argsort(-by_topic[i]) if _applies(names[k], row)]
        raising = [k for k in named if _has_evidence(names[k], row)]
        best = by_topic[i, raising[0]] if raising else 0.0
        floor = max(MIN_CONTRIBUTION, RELATIVE_FLOOR * best)
        picked = [names[k] for k in raising[:top] if by_topic[i, k] >= floor]
        if picked:
            out.append([RAISES + TOPICS[t](row) for t in picked])
            continue
        lowering = [names[k] for k in reversed(named) if by_topic[i, k] <= -MIN_CONTRIBUTION]
        out.append([LOWERS + TOPICS[lowering[0]](row)] if lowering else [NOTHING_STANDS_OUT])
    return out


def price_is_low(row: Row) -> bool:
    usd = _num(row, "declared_value")
    if math.isnan(usd):
        return False
    genuine = _genuine_range(row)
    if genuine is not None:
        return usd / max(_i(row, "pieces"), 1) < genuine[0]
    peers = _peers_per_kg(row)
    return not math.isnan(peers) and peers < 0


def _applies(topic: str, row: Row) -> bool:
    if topic == "actor":
        return bool(row.get("shipper_actor_id"))
    if topic == "ring":
        return bool(row.get("ring_id"))
    if topic == "seller":
        return bool(row.get("seller_ref"))
    return True


def _has_evidence(topic: str, row: Row) -> bool:
    if topic == "port":
        return _i(row, "port_seized_60d") > 0
    if topic == "price":
        return price_is_low(row)
    if topic == "route":
        return (
            _i(row, "hs6_origin_seized") + _i(row, "origin_seized") > 0
            or _num(row, "origin_ne_shipper_country") > 0
        )
    if topic == "ring":
        return _i(row, "ring_seized") > 0
    if topic == "actor":
        return _i(row, "sactor_seized") > 0
    if topic == "identifiers":
        return any(_i(row, f"{key}_seized") for key, _ in _IDENTIFIERS)
    if topic == "consignee":
        return (
            _i(row, "cname_seized") + _i(row, "caddr_seized") + _i(row, "consignee_volume_30d") > 0
        )
    if topic == "seller":
        return (
            any(
                _i(row, name) for name in ("seller_takedowns", "seller_hype_posts", "seller_seized")
            )
            or _num(row, "listing_price_ratio") < 1
        )
    return True

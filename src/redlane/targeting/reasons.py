"""Officer sentences from LightGBM contributions (``pred_contrib``), and why a parcel is on a plan.

Features are grouped into topics (price, description, shipper history, ring, seller…); a
shipment's reasons are the topics with the largest positive contribution to its score that cite
something found, each turned into one sentence with the shipment's own values and its direction
("raises risk: …"; when nothing raises it, what lowers it most: "lowers risk: …").
:func:`selection_reason` says why a plan took a parcel (its checks, its rank by expected value,
or a random draw), and :func:`format_score` is how scores are shown to people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.targeting.evidence import IDENTIFIERS, as_number, topic_masks
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

    def arrow_column(self, name: str) -> pa.ChunkedArray | None:
        """The column as Arrow (``None`` when the table has none), for whole-column work."""
        if name not in self._table.column_names:
            return None
        return self._table.column(name)

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
    return as_number(row.get(name))


def _i(row: Row, name: str) -> int:
    value = _num(row, name)
    return 0 if math.isnan(value) else int(value)


# --- words and numbers as officers read them ---------------------------------------------------
def plural(count: float, noun: str, many: str | None = None) -> str:
    """``no hype posts``, ``1 hype post``, ``2 hype posts`` (``many``: an irregular plural)."""
    n = int(count)
    if n == 0:
        return f"no {many or noun + 's'}"
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def format_score(score: float) -> str:
    """A score (a probability) for people: three decimals, never scientific notation, and never
    rounded up to a certainty the model does not have (0.99999998 is ``> 0.999``)."""
    if math.isnan(score):
        return "no score"
    if 0.9995 <= score < 1:
        return "> 0.999"
    if 0 < score < 0.0005:
        return "< 0.001"
    return f"{score:.3f}"


def format_chance(probability: float) -> str:
    """A chance of being drawn: ``25%``, or ``1 in 48`` when small (never ``0.0%``)."""
    if probability <= 0:
        return "no chance"
    if probability >= 0.1:
        return f"{probability:.0%}"
    return f"1 in {round(1 / probability):,}"


def ago(days: float) -> str:
    """An age in days in words: ``less than a day ago``, ``1 day ago``, ``12 days ago``."""
    if math.isnan(days) or days < 1:
        return "less than a day ago"
    return f"{plural(days, 'day')} ago"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _declared(row: Row) -> str:
    """The value as filed and, when not in US dollars, what it is in dollars and at which
    rate: ``declared 24,809.89 HKD (3,176.10 USD at 7.8113 HKD to the dollar, rate of
    2026-02-27)``."""
    usd = _num(row, "declared_value")
    currency = str(row.get("declared_currency") or "USD")
    amount = _num(row, "declared_amount")
    if currency == "USD" or math.isnan(amount):
        return f"declared {usd:,.2f} USD"
    if math.isnan(usd):
        return f"declared {amount:,.2f} {currency} (no exchange rate for its date)"
    rate = _num(row, "fx_units_per_usd")
    return (
        f"declared {amount:,.2f} {currency} ({usd:,.2f} USD at {rate:,.4f} {currency} to the "
        f"dollar, rate of {row.get('fx_rate_date')})"
    )


def _genuine_range(row: Row) -> tuple[float, float, str] | None:
    """The genuine price range of the parcel's own product line (its HS6) and whose line it
    is; ``None`` when none matched: a brand's range for other goods is not quoted."""
    low, high = _num(row, "genuine_min"), _num(row, "genuine_max")
    if not row.get("genuine_line_matched") or math.isnan(low) or math.isnan(high):
        return None
    brand = row.get("genuine_line_brand") or row.get("genuine_brand")
    what = " ".join(str(v) for v in (brand, row.get("genuine_line")) if v)
    return low, high, what or "these goods"


def _peers_per_kg(row: Row) -> float:
    """How far the value per kg is below (< 0) earlier parcels of the same description, in
    log terms; NaN when unknown."""
    return _num(row, "value_per_kg_vs_descr")


def _price(row: Row) -> str:
    declared, usd = _declared(row), _num(row, "declared_value")
    pieces = plural(max(_i(row, "pieces"), 1), "piece")
    if math.isnan(usd):
        return f"{declared} for {pieces}: not compared with genuine prices"
    unit = usd / max(_i(row, "pieces"), 1)
    genuine = _genuine_range(row)
    if genuine is not None:
        low, high, what = genuine
        where = (
            f"{1 - unit / low:.0%} below"
            if unit < low
            else "within"
            if unit <= high
            else f"{unit / high - 1:.0%} above"
        )
        return (
            f"{declared} for {pieces}: {unit:,.2f} USD a piece, {where} the genuine range of "
            f"{low:,.0f}–{high:,.0f} USD for {what}"
        )
    peers = _peers_per_kg(row)
    weight = f"{_num(row, 'weight_kg'):.2f} kg"
    if not math.isnan(peers) and peers < 0:
        return (
            f"{declared} for {weight}, {1 - math.exp(peers):.0%} less per kg than earlier "
            f"parcels described '{row.get('description') or ''}'"
        )
    hs6 = row.get("hs6")
    goods = f"its goods (HS {hs6})" if hs6 else "its goods"
    return f"{declared} for {weight} ({unit:,.2f} USD a piece): no genuine price range for {goods}"


def _goods(row: Row) -> str:
    """The goods description in quotes, or that there is none."""
    descr = str(row.get("description") or "").strip()
    return f"'{descr}'" if descr else "no goods description"


def _description(row: Row) -> str:
    goods, hs6 = _goods(row), row.get("hs6")
    if _num(row, "brand_in_description") > 0 and row.get("genuine_brand"):
        return f"brand word '{row.get('genuine_brand')}' in the description {goods}"
    if _i(row, "descr_seized"):
        return (
            f"description {goods} on {plural(_i(row, 'descr_seized'), 'earlier seizure')} "
            f"(in {plural(_i(row, 'descr_inspected'), 'inspection')})"
        )
    if _num(row, "vague_description") > 0:
        return f"vague goods description {goods}"
    if not hs6:
        return f"no HS code declared for {goods}"
    if _num(row, "entry_hs_mismatch") > 0:
        return f"customs entry HS code differs from the advance data's HS {hs6}"
    share = _num(row, "descr_hs_share")
    if not math.isnan(share) and share < 0.5:
        return f"HS {hs6} is unusual for {goods} ({share:.0%} of earlier parcels)"
    return f"description {goods} with HS {hs6}"


def _ring(row: Row) -> str:
    return (
        f"shipper linked to ring {row.get('ring_id')}: "
        f"{plural(_i(row, 'ring_seized_60d'), 'seizure')} in the last 60 days "
        f"({plural(_i(row, 'ring_seized'), 'seizure')} in all)"
    )


def _actor(row: Row) -> str:
    actor, inspected = row.get("shipper_actor_id"), _i(row, "sactor_inspected")
    if not inspected:
        return f"shipper actor {actor}: never inspected before"
    return (
        f"shipper actor {actor}: {plural(_i(row, 'sactor_seized'), 'earlier seizure')} in "
        f"{plural(inspected, 'inspection')}"
    )


_IDENTIFIERS: Final = IDENTIFIERS


def _identifiers(row: Row) -> str:
    parts = [
        f"{label} ({_i(row, f'{key}_seized'):,})"
        for key, label in _IDENTIFIERS
        if _i(row, f"{key}_seized")
    ]
    if parts:
        recent = _i(row, "identifier_seized_60d")
        return (
            f"shipper identifiers seen in earlier seizures: {', '.join(parts)}; "
            f"{f'{recent:,}' if recent else 'none'} in the last 60 days"
        )
    name = row.get("shipper_name")
    who = f"shipper '{name}'" if name else "this shipper"
    inspected = _i(row, "sname_inspected")
    if not inspected:
        return f"{who} never inspected before"
    return f"{who} inspected {plural(inspected, 'time')} before, none seized"


def _consignee(row: Row) -> str:
    name = row.get("consignee_name")
    who = f"consignee '{name}'" if name else "the consignee"
    seized = _i(row, "cname_seized") + _i(row, "caddr_seized")
    volume = _i(row, "consignee_volume_30d")
    to_address = f"{plural(volume, 'other parcel')} to the same address in 30 days"
    if seized:
        return f"{who} linked to {plural(seized, 'earlier seizure')} ({to_address})"
    return f"{who}: {to_address}, none seized before"


def _route(row: Row) -> str:
    """The route's seizure record: only the parts that found something (the HS code × origin,
    the origin), or that nothing was found when nothing was."""
    hs6, origin = row.get("hs6"), row.get("origin") or "an undeclared origin"
    parts = []
    if hs6 and _i(row, "hs6_origin_seized"):
        parts.append(
            f"HS {hs6} from {origin}: {plural(_i(row, 'hs6_origin_seized'), 'seizure')} in "
            f"{plural(_i(row, 'hs6_origin_inspected'), 'past inspection')}"
        )
    if _i(row, "origin_seized"):
        parts.append(
            f"origin {origin}: {plural(_i(row, 'origin_seized'), 'seizure')} in "
            f"{plural(_i(row, 'origin_inspected'), 'past inspection')}"
        )
    shipper_country = row.get("shipper_country")
    if _num(row, "origin_ne_shipper_country") > 0 and shipper_country:
        parts.append(f"sent from {origin} by a shipper based in {shipper_country}")
    if not parts:
        goods = f"HS {hs6}" if hs6 else "goods"
        parts.append(f"{goods} from {origin}: no seizures on record")
    return "; ".join(parts)


def _actor_history(row: Row) -> str | None:
    """What the shipper's resolved actor has on record before this parcel, if anything."""
    actor = row.get("shipper_actor_id")
    if not actor:
        return None
    first, at = row.get("shipper_actor_first_seen"), row.get("submitted_at")
    if isinstance(first, datetime) and isinstance(at, datetime):
        days = (at.replace(tzinfo=None) - first.replace(tzinfo=None)).total_seconds() / 86400
        if days >= 1:
            return f"its actor {actor} was first seen {ago(days)}"
    inspected = _i(row, "sactor_inspected")
    if inspected:
        return f"its actor {actor} has {plural(inspected, 'earlier inspection')}"
    return None


def _new_shipper(row: Row) -> str:
    prior = _i(row, "shipper_prior_volume")
    actor = _actor_history(row)
    if prior == 0:
        if actor:
            return f"first parcel under this shipper name, but {actor}"
        actor_id = row.get("shipper_actor_id")
        if actor_id:
            return f"new shipper: first parcel under this name, and its actor {actor_id} is new"
        return "new shipper: first parcel under this name"
    own = (
        f"shipper first seen {ago(_num(row, 'shipper_age_days'))}: "
        f"{plural(prior, 'earlier parcel')}, {_i(row, 'shipper_volume_7d'):,} in the last 7 days"
    )
    return f"{own}; {actor}" if actor else own


def _seller(row: Row) -> str:
    bits = [f"seller {row.get('seller_ref')}"]
    age = _num(row, "seller_age_days")
    if not math.isnan(age):
        bits.append(f"account {ago(age).removesuffix(' ago')} old")
    ratio = _num(row, "listing_price_ratio")
    if ratio < 1:  # at or above the genuine price is no counterfeit sign (NaN: no listing)
        bits.append(f"lists branded goods {1 - ratio:.0%} below the genuine price")
    if _i(row, "seller_takedowns"):
        bits.append(plural(_i(row, "seller_takedowns"), "marketplace takedown"))
    if _i(row, "seller_hype_posts"):
        bits.append(plural(_i(row, "seller_hype_posts"), "hype post"))
    if _i(row, "seller_seized"):
        bits.append(f"{plural(_i(row, 'seller_seized'), 'earlier seizure')} of its parcels")
    return ", ".join(bits)


def _port(row: Row) -> str:
    recent, seized = _i(row, "port_seized_60d"), _i(row, "port_seized")
    text = f"port {row.get('port')}: {plural(recent, 'seizure')} in the last 60 days"
    return f"{text} ({seized:,} in all)" if seized > recent else text


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
    """Up to ``top`` sentences per row, strongest first, each saying its direction; exactly
    one per row when nothing raises the risk (what lowers it most, or that nothing stands
    out)."""
    names = sorted(set(_TOPIC_INDEX))
    member = np.zeros((len(FEATURES), len(names)))
    for j, topic in enumerate(_TOPIC_INDEX):
        member[j, names.index(topic)] = 1.0
    by_topic = contributions[:, : len(FEATURES)] @ member
    # Whether each topic applies and cites evidence, for all rows at once (the per-row
    # questions cost more than the sentences); a row's order is what argsort gives the row.
    applies, evidence = topic_masks(rows, names)
    orders = np.argsort(-by_topic, axis=1).tolist()
    values, applies_rows, evidence_rows = by_topic.tolist(), applies.tolist(), evidence.tolist()
    out: list[list[str]] = []
    for i, row in enumerate(rows):
        value, named_here, found = values[i], applies_rows[i], evidence_rows[i]
        named = [k for k in orders[i] if named_here[k]]
        raising = [k for k in named if found[k]]
        best = value[raising[0]] if raising else 0.0
        floor = max(MIN_CONTRIBUTION, RELATIVE_FLOOR * best)
        picked = [names[k] for k in raising[:top] if value[k] >= floor]
        if picked:
            out.append([RAISES + TOPICS[t](row) for t in picked])
            continue
        lowering = [names[k] for k in reversed(named) if value[k] <= -MIN_CONTRIBUTION]
        out.append([LOWERS + TOPICS[lowering[0]](row)] if lowering else [NOTHING_STANDS_OUT])
    return out


# A topic is named when its contribution reaches this (log-odds), and at least this share of
# the strongest topic's.
MIN_CONTRIBUTION: Final = 0.02
RELATIVE_FLOOR: Final = 0.15
# Every model sentence says which way it moves the score: a contribution that pushes the score
# down is never offered as a reason to inspect.
RAISES: Final = "raises risk: "
LOWERS: Final = "lowers risk: "
NOTHING_STANDS_OUT: Final = (
    "no single factor stands out: the score is close to the usual rate for such parcels"
)


# --- why a parcel is on a plan ------------------------------------------------------------------
_LANE_WORK: Final = {
    "red": "inspection",
    "yellow": "document check",
    "notify": "notice to the partner",
    "green": "release",
}
# Below this score a model pick is there for the value at stake, and says so.
LOW_SCORE: Final = 0.05


def value_ranks(expected_value: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Each parcel's rank by expected seizure value (1 = highest; ties by position), the order
    the model's picks are taken in."""
    order = np.lexsort((np.arange(len(expected_value)), -np.asarray(expected_value)))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def selection_reason(
    selected_by: str,
    lane: str,
    *,
    checks: Sequence[str] = (),
    value_rank: int = 0,
    parcels: int = 0,
    score: float = math.nan,
    expected_value: float = math.nan,
    propensity: float = 1.0,
) -> str:
    """Why a parcel was put in ``lane``, in plain words, whatever its score: the rules and
    lookouts (``checks``: their labels) that require it, its rank by expected seizure value
    among the port's ``parcels``, or a random draw with its chance."""
    work = _LANE_WORK.get(lane, f"{lane} lane")
    if selected_by == "exploration":
        return (
            f"selected for {work} at random (exploration, a {format_chance(propensity)} "
            "chance), not for its score"
        )
    if selected_by in ("rule", "lookout"):
        named = _and(list(checks)) if checks else f"a {selected_by}"
        return f"selected for {work} by {named} (a mandatory check)"
    at_stake = (
        f"score {format_score(score)} × estimated value {expected_value / score:,.0f} USD"
        if score > 0
        else f"score {format_score(score)}"
    )
    low = ", for the value at stake rather than a high score" if score < LOW_SCORE else ""
    return (
        f"selected for {work} by the model: {_ordinal(value_rank)} highest expected seizure "
        f"value of {plural(parcels, 'parcel')} ({at_stake}){low}"
    )

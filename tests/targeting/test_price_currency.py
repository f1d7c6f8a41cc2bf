"""Price features and price reasons in US dollars, whatever the currency declared (issue 28 §2).

A small hand-written warehouse: parcels declared in HKD, GBP and USD, the rates of an
``fx_rates`` feed, and one brand with a headphones line (40–90 USD) and a speakers line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pytest

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import CARRIER, FX_RATES
from redlane.targeting.features import (
    FEATURES,
    compute_features,
    empty_labels,
    open_features_connection,
)
from redlane.targeting.model import TargetModel
from redlane.targeting.reasons import RAISES, TableRows, explain
from redlane.targeting.screen import Screener
from tests.utils.feed_files import valid_record, write_csv

AED = CARRIER.tables[0]
# (hawb, description, hs6, declared value, currency, pieces, submitted at)
PARCELS = [
    ("HK-1", "auralis headphones", "851830", "24809.89", "HKD", "194", "2026-03-01T09:00:00Z"),
    ("GB-1", "auralis headphones", "851830", "690.04", "GBP", "182", "2026-03-02T09:00:00Z"),
    # Auralis makes no goods of this HS6: its headphones range is not this parcel's
    ("US-1", "auralis car amplifier", "851840", "300.00", "USD", "100", "2026-03-02T09:00:00Z"),
    ("US-2", "auralis headphones", "851830", "8680.00", "USD", "20", "2026-03-02T09:00:00Z"),
]
RATES = [("2026-02-27", "HKD", "7.8125"), ("2026-03-02", "GBP", "0.7500")]
BRANDS = {
    "feed": "recordations",
    "rights_holder": "Auralis Audio Inc.",
    "brands": [
        {
            "brand_id": "B-1",
            "name": "Auralis",
            "owner": "Auralis Audio Inc.",
            "product_lines": [
                {
                    "product_line": "headphones",
                    "hs6": "851830",
                    "price_min": "40",
                    "price_max": "90",
                    "currency": "USD",
                },
                {
                    "product_line": "speakers",
                    "hs6": "851822",
                    "price_min": "120",
                    "price_max": "300",
                    "currency": "USD",
                },
            ],
        }
    ],
}


def _write_world(folder: Path) -> list[Path]:
    records = []
    for i, (hawb, descr, hs6, value, currency, pieces, at) in enumerate(PARCELS):
        record = valid_record(AED, i)
        record.update(
            hawb=hawb,
            description=descr,
            hs6=hs6,
            declared_value=value,
            currency=currency,
            pieces=pieces,
            submitted_at=at,
            expected_arrival="2026-03-03T06:00:00Z",
        )
        records.append(record)
    fx = [dict(zip(("date", "currency", "units_per_usd"), r, strict=True)) for r in RATES]
    brands = folder / "brands.json"
    folder.mkdir(parents=True, exist_ok=True)
    brands.write_text(json.dumps(BRANDS), encoding="utf-8")
    return [
        write_csv(folder / "fx.csv", FX_RATES.tables[0], fx),
        brands,
        write_csv(folder / "aed.csv", AED, records),
    ]


@dataclass(frozen=True)
class Small:
    home: Path
    warehouse: Path
    features: pa.Table


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Small:
    """The hand-written world, ingested once for the module (tests only read it)."""
    base = tmp_path_factory.mktemp("price-currency")
    warehouse = Warehouse(base / "warehouse")
    for path in _write_world(base / "in"):
        [result] = ingest_paths([path], warehouse)
        assert result.status == "loaded" and not result.quarantined, result
    con = open_features_connection(base / "home", warehouse.root)
    try:
        return Small(base / "home", warehouse.root, compute_features(con))
    finally:
        con.close()


@pytest.fixture
def features(small: Small) -> pa.Table:
    return small.features


def _by_hawb(table: pa.Table) -> dict[str, Mapping[str, Any]]:
    rows = TableRows(table)
    return {str(rows[i]["hawb"]): rows[i] for i in range(len(rows))}


def _contributions(n: int, **by_feature: float) -> np.ndarray:
    out = np.zeros((n, len(FEATURES) + 1))
    for name, value in by_feature.items():
        out[:, FEATURES.index(name)] = value
    return out


def test_price_features_use_the_value_converted_at_the_parcels_date(features: pa.Table) -> None:
    rows = _by_hawb(features)
    hk, gb = rows["HK-1"], rows["GB-1"]
    # submitted on a Sunday: the Friday rate is the latest published in the week before
    assert hk["declared_value"] == pytest.approx(24809.89 / 7.8125)
    assert hk["unit_value"] == pytest.approx(24809.89 / 7.8125 / 194)
    assert hk["genuine_gap"] == pytest.approx(1 - 24809.89 / 7.8125 / 194 / 40)
    assert (hk["declared_amount"], hk["declared_currency"]) == (pytest.approx(24809.89), "HKD")
    assert str(hk["fx_rate_date"]) == "2026-02-27"
    assert gb["unit_value"] == pytest.approx(690.04 / 0.75 / 182)
    assert rows["US-2"]["unit_value"] == pytest.approx(434.0)


def test_the_price_reason_quotes_the_value_as_declared_and_as_converted(
    features: pa.Table,
) -> None:
    rows = TableRows(features)
    hawbs = [r["hawb"] for r in rows]
    reasons = dict(
        zip(hawbs, explain(rows, _contributions(len(rows), unit_value=1.0)), strict=True)
    )
    assert reasons["HK-1"] == [
        RAISES + "declared 24,809.89 HKD (3,175.67 USD at 7.8125 HKD to the dollar, rate of "
        "2026-02-27) for 194 pieces: 16.37 USD a piece, 59% below the genuine range of 40–90 "
        "USD for Auralis headphones"
    ]
    assert reasons["GB-1"] == [
        RAISES + "declared 690.04 GBP (920.05 USD at 0.7500 GBP to the dollar, rate of "
        "2026-03-02) for 182 pieces: 5.06 USD a piece, 87% below the genuine range of 40–90 "
        "USD for Auralis headphones"
    ]


def test_a_range_of_another_product_line_is_never_quoted(features: pa.Table) -> None:
    rows = TableRows(features)
    hawbs = [r["hawb"] for r in rows]
    reasons = dict(
        zip(hawbs, explain(rows, _contributions(len(rows), unit_value=1.0)), strict=True)
    )
    # the brand's only range is for headphones: the amplifier's price is not compared with it
    assert not any("40–90" in sentence for sentence in reasons["US-1"])
    assert not any(sentence.startswith(RAISES) for sentence in reasons["US-1"])
    [lowering] = explain([rows[hawbs.index("US-1")]], _contributions(1, unit_value=-1.0))
    assert lowering == [
        "lowers risk: declared 300.00 USD for 0.45 kg (3.00 USD a piece): no genuine price "
        "range for its goods (HS 851840)"
    ]


def test_a_price_above_the_genuine_range_is_not_a_reason_to_inspect(features: pa.Table) -> None:
    rows = TableRows(features)
    hawbs = [r["hawb"] for r in rows]
    raising = dict(
        zip(hawbs, explain(rows, _contributions(len(rows), unit_value=1.0)), strict=True)
    )
    lowering = dict(
        zip(hawbs, explain(rows, _contributions(len(rows), unit_value=-1.0)), strict=True)
    )
    assert not any(s.startswith(RAISES) for s in raising["US-2"])
    assert lowering["US-2"] == [
        "lowers risk: declared 8,680.00 USD for 20 pieces: 434.00 USD a piece, 382% above the "
        "genuine range of 40–90 USD for Auralis headphones"
    ]


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (8.68, None),  # 868% of the genuine price: no counterfeit sign, not a reason
        (1.0, None),
        (0.3, RAISES + "seller S-9, lists branded goods 70% below the genuine price"),
    ],
)
def test_listing_prices_are_a_reason_only_below_the_genuine_price(
    ratio: float, expected: str | None
) -> None:
    row = {"seller_ref": "S-9", "listing_price_ratio": ratio}
    [reasons] = explain([row], _contributions(1, listing_price_ratio=1.0))
    if expected is None:
        assert not any(s.startswith(RAISES) for s in reasons)
        assert not any("%" in s and "genuine price" in s for s in reasons)
    else:
        assert reasons == [expected]


def test_the_warm_screener_converts_and_explains_as_the_feature_query(small: Small) -> None:
    con = open_features_connection(small.home, small.warehouse)
    try:
        screener = Screener(cast(TargetModel, None), [])  # features only: no model needed
        screener._load(con)
    finally:
        con.close()
    batch = _by_hawb(small.features)
    for hawb, descr, hs6, value, currency, pieces, at in PARCELS:
        record = {
            "carrier": "EXPR",
            "hawb": hawb,
            "description": descr,
            "hs6": hs6,
            "declared_value": value,
            "currency": currency,
            "pieces": pieces,
            "weight_kg": "0.45",
            "submitted_at": at,
        }
        row = screener.features(record)
        for name in ("declared_value", "unit_value", "genuine_gap", "fx_units_per_usd"):
            assert row[name] == pytest.approx(batch[hawb][name], nan_ok=True), (hawb, name)
        assert row["genuine_line_matched"] == batch[hawb]["genuine_line_matched"], hawb
        [screened] = explain([row], _contributions(1, unit_value=1.0))
        [batched] = explain([batch[hawb]], _contributions(1, unit_value=1.0))
        assert screened == batched, hawb


@pytest.mark.spark
@pytest.mark.slow
def test_spark_converts_with_the_same_rates(small: Small) -> None:
    """The conversion in the shipments' rows every feature reads (``base_sql``), on Spark: the
    whole feature query's parity is ``tests/engine/test_spark_parity.py``'s."""
    from redlane.engine.spark import spark_session, spark_sql
    from redlane.targeting.spark_features import register_feature_views
    from redlane.targeting.sql import base_sql

    columns = "hawb, declared_value, declared_amount, declared_currency, fx_units_per_usd"
    query = f"SELECT {columns}, CAST(fx_rate_date AS VARCHAR) AS fx_rate_date FROM ({base_sql()})"
    spark = spark_session()
    register_feature_views(spark, small.home, small.warehouse, empty_labels())
    on_spark = {r["hawb"]: r for r in spark.sql(spark_sql(query)).toArrow().to_pylist()}
    con = open_features_connection(small.home, small.warehouse)
    try:
        duck = {r["hawb"]: r for r in con.sql(query).to_arrow_table().to_pylist()}
    finally:
        con.close()
    assert on_spark.keys() == duck.keys() == {p[0] for p in PARCELS}
    for hawb, row in duck.items():
        for name, value in row.items():
            assert on_spark[hawb][name] == pytest.approx(value), (hawb, name)
